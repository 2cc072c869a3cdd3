// A gpufleet binary that knows two more policies: the whole CLI (run, validate, compare, sweep,
// policies ...) with the built-ins and ours. compare and sweep re-run this same executable for
// their variants, so the children know our policies too.
#include <iostream>

#include <gpufleet/cli.hpp>
#include <gpufleet/policy_registry.hpp>

#include "my_policies.hpp"

int main(int argc, char** argv) {
  gpufleet::PolicyRegistry registry;
  gpufleet::register_builtin_policies(registry);
  my_policies::register_all(registry);
  return gpufleet::run_cli(argc, argv, std::cout, std::cerr, registry);
}
