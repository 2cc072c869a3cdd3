// gpufleet run / validate / check / diff / policies.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "core/atomic_file.hpp"
#include "core/json_input.hpp"
#include "core/result_folder.hpp"
#include "core/time_format.hpp"
#include "engine/engine.hpp"
#include "gpufleet/cli.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/policy_registry.hpp"
#include "metrics/summary.hpp"
#include "output/writers.hpp"
#include "scenario/scenario_loader.hpp"

namespace gpufleet::cli {

volatile std::sig_atomic_t g_stop_signal = 0;

namespace {

volatile std::sig_atomic_t g_signals_seen = 0;

void say(const char* text) {  // async-signal-safe
  std::size_t n = 0;
  while (text[n]) ++n;
  ssize_t w = ::write(STDERR_FILENO, text, n);
  (void)w;
}

extern "C" void on_stop_signal(int sig) {
  const int seen = g_signals_seen + 1;
  g_signals_seen = seen;
  if (seen == 1) {
    g_stop_signal = sig;
  } else if (seen == 2) {
    say("gpufleet: already stopping; the partial results are being written (a third signal quits without them)\n");
  } else {
    say("gpufleet: quitting without writing results\n");
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// The engine's named loggers on stderr, "[name] message" (each message starts with the simulated
// date). Quiet by default (warnings only); -v shows the rollout's milestones and the first
// rejection of each kind, -vv every scheduling decision and allocation, -vvv SimGrid's own logs.
void setup_logging(int verbose, bool quiet) {
  for (const char* name : {"engine", "supply", "site", "sched"}) {
    auto logger = spdlog::get(name);
    if (!logger) logger = spdlog::stderr_color_mt(name);
    logger->set_pattern("[%n] %v");
    logger->set_level(quiet          ? spdlog::level::off
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

void print_run_table(std::ostream& out, const Scenario& sc, const RunResult& run, const Summary& summary,
                     const std::string& dir) {
  const double epoch = static_cast<double>(sc.start_epoch_s);
  fmt::print(out, "gpufleet {} | {} | seed {} | {} -> {}{}\n", GPUFLEET_VERSION, sc.name, sc.seed, format_utc(epoch),
             format_utc(epoch + run.end_time), run.complete ? "" : " (INTERRUPTED)");
  auto row = [&](const std::string& name, std::uint64_t gpus, const JobStats& s) {
    // Goodput: the share of the GPU-hours used that made lasting progress (docs/failures.md).
    const std::string goodput =
        s.gpu_hours > 0 ? fmt::format("{:.1f}%", 100.0 * (s.gpu_hours - s.lost_gpu_hours) / s.gpu_hours) : "-";
    fmt::print(out, "{:<18} {:>8} {:>10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>5.1f}% {:>7}\n", name, gpus, s.completed,
               s.running, s.queued, s.rejected, short_duration(s.wait_s.mean), short_duration(s.wait_s.p95),
               100.0 * s.utilisation, goodput);
  };
  if (summary.rollout) {
    // The rollout first: what a policy analyst asks (when is it online, what is stranded, what power).
    const RolloutSummary& ro = *summary.rollout;
    const auto date = [epoch](const std::optional<Seconds>& t) {
      return t ? format_date(epoch + *t) : std::string("-");
    };
    fmt::print(out, "rollout (supply policy {})\n", ro.supply_policy);
    fmt::print(out, "{:<10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>13} {:>9}\n", "operator", "ordered", "online",
               "stranded", "50% online", "90% online", "100% online", "stranded GPU-d", "GWh");
    auto rrow = [&](const std::string& name, const RolloutGroup& g) {
      fmt::print(out, "{:<10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>13.0f} {:>9.1f}\n", name, g.ordered_gpus,
                 g.online_gpus, g.stranded_gpus, date(g.date_50pct_online), date(g.date_90pct_online),
                 date(g.date_100pct_online), g.stranded_gpu_days, g.facility_mwh / 1000);
    };
    for (const OperatorRollout& o : ro.operators) rrow(o.id, o.group);
    rrow("all", ro.national);
    fmt::print(out, "{:<24} {:>14} {:>12} {:>12}\n", "site", "peak MW (day)", "grid MW then", "grid MW end");
    const auto mw = [](const std::optional<double>& v) {
      return v ? fmt::format("{:.1f}", *v) : std::string("unlimited");
    };
    for (const SiteRollout& s : ro.sites)
      fmt::print(out, "{:<24} {:>14.1f} {:>12} {:>12}\n", s.op + "/" + s.site, s.peak_facility_mw,
                 mw(s.power_capacity_mw_then), mw(s.power_capacity_mw_at_end));
    fmt::print(out, "\n");
  }
  fmt::print(out, "{:<18} {:>8} {:>10} {:>8} {:>8} {:>8} {:>11} {:>11} {:>6} {:>7}\n", "cluster", "GPUs", "completed",
             "running", "queued", "rejected", "wait mean", "wait p95", "util", "goodput");
  for (const ClusterSummary& c : summary.clusters) row(c.id, c.gpus, c.stats);
  if (summary.clusters.size() > 1) row("all", summary.total_gpus, summary.total);
  if (summary.failures) {
    const FailureGroup& f = summary.failures->national;
    fmt::print(out,
               "failures: {} node failures ({} automatic recoveries, {} manual repairs), {} job interruptions, "
               "{} jobs failed, {:.0f} GPU-h lost of {:.0f} used (goodput {}), {} spares used\n",
               f.node_failures, f.automatic, f.manual, f.job_interruptions, f.jobs_failed, f.lost_gpu_hours,
               f.used_gpu_hours, f.goodput ? fmt::format("{:.1f}%", 100 * *f.goodput) : std::string("-"),
               f.spares_used);
  }
  if (!summary.tenants.empty()) {
    // Who got the GPUs: share of all tenants' GPU-hours against entitlement, and waits before and
    // after the tenant's clusters were 90 % online.
    fmt::print(out, "\n{:<18} {:>10} {:>8} {:>8} {:>12} {:>7} {:>7} {:>11} {:>11} {:>18}\n", "tenant", "completed",
               "queued", "rejected", "GPU-h", "share", "entitl", "wait ramp", "wait steady", "main wait reason");
    for (const TenantSummary& t : summary.tenants) {
      std::size_t top = 0;
      for (std::size_t r = 1; r < kWaitReasons; ++r)
        if (t.wait_share[r] > t.wait_share[top]) top = r;
      const std::string reason =
          t.waited_s > 0 ? fmt::format("{} {:.0f}%", to_string(static_cast<WaitReason>(top)), 100 * t.wait_share[top])
                         : std::string("-");
      const auto wait = [](const Quantiles& q) { return q.n ? short_duration(q.mean) : std::string("-"); };
      fmt::print(out, "{:<18} {:>10} {:>8} {:>8} {:>12.0f} {:>6.1f}% {:>6.1f}% {:>11} {:>11}  {}\n", t.id,
                 t.stats.completed, t.stats.queued, t.stats.rejected, t.stats.gpu_hours, 100 * t.share,
                 100 * t.entitlement_share, wait(t.stats.wait_ramp_s), wait(t.stats.wait_steady_s), reason);
    }
    if (summary.fairness && summary.fairness->jain_index)
      fmt::print(out, "Jain's index of share / entitlement over {} tenants with demand: {:.3f}\n",
                 summary.fairness->tenants_with_demand, *summary.fairness->jain_index);
  }
  if (summary.federation) {
    const FederationSummary& f = *summary.federation;
    fmt::print(out,
               "\nfederation ({}): {} jobs, {} sent away from home; {} transfers ({} done, {:.0f} GB, {} in transit)",
               f.policy, f.jobs, f.away, f.transfers, f.transfers_completed, f.staged_gb, f.in_transit_at_end);
    if (f.staging_s_mean) fmt::print(out, ", staging mean {}", short_duration(*f.staging_s_mean));
    fmt::print(out, "\n");
  }
  fmt::print(out, "{} events in {:.2f} s ({:.0f} events/s), peak memory {:.0f} MiB; results in {}\n", run.events,
             run.wall_time_s, run.wall_time_s > 0 ? static_cast<double>(run.events) / run.wall_time_s : 0.0,
             run.peak_memory_mib, dir);
}

// The progress line: simulated date, % of the horizon, events/s, ETA. On a terminal it is
// rewritten in place; elsewhere (--progress always into a pipe or a file) each update is a line.
// A write that fails (a signal interrupting a write to a full pipe) is dropped, not fatal: the
// stream's state is reset so that the messages after the run still reach stderr.
class ProgressLine {
 public:
  ProgressLine(const Scenario& sc, std::ostream& err, bool terminal, double interval_s)
      : sc_(sc), err_(err), terminal_(terminal), interval_(interval_s), start_(Clock::now()), last_(start_) {}
  void operator()(Seconds now, std::uint64_t events) {
    const auto t = Clock::now();
    if (shown_ && std::chrono::duration<double>(t - last_).count() < interval_) return;
    last_ = t;
    const double wall = std::chrono::duration<double>(t - start_).count();
    std::string line = fmt::format("{} ", format_utc(static_cast<double>(sc_.start_epoch_s) + now).substr(0, 10));
    if (sc_.horizon_s && *sc_.horizon_s > 0) {
      const double frac = std::min(1.0, now / *sc_.horizon_s);
      line += fmt::format("{:5.1f}% ", 100 * frac);
      if (frac > 0.01) line += fmt::format("ETA {:.0f}s ", wall * (1 - frac) / frac);
    }
    line += fmt::format("{:.2f}M events/s", wall > 0 ? static_cast<double>(events) / wall / 1e6 : 0.0);
    if (terminal_) fmt::print(err_, "\r\033[K{}", line);
    else fmt::print(err_, "{}\n", line);
    err_.flush();
    if (!err_) err_.clear();
    shown_ = true;
  }
  ~ProgressLine() {
    if (shown_ && terminal_) fmt::print(err_, "\r\033[K");
    if (!err_) err_.clear();
  }

 private:
  using Clock = std::chrono::steady_clock;
  const Scenario& sc_;
  std::ostream& err_;
  const bool terminal_;
  const double interval_;
  Clock::time_point start_, last_;
  bool shown_ = false;
};

struct Loaded {
  ResolvedScenario resolved;
  ScenarioOverrides overrides;
  ResourceLimits limits;
  Scenario scenario;
};

Loaded load(const RunArgs& a) {
  Loaded l;
  l.overrides.sets = a.sets;
  l.overrides.patches = a.patches;
  l.overrides.seed = a.seed;
  l.limits = parse_limit_overrides(a.limits);
  l.resolved = resolve_scenario(a.scenario, l.overrides, l.limits);
  LoadOptions lo;
  lo.limits = l.limits;
  lo.registry = a.registry;
  l.scenario = load_scenario_json(l.resolved.doc, a.scenario, l.resolved.base_dir, lo);
  return l;
}

struct RunOutcome {
  Summary summary;  // as written (to_json(summary) is summary.json)
  bool complete = true;
  std::string dir;
};

RunOutcome run_and_write(const RunArgs& a, std::ostream& out, std::ostream& err) {
  setup_logging(a.verbose, a.quiet);
  install_stop_handlers();
  Loaded l = load(a);
  RunOutcome o;
  o.dir = a.out_given ? a.out : default_out_dir(a.scenario);
  // Everything that can be checked is checked before anything is simulated: --cfg, ...
  check_engine_config(a.cfg);
  // The output folder too (its staging folder is made now): a bad --out costs no simulation.
  ResultFolder folder(o.dir);
  WriteOptions wo;
  wo.resolved_scenario = l.resolved.doc;
  wo.inputs = describe_inputs(l.resolved, l.overrides, l.scenario);  // hashes the traces: before the run
  wo.report = !a.no_report;
  EngineOptions eo;
  eo.simgrid_config = a.cfg;
  eo.simgrid_logs = a.verbose >= 3;
  eo.stop_flag = &g_stop_signal;
  eo.time_limit_s = l.limits.max_horizon_days * 86400.0;
  eo.max_samples = l.limits.max_timeseries_rows;
  std::optional<ProgressLine> progress;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  if (a.progress == "always" || (a.progress == "auto" && !a.quiet && terminal)) {
    progress.emplace(l.scenario, err, terminal, a.progress_interval_s);
    eo.progress = [&progress](Seconds now, std::uint64_t events) { (*progress)(now, events); };
  }
  const RunResult run = run_scenario(l.scenario, eo);
  progress.reset();
  try {
    o.summary = write_results(folder.staging(), l.scenario, run, wo);
    folder.commit();
  } catch (const std::runtime_error& e) {
    const std::string outcome =
        fmt::format("the run finished, but its results were not written; {} is unchanged", o.dir);
    if (const auto* ie = dynamic_cast<const InputError*>(&e)) throw InputError(ie->diagnostics(), outcome);
    Diagnostics d;
    d.add(o.dir, "", fmt::format("cannot write results: {}", e.what()));
    throw InputError(std::move(d), outcome);
  }
  o.complete = run.complete;
  if (run.stop_reason == StopReason::kMaxHorizonDays || run.stop_reason == StopReason::kMaxTimeseriesRows) {
    // A limit stopped it: the scenario asked for more than the limits allow.
    Diagnostics d;
    if (run.stop_reason == StopReason::kMaxHorizonDays)
      d.add(a.scenario, "/horizon_days",
            fmt::format("without \"horizon_days\" the run lasts until every job has ended, and it had not ended after "
                        "{:.0f} days of simulated time (max_horizon_days). Set \"horizon_days\", or raise the limit "
                        "with --limit max_horizon_days=N",
                        l.limits.max_horizon_days));
    else
      d.add(
          a.scenario, "/outputs/timeseries_interval_s",
          fmt::format(
              "the run reached {:.0f} time-series rows (max_timeseries_rows) at simulated {}. Sample less often, "
              "or raise the limit with --limit max_timeseries_rows=N",
              l.limits.max_timeseries_rows, format_utc(static_cast<double>(l.scenario.start_epoch_s) + run.end_time)));
    throw InputError(std::move(d),
                     fmt::format("the run was stopped there; partial results (\"complete\": false) are in {}", o.dir));
  }
  if (!a.quiet) print_run_table(out, l.scenario, run, o.summary, o.dir);
  if (!run.complete)
    fmt::print(err, "gpufleet: interrupted by signal {} at simulated {}; partial results (\"complete\": false) in {}\n",
               static_cast<int>(g_stop_signal),
               format_utc(static_cast<double>(l.scenario.start_epoch_s) + run.end_time), o.dir);
  return o;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);  // one handler at a time: the count of signals seen stays exact
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = 0;  // no SA_RESTART
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int interrupted_exit_code() { return 128 + static_cast<int>(g_stop_signal); }

nlohmann::ordered_json read_summary(const std::string& path, const ResourceLimits& limits) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) file = (std::filesystem::path(path) / "summary.json").string();
  Diagnostics d;
  auto j = read_json_file(file, "summary.json of a results folder", limits.max_input_bytes(), d);
  if (j && (!j->is_object() || !j->contains("format") || (*j)["format"] != "gpufleet-summary/1"))
    d.add(file, "/format", "expected \"gpufleet-summary/1\" (a gpufleet summary.json)");
  if (!d.empty()) throw InputError(std::move(d));
  return std::move(*j);
}

int cmd_run(const RunArgs& a, std::ostream& out, std::ostream& err) {
  const RunOutcome o = run_and_write(a, out, err);
  return o.complete ? kExitOk : interrupted_exit_code();
}

int cmd_validate(const RunArgs& a, std::ostream& out) {
  const Loaded l = load(a);
  const Scenario& sc = l.scenario;
  std::uint64_t gpus = 0, trace_jobs = 0;
  for (const auto& c : sc.clusters) gpus += c.gpus();
  for (const auto& w : sc.workloads) trace_jobs += w.records.size();
  fmt::print(out, "{}: valid ({} operators, {} clusters, {} GPUs, {} workloads, {} trace jobs)\n", a.scenario,
             sc.operators.size(), sc.clusters.size(), gpus, sc.workloads.size(), trace_jobs);
  return kExitOk;
}

int diff_report(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b, const std::string& name_a,
                const std::string& name_b, const DiffArgs& d, std::ostream& out) {
  DiffOptions o = d.options;
  for (const auto& p : d.ignore) o.ignore.push_back(p);
  const DiffResult r = diff_summaries(a, b, o);
  out << diff_table(r, name_a, name_b, d.all);
  if (!d.junit.empty()) {
    try {
      write_file_atomic(d.junit, diff_junit(r, fmt::format("gpufleet diff {} {}", name_a, name_b), o));
    } catch (const std::runtime_error& e) {
      Diagnostics diags;
      diags.add(d.junit, "", fmt::format("cannot write the JUnit report: {}", e.what()));
      throw InputError(std::move(diags), "the comparison was made, but its JUnit report was not written");
    }
  }
  return r.same() ? kExitOk : kExitDifferent;
}

int cmd_diff(const std::string& a, const std::string& b, const DiffArgs& d, std::ostream& out) {
  const ResourceLimits limits = parse_limit_overrides(d.limits);
  Diagnostics diags;
  nlohmann::ordered_json ja, jb;
  for (auto [path, target] : {std::pair{&a, &ja}, std::pair{&b, &jb}}) {
    try {
      *target = read_summary(*path, limits);
    } catch (const InputError& e) {
      for (const auto& item : e.diagnostics().items()) diags.add(item.file, item.location, item.message);
    }
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  return diff_report(ja, jb, a, b, d, out);
}

int cmd_check(const CheckArgs& a, std::ostream& out, std::ostream& err) {
  if (!a.update && !std::filesystem::exists(a.expect)) {
    Diagnostics d;
    d.add(a.expect, "", "expectation file not found; create it deliberately with --update");
    throw InputError(std::move(d));
  }
  // The expectation is read before the run, so that a broken one costs no simulation.
  nlohmann::ordered_json expected;
  if (!a.update) expected = read_summary(a.expect, parse_limit_overrides(a.run.limits));
  RunArgs run = a.run;
  run.quiet = true;
  const RunOutcome o = run_and_write(run, out, err);
  if (!o.complete) return interrupted_exit_code();
  if (a.update) {
    try {
      write_file_atomic(a.expect, to_json(o.summary).dump(2) + "\n");
    } catch (const std::runtime_error& e) {
      Diagnostics d;
      d.add(a.expect, "", fmt::format("cannot write the expectation: {}", e.what()));
      throw InputError(std::move(d),
                       fmt::format("the run's results are in {}; the expectation was not written", o.dir));
    }
    fmt::print(out, "{}: expectation written from {}\n", a.expect, o.dir);
    return kExitOk;
  }
  const int rc = diff_report(expected, to_json(o.summary), a.expect,
                             (std::filesystem::path(o.dir) / "summary.json").string(), a.diff, out);
  fmt::print(out, "{}\n", rc == kExitOk ? "check passed" : "check FAILED: the run differs from the expectation");
  return rc;
}

namespace {
// Text for one Markdown table cell: a '|' would end the cell, a newline the row.
std::string table_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}
}  // namespace

int cmd_policies(const PolicyRegistry& registry, bool markdown, std::ostream& out) {
  if (markdown) {
    // The reference table of docs/policies.md is this output (a test compares them).
    fmt::print(out, "| kind | policy | what it does | parameters |\n| --- | --- | --- | --- |\n");
    for (const PolicyInfo& p : registry.list()) {
      std::vector<std::string> params;
      for (const ParamSpec& param : p.params)
        params.push_back(table_cell(fmt::format("`{}` ({}, default `{}`): {}", param.name, param.describe_type(),
                                                param.default_text(), param.description)));
      fmt::print(out, "| {} | `{}` | {} | {} |\n", to_string(p.kind), table_cell(p.name), table_cell(p.description),
                 params.empty() ? std::string("none") : fmt::format("{}", fmt::join(params, "; ")));
    }
    return kExitOk;
  }
  for (const PolicyInfo& p : registry.list()) {
    fmt::print(out, "{:<10} {:<18} {}\n", to_string(p.kind), p.name, p.description);
    for (const ParamSpec& param : p.params)
      fmt::print(out, "{:<30}params.{} ({}, default {}): {}\n", "", param.name, param.describe_type(),
                 param.default_text(), param.description);
  }
  return kExitOk;
}

}  // namespace gpufleet::cli
