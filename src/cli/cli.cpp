#include "gpufleet/cli.hpp"

#include <filesystem>
#include <ostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/engine.hpp"
#include "gpufleet/policy_registry.hpp"
#include "gpufleet/scenario_loader.hpp"
#include "gpufleet/summary.hpp"
#include "gpufleet/time_format.hpp"
#include "gpufleet/writers.hpp"

namespace gpufleet {
namespace {

struct RunArgs {
  std::string scenario;
  std::string out;
  std::int64_t seed = -1;
  std::vector<std::string> cfg;
  bool quiet = false;
  int verbose = 0;
};

void setup_logging(int verbose, bool quiet) {
  for (const char* name : {"engine", "sched"}) {
    auto logger = spdlog::get(name);
    if (!logger) logger = spdlog::stderr_color_mt(name);
    logger->set_level(quiet ? spdlog::level::off
                            : verbose >= 2 ? spdlog::level::debug
                            : verbose == 1 ? spdlog::level::info
                                           : spdlog::level::warn);
  }
}

std::string default_out_dir(const std::string& scenario) {
  return (std::filesystem::path("out") / std::filesystem::path(scenario).stem()).string();
}

// "8.0s", "12.5m", "4.2h", "3.1d": short enough for a table, unit always shown.
std::string short_duration(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  if (s < 3600) return fmt::format("{:.1f}m", s / 60);
  if (s < 2 * 86400) return fmt::format("{:.1f}h", s / 3600);
  return fmt::format("{:.1f}d", s / 86400);
}

void print_run_table(std::ostream& out, const Scenario& sc, const RunResult& run,
                     const nlohmann::ordered_json& summary, const std::string& dir) {
  fmt::print(out, "gpufleet {} | {} | seed {} | {} -> {}\n", GPUFLEET_VERSION, sc.name, sc.seed,
             format_utc(static_cast<double>(sc.start_epoch_s)),
             format_utc(static_cast<double>(sc.start_epoch_s) + run.end_time));
  auto row = [&](const std::string& name, const nlohmann::ordered_json& s) {
    const auto& jobs = s["jobs"];
    fmt::print(out, "{:<18} {:>8} {:>10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>5.1f}%\n", name,
               s["gpus"].get<std::uint64_t>(), jobs["completed"].get<std::uint64_t>(),
               jobs["running"].get<std::uint64_t>(), jobs["queued"].get<std::uint64_t>(),
               jobs["rejected"].get<std::uint64_t>(), short_duration(s["wait_s"]["mean"].get<double>()),
               short_duration(s["wait_s"]["p95"].get<double>()), 100.0 * s["utilisation"].get<double>());
  };
  if (summary.contains("rollout")) {
    // The rollout first: what a policy analyst asks (when is it online, what is stranded, what power).
    const auto& ro = summary["rollout"];
    const auto date = [](const nlohmann::ordered_json& v) { return v.is_null() ? std::string("-") : v.get<std::string>(); };
    fmt::print(out, "rollout (supply policy {})\n", ro["supply_policy"].get<std::string>());
    fmt::print(out, "{:<10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>13} {:>9}\n", "operator", "ordered", "online",
               "stranded", "50% online", "90% online", "100% online", "stranded GPU-d", "GWh");
    auto rrow = [&](const std::string& name, const nlohmann::ordered_json& g) {
      fmt::print(out, "{:<10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>13.0f} {:>9.1f}\n", name,
                 g["ordered_gpus"].get<std::int64_t>(), g["online_gpus"].get<std::int64_t>(),
                 g["stranded_gpus"].get<std::int64_t>(), date(g["date_50pct_online"]), date(g["date_90pct_online"]),
                 date(g["date_100pct_online"]), g["stranded_gpu_days"].get<double>(), g["facility_mwh"].get<double>() / 1000);
    };
    for (const auto& o : ro["operators"]) rrow(o["id"].get<std::string>(), o);
    rrow("all", ro["national"]);
    fmt::print(out, "{:<24} {:>14} {:>12} {:>12}\n", "site", "peak MW (day)", "grid MW then", "grid MW end");
    for (const auto& s : ro["sites"]) {
      const auto mw = [](const nlohmann::ordered_json& v) { return v.is_null() ? std::string("unlimited") : fmt::format("{:.1f}", v.get<double>()); };
      fmt::print(out, "{:<24} {:>14.1f} {:>12} {:>12}\n", s["operator"].get<std::string>() + "/" + s["site"].get<std::string>(),
                 s["peak_facility_mw"].get<double>(), mw(s["power_capacity_mw_then"]), mw(s["power_capacity_mw_at_end"]));
    }
    fmt::print(out, "\n");
  }
  fmt::print(out, "{:<18} {:>8} {:>10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>6}\n", "cluster", "GPUs", "completed",
             "running", "queued", "rejected", "wait mean", "wait p95", "util");
  for (const auto& c : summary["clusters"]) row(c["id"].get<std::string>(), c);
  if (summary["clusters"].size() > 1) row("all", summary["total"]);
  fmt::print(out, "{} events in {:.2f} s ({:.0f} events/s), peak memory {:.0f} MiB; results in {}\n", run.events,
             run.wall_time_s, run.wall_time_s > 0 ? static_cast<double>(run.events) / run.wall_time_s : 0.0,
             run.peak_memory_mib, dir);
}

int cmd_run(const RunArgs& a, std::ostream& out) {
  setup_logging(a.verbose, a.quiet);
  LoadOptions lo;
  if (a.seed >= 0) lo.seed = static_cast<std::uint64_t>(a.seed);
  const Scenario sc = load_scenario(a.scenario, lo);
  EngineOptions eo;
  eo.simgrid_config = a.cfg;
  eo.simgrid_logs = a.verbose >= 3;
  const RunResult run = run_scenario(sc, eo);
  const std::string dir = a.out.empty() ? default_out_dir(a.scenario) : a.out;
  nlohmann::ordered_json summary;
  try {
    summary = write_results(dir, sc, run);
  } catch (const std::runtime_error& e) {
    Diagnostics d;
    d.add(dir, "", fmt::format("cannot write results: {}", e.what()));
    throw InputError(std::move(d));
  }
  if (!a.quiet) print_run_table(out, sc, run, summary, dir);
  return kExitOk;
}

int cmd_validate(const std::string& path, std::ostream& out) {
  const Scenario sc = load_scenario(path);
  std::uint64_t gpus = 0, trace_jobs = 0;
  for (const auto& c : sc.clusters) gpus += c.gpus();
  for (const auto& w : sc.workloads) trace_jobs += w.records.size();
  fmt::print(out, "{}: valid ({} operators, {} clusters, {} GPUs, {} workloads, {} trace jobs)\n", path,
             sc.operators.size(), sc.clusters.size(), gpus, sc.workloads.size(), trace_jobs);
  return kExitOk;
}

int cmd_policies(std::ostream& out) {
  for (const PolicyInfo& p : builtin_policy_registry().list()) {
    fmt::print(out, "{:<10} {:<18} {}\n", to_string(p.kind), p.name, p.description);
    for (const auto& param : p.params)
      fmt::print(out, "{:<30}params.{} ({}, default {}): {}\n", "", param.name, param.type, param.default_value,
                 param.description);
  }
  return kExitOk;
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"gpufleet: discrete-event simulator of national GPU fleets (delivery, build-out, allocation)"};
  app.set_version_flag("--version", std::string("gpufleet ") + GPUFLEET_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 a comparison found a difference, 2 bad input or usage, 3 internal error.\n"
             "Docs: docs/cli.md, docs/scenario-format.md, docs/outputs.md");

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "Run a scenario and write summary.json, jobs.csv, timeseries.csv, run.json");
  run->add_option("scenario", run_args.scenario, "Scenario file (JSON)")->required();
  run->add_option("--out", run_args.out, "Output folder (default: out/<scenario file name>)");
  run->add_option("--seed", run_args.seed, "Override the scenario's seed")->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 53));
  run->add_option("--cfg", run_args.cfg, "SimGrid configuration passthrough NAME:VALUE (repeatable; experts)");
  run->add_flag("-q,--quiet", run_args.quiet, "Print nothing on success");
  run->add_flag("-v,--verbose", run_args.verbose, "More log output on stderr (repeat for more)");

  std::string validate_path;
  auto* validate = app.add_subcommand("validate", "Check a scenario (and the traces it names); print every error");
  validate->add_option("scenario", validate_path, "Scenario file (JSON)")->required();

  auto* policies = app.add_subcommand("policies", "List the scheduling policies and their parameters");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      // --help or --version
      app.exit(e, out, err);
      return kExitOk;
    }
    app.exit(e, out, err);
    return kExitBadInput;
  }

  try {
    if (*run) return cmd_run(run_args, out);
    if (*validate) return cmd_validate(validate_path, out);
    if (*policies) return cmd_policies(out);
  } catch (const InputError& e) {
    err << e.diagnostics().to_string();
    fmt::print(err, "{} error{} found; nothing was run.\n", e.diagnostics().size(),
               e.diagnostics().size() == 1 ? "" : "s");
    return kExitBadInput;
  } catch (const InternalError& e) {
    fmt::print(err, "gpufleet: internal error: {}\n", e.what());
    return kExitInternal;
  } catch (const std::exception& e) {
    fmt::print(err, "gpufleet: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace gpufleet
