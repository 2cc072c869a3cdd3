// Two policies written outside gpufleet, against its public headers only.
#pragma once

#include <gpufleet/policy_registry.hpp>

namespace my_policies {

// Adds "workload_share" (queue order) and "walltime_split" (placement) to `registry`.
void register_all(gpufleet::PolicyRegistry& registry);

}  // namespace my_policies
