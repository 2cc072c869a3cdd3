#include "gpufleet/cli.hpp"

#include <ostream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/resource_limits.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/policy_registry.hpp"
#include "study/sweep.hpp"

namespace gpufleet {
namespace {

// A number in [lo, hi]; unlike CLI::Range it refuses NaN (every comparison with NaN is false, so
// CLI::Range lets it through).
CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& input) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(input, v) || !(v >= lo && v <= hi))
          return fmt::format("Value {} is not a number in [{}, {}]", input, lo, hi);
        return {};
      },
      fmt::format("number in [{}, {}]", lo, hi));
}

void add_limit_option(CLI::App* cmd, std::vector<std::string>& limits) {
  cmd->add_option("--limit", limits,
                  "Raise (or lower) a resource limit: " + limit_names() + " (e.g. --limit max_jobs=5e7). Repeatable")
      ->type_name("NAME=VALUE");
}

void add_scenario_options(CLI::App* cmd, cli::RunArgs& a) {
  cmd->add_option("--set", a.sets,
                  "Override one scenario value: POINTER=VALUE (RFC 6901 JSON Pointer; VALUE parsed as JSON, else a "
                  "string). Repeatable, applied in order after --patch")
      ->type_name("POINTER=VALUE");
  cmd->add_option("--patch", a.patches,
                  "Apply a JSON Merge Patch file (RFC 7396) to the scenario. Repeatable, in order")
      ->type_name("FILE");
  add_limit_option(cmd, a.limits);
}

void add_seed_option(CLI::App* cmd, std::optional<std::uint64_t>& seed) {
  cmd->add_option_function<std::uint64_t>(
         "--seed", [&seed](const std::uint64_t& s) { seed = s; }, "Override the scenario's seed")
      ->check(CLI::Range(std::uint64_t{0}, kMaxSeed));
}

void add_diff_options(CLI::App* cmd, cli::DiffArgs& d) {
  cmd->add_option("--rtol", d.options.rtol, "Relative tolerance: |a-b| <= atol + rtol*max(|a|,|b|) (default 1e-9)")
      ->check(finite_range(0, 1e300));
  cmd->add_option("--atol", d.options.atol, "Absolute tolerance (default 0)")->check(finite_range(0, 1e300));
  cmd->add_option(
         "--ignore", d.ignore,
         "Leave out values under this path prefix (repeatable; /gpufleet_version, /inputs and /outputs always are)")
      ->type_name("PATH");
  cmd->add_option("--junit", d.junit, "Also write a JUnit XML report (one test case per compared value)")
      ->type_name("FILE");
  cmd->add_flag("--all", d.all, "List every compared value, not only those beyond tolerance");
}

