// The gpufleet command line, as a library call (so that every subcommand is
// testable in-process). Exit codes: 0 ok, 1 a comparison found a difference,
// 2 bad input or usage, 3 internal error.
#pragma once

#include <iosfwd>

namespace gpufleet {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDifferent = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace gpufleet
