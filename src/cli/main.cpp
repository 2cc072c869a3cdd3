#include <iostream>

#include "gpufleet/cli.hpp"

int main(int argc, char** argv) { return gpufleet::run_cli(argc, argv, std::cout, std::cerr); }
