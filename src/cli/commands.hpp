// The subcommands behind run_cli() (src/cli/cli.cpp parses, these do the work).
#pragma once

#include <csignal>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/resource_limits.hpp"
#include "output/result_diff.hpp"
#include "scenario/scenario_resolve.hpp"
#include "study/sweep.hpp"

namespace gpufleet {
class PolicyRegistry;
}

namespace gpufleet::cli {

// Set by the first SIGINT/SIGTERM while a command that honours it runs; holds the signal number.
extern volatile std::sig_atomic_t g_stop_signal;
// Installs the handlers (without SA_RESTART, so that blocking waits return EINTR). The first
// signal asks the command to stop and write what it has; a second one is only acknowledged on
// stderr (a stop is already under way: `timeout` and a terminal's Ctrl-C during `compare` send
// two at once); a third ends the process at once, without results.
void install_stop_handlers();
// 128 + signal, the shell's convention for "stopped by a signal".
int interrupted_exit_code();

struct RunArgs {
  const PolicyRegistry* registry = nullptr;  // the policies scenarios may name (set by run_cli)
  std::string scenario;
  std::string out;
  bool out_given = false;  // --out given (an empty one is an error, not the default)
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets, patches, cfg, limits;
  bool quiet = false, no_report = false;
  int verbose = 0;
  // The progress line: "auto" (only when stderr is a terminal and not --quiet), "always" (also to a
  // pipe or file, one line per update, even with --quiet), "never". At most one update per
  // progress_interval_s of wall time (0: every update the engine offers, ~500 per run).
  std::string progress = "auto";
  double progress_interval_s = 0.2;
};

struct DiffArgs {
  DiffOptions options;
  std::vector<std::string> ignore, limits;
  std::string junit;
  bool all = false;
};

struct CheckArgs {
  RunArgs run;
  std::string expect;
  bool update = false;
  DiffArgs diff;
};

struct CompareArgs {
  const PolicyRegistry* registry = nullptr;  // the policies scenarios may name (set by run_cli)
  std::string scenario;                      // compare
  std::string spec_file;                     // sweep
  std::vector<std::string> vary, sets, patches, metrics, limits;
  std::size_t seeds = 1;
  std::uint64_t first_seed = 1;
  std::string shard;
  std::size_t jobs = 0;  // 0: number of cores
  std::string out;
  bool quiet = false;
};

int cmd_run(const RunArgs& a, std::ostream& out, std::ostream& err);
int cmd_validate(const RunArgs& a, std::ostream& out);
int cmd_check(const CheckArgs& a, std::ostream& out, std::ostream& err);
int cmd_diff(const std::string& a, const std::string& b, const DiffArgs& d, std::ostream& out);
int cmd_policies(const PolicyRegistry& registry, bool markdown, std::ostream& out);
int cmd_compare(const CompareArgs& a, std::ostream& out, std::ostream& err);
int cmd_sweep(const CompareArgs& a, std::ostream& out, std::ostream& err);
int cmd_merge(const std::vector<std::string>& shard_dirs, const std::string& out_dir,
              const std::vector<std::string>& limits, std::ostream& out);

// Reads a results folder's summary.json (or the file itself); throws InputError.
nlohmann::ordered_json read_summary(const std::string& path, const ResourceLimits& limits = {});

}  // namespace gpufleet::cli
