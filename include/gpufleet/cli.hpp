// The gpufleet command line, as a library call (so that every subcommand is
// testable in-process, and so that a program with its own policies gets the whole CLI).
// Exit codes: 0 ok, 1 a comparison found a difference, 2 bad input or usage, 3 internal error,
// 128+N stopped by signal N.
#pragma once

#include <iosfwd>

namespace gpufleet {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDifferent = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

class PolicyRegistry;

// The CLI with the built-in policies.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The CLI with the policies of `registry` (which must outlive the call): scenarios may name any
// of them, `gpufleet policies` lists them. `compare` and `sweep` run each variant as a child
// process of this same executable (/proc/self/exe), so the children know the same policies.
// A researcher's own binary: build a PolicyRegistry, register_builtin_policies() and the new
// ones, and call this from main() (docs/policies.md, examples/custom-policy/).
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, const PolicyRegistry& registry);

}  // namespace gpufleet