void add_compare_options(CLI::App* cmd, cli::CompareArgs& a) {
  cmd->add_option("--out", a.out, "Output folder (compare.csv, compare.md, compare.html, sweep.json, runs/)")
      ->required();
  cmd->add_option("-j,--jobs", a.jobs, "Runs at a time, each its own process (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("-q,--quiet", a.quiet, "No per-run lines on stderr");
  add_limit_option(cmd, a.limits);
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  return run_cli(argc, argv, out, err, builtin_policy_registry());
}

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, const PolicyRegistry& registry) {
  CLI::App app{"gpufleet: discrete-event simulator of national GPU fleets (delivery, build-out, allocation)"};
  app.set_version_flag("--version", std::string("gpufleet ") + GPUFLEET_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 a comparison found a difference, 2 bad input or usage, 3 internal error,\n"
      "128+N stopped by signal N (partial results marked \"complete\": false).\n"
      "Docs: docs/cli.md, docs/scenario-format.md, docs/outputs.md");

  cli::RunArgs run_args;
  auto* run = app.add_subcommand("run",
                                 "Run a scenario; write summary.json, report.html, jobs.csv, timeseries.csv, "
                                 "scenario.json (as run), run.json (and rollout.csv, orders.csv)");
  run->add_option("scenario", run_args.scenario, "Scenario file (JSON)")->required();
  auto* run_out =
      run->add_option("--out", run_args.out, "Output folder, replaced as a whole (default: out/<scenario file name>)");
  add_seed_option(run, run_args.seed);
  add_scenario_options(run, run_args);
  run->add_flag("--no-report", run_args.no_report, "Do not write report.html");
  run->add_option("--cfg", run_args.cfg, "SimGrid configuration passthrough NAME:VALUE (repeatable; experts)");
  run->add_flag("-q,--quiet", run_args.quiet,
                "Print nothing on success (no table; no progress line unless --progress always)");
  run->add_option("--progress", run_args.progress,
                  "Progress line on stderr: auto (on a terminal, not with --quiet), always (also to a pipe or file, a "
                  "line per update), never (default auto)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  run->add_option("--progress-interval", run_args.progress_interval_s,
                  "Wall-clock seconds between progress updates; 0 shows every update the engine offers, about 500 "
                  "per run (default 0.2)")
      ->check(finite_range(0, 3600));
  run->add_flag("-v,--verbose", run_args.verbose,
                "Log on stderr: -v the rollout's milestones and the first rejection of each kind, -vv every "
                "scheduling decision and allocation, -vvv SimGrid's own logs (results are the same)");

  cli::RunArgs validate_args;
  auto* validate = app.add_subcommand("validate", "Check a scenario (and the traces it names); print every error");
  validate->add_option("scenario", validate_args.scenario, "Scenario file (JSON)")->required();
  add_scenario_options(validate, validate_args);

  cli::CheckArgs check_args;
  auto* check = app.add_subcommand("check",
                                   "Run a scenario and compare its summary.json with an expected one "
                                   "(exit 1 when it differs); --update rewrites the expectation");
  check->add_option("scenario", check_args.run.scenario, "Scenario file (JSON)")->required();
  check->add_option("--expect", check_args.expect, "Expected summary.json")->required();
  check->add_flag("--update", check_args.update, "Write the run's summary.json to the --expect file (deliberately)");
  auto* check_out = check->add_option("--out", check_args.run.out,
                                      "Output folder, replaced as a whole (default: out/<scenario file name>)");
  add_seed_option(check, check_args.run.seed);
  add_scenario_options(check, check_args.run);
  add_diff_options(check, check_args.diff);

  std::string diff_a, diff_b;
  cli::DiffArgs diff_args;
  auto* diff = app.add_subcommand("diff",
                                  "Compare two results (folders or summary.json files) metric by metric; "
                                  "exit 0 within tolerance, 1 when not");
  diff->add_option("a", diff_a, "Results folder or summary.json (reference)")->required();
  diff->add_option("b", diff_b, "Results folder or summary.json")->required();
  add_diff_options(diff, diff_args);
  add_limit_option(diff, diff_args.limits);

  cli::CompareArgs compare_args;
  auto* compare = app.add_subcommand("compare",
                                     "Run every combination of --vary values on the same seeds, in parallel; "
                                     "tabulate means, 95 % CIs and paired differences");
  compare->add_option("scenario", compare_args.scenario, "Scenario file (JSON)")->required();
  compare
      ->add_option("--vary", compare_args.vary,
                   "An axis: POINTER=V1,V2,... (each value JSON, else a string). Repeatable")
      ->type_name("POINTER=V1,V2")
      ->required();
  compare->add_option("--seeds", compare_args.seeds, "Seeds per variant: first-seed .. first-seed+N-1 (default 1)")
      ->check(CLI::Range(1, 10000));
  compare->add_option("--first-seed", compare_args.first_seed, "First seed (default 1; seeds are integers 0 .. 2^53)")
      ->check(CLI::Range(std::uint64_t{0}, kMaxSeed));
  compare
      ->add_option("--metric", compare_args.metrics,
                   "A JSON Pointer into summary.json to compare (repeatable; default: "
                   "wait, slowdown, utilisation, completed, GPU-hours, rollout dates)")
      ->type_name("POINTER");
  compare->add_option("--set", compare_args.sets, "Fixed override for every run: POINTER=VALUE. Repeatable")
      ->type_name("POINTER=VALUE");
  compare->add_option("--patch", compare_args.patches, "Merge patch for every run. Repeatable")->type_name("FILE");
  add_compare_options(compare, compare_args);

  cli::CompareArgs sweep_args;
  auto* sweep = app.add_subcommand("sweep",
                                   "Run a parameter grid from a sweep file; --shard I/N runs a deterministic "
                                   "slice (for array jobs), merge joins the slices");
  sweep->add_option("spec", sweep_args.spec_file, "Sweep file (JSON; docs/cli.md)")->required();
  sweep->add_option("--shard", sweep_args.shard, "Run only shard I of N: runs k with k mod N = I-1")->type_name("I/N");
  add_compare_options(sweep, sweep_args);

  std::vector<std::string> merge_dirs;
  std::string merge_out;
  auto* merge = app.add_subcommand("merge", "Join the output folders of a sharded sweep into one comparison");
  merge->add_option("shards", merge_dirs, "Output folders of sweep --shard 1/N .. N/N")->required();
  merge->add_option("--out", merge_out, "Output folder for the merged compare.csv, compare.md, compare.html")
      ->required();
  std::vector<std::string> merge_limits;
  add_limit_option(merge, merge_limits);

  auto* policies = app.add_subcommand("policies", "List the scheduling and supply policies and their parameters");
  bool policies_markdown = false;
  policies->add_flag("--markdown", policies_markdown, "As the Markdown table of docs/policies.md");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return e.get_exit_code() == 0 ? kExitOk : kExitBadInput;  // --help and --version exit 0
  }
  run_args.out_given = run_out->count() > 0;
  for (cli::RunArgs* a : {&run_args, &validate_args, &check_args.run}) a->registry = &registry;
  compare_args.registry = sweep_args.registry = &registry;
  check_args.run.out_given = check_out->count() > 0;

  try {
    if (*run) return cli::cmd_run(run_args, out, err);
    if (*validate) return cli::cmd_validate(validate_args, out);
    if (*check) return cli::cmd_check(check_args, out, err);
    if (*diff) return cli::cmd_diff(diff_a, diff_b, diff_args, out);
    if (*compare) return cli::cmd_compare(compare_args, out, err);
    if (*sweep) return cli::cmd_sweep(sweep_args, out, err);
    if (*merge) return cli::cmd_merge(merge_dirs, merge_out, merge_limits, out);
    if (*policies) return cli::cmd_policies(registry, policies_markdown, out);
  } catch (const InputError& e) {
    err << e.diagnostics().to_string();
    fmt::print(err, "{} error{} found; {}.\n", e.diagnostics().size(), e.diagnostics().size() == 1 ? "" : "s",
               e.outcome());
    return kExitBadInput;
  } catch (const InternalError& e) {
    fmt::print(err, "gpufleet: internal error (a bug; please report it): {}\n", e.what());
    return kExitInternal;
  } catch (const std::exception& e) {
    fmt::print(err, "gpufleet: internal error (a bug; please report it): {}\n", e.what());
    return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace gpufleet
