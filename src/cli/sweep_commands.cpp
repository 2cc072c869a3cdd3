// gpufleet compare / sweep / merge: many runs, each its own process (SimGrid
// allows one engine per process), a bounded number at a time.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "commands.hpp"
#include "core/atomic_file.hpp"
#include "core/input_file.hpp"
#include "core/json_input.hpp"
#include "core/result_folder.hpp"
#include "core/sha256.hpp"
#include "gpufleet/cli.hpp"
#include "metrics/summary_fields.hpp"
#include "scenario/scenario_loader.hpp"

extern char** environ;

namespace gpufleet::cli {
namespace {

namespace fs = std::filesystem;
using OJson = nlohmann::ordered_json;

void check_sweep_size(const SweepSpec& spec, const std::string& source) {
  if (const auto too_big = sweep_size_problem(spec)) {
    Diagnostics d;
    d.add(source, "", *too_big);
    throw InputError(std::move(d));
  }
}

// A file a child run wrote, read back (missing or unreadable: empty).
std::optional<OJson> read_back(const fs::path& file, const ResourceLimits& limits) {
  Diagnostics ignored;
  return read_json_file(file.string(), "result file", limits.max_input_bytes(), ignored);
}

// Every variant's scenario must load before any run starts: a typo in a --vary value is
// reported at once, with the variant, rather than after hours of other runs.
void validate_variants(const SweepSpec& spec, const ResourceLimits& limits, const PolicyRegistry* registry) {
  Diagnostics all;
  for (const SweepRun& run : enumerate_runs(spec)) {
    if (run.index % spec.seeds.size() != 0) continue;  // one run per variant: its first seed
    const std::size_t v = run.variant;
    ScenarioOverrides o;
    o.patches = spec.patches;
    o.sets = spec.sets;
    o.sets.insert(o.sets.end(), run.sets.begin(), run.sets.end());
    try {
      const ResolvedScenario r = resolve_scenario(spec.scenario, o, limits);
      LoadOptions lo;
      lo.limits = limits;
      lo.registry = registry;  // the children are this same binary (/proc/self/exe), with these policies
      load_scenario_json(r.doc, spec.scenario, r.base_dir, lo);
    } catch (const InputError& e) {
      std::string label;
      for (const auto& s : run.sets) label += (label.empty() ? "" : ", ") + s;
      for (const auto& d : e.diagnostics().items())
        all.add(d.file, d.location, fmt::format("{} [variant {}: {}]", d.message, v, label));
    }
  }
  if (!all.empty()) throw InputError(std::move(all));
}

bool scenario_has_rollout(const SweepSpec& spec, const ResourceLimits& limits) {
  ScenarioOverrides o;
  o.patches = spec.patches;
  o.sets = spec.sets;
  const ResolvedScenario r = resolve_scenario(spec.scenario, o, limits);
  return r.doc.contains("orders");
}

RunRow collect(const SweepSpec& spec, const SweepRun& run, const fs::path& dir, int exit_code,
               const ResourceLimits& limits) {
  RunRow row;
  row.index = run.index;
  row.variant = run.variant;
  row.seed = run.seed;
  row.exit_code = exit_code;
  row.metrics.assign(spec.metrics.size(), std::numeric_limits<double>::quiet_NaN());
  // A run that failed may have left no folder (a run's folder appears whole or not at all):
  // missing values stay NaN.
  if (const auto summary = read_back(dir / "summary.json", limits); summary && summary->is_object()) {
    const nlohmann::json plain = nlohmann::json::parse(summary->dump());
    row.complete = plain.value(nlohmann::json::json_pointer(std::string(summary_fields::kRunComplete)), false);
    for (std::size_t m = 0; m < spec.metrics.size(); ++m) row.metrics[m] = metric_value(plain, spec.metrics[m]);
  }
  if (const auto run_json = read_back(dir / "run.json", limits); run_json && run_json->is_object()) {
    const auto number = [&](const char* key) {
      const auto it = run_json->find(key);
      return it != run_json->end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
    };
    row.wall_time_s = number("wall_time_s");
    row.peak_memory_mib = number("peak_memory_mib");
  }
  return row;
}

void write_outputs(const fs::path& out, const SweepSpec& spec, const Shard& shard, const std::vector<RunRow>& rows,
                   const std::string& title, const std::vector<std::string>& merged_from, bool interrupted) {
  std::set<std::size_t> indices;
  for (const auto& r : rows) indices.insert(r.index);
  OJson manifest;
  manifest["format"] = "gpufleet-sweep/1";
  manifest["spec"] = spec.to_json();
  manifest["spec_sha256"] = sha256_hex(spec.to_json().dump());
  manifest["shard"] = {{"index", shard.index}, {"count", shard.count}};
  manifest["runs_total"] = spec.run_count();
  manifest["runs"] = std::vector<std::size_t>(indices.begin(), indices.end());
  bool ok = true;
  for (const auto& r : rows) ok = ok && r.exit_code == 0;
  manifest["all_succeeded"] = ok && !interrupted;
  // A stop (Ctrl-C, SIGTERM): "runs" lists the runs started, compare.csv says which of them
  // are complete; the statistics use completed runs only.
  manifest["interrupted"] = interrupted;
  if (!merged_from.empty()) manifest["merged_from"] = merged_from;
  write_file_atomic((out / "compare.csv").string(), compare_csv(spec, rows));
  write_file_atomic((out / "compare.md").string(), compare_markdown(spec, rows, title));
  write_file_atomic((out / "compare.html").string(), compare_html(spec, rows, title));
  write_file_atomic((out / "sweep.json").string(), manifest.dump(2) + "\n");
}

// The runs being executed, each its own process; stopped and waited for if the parent leaves
// early (an exception), so that no child outlives the folder it writes into.
class Children {
 public:
  struct Child {
    pid_t pid;
    std::size_t slot;  // index into the runs being executed
  };
  ~Children() {
    for (const Child& c : list_) ::kill(c.pid, SIGTERM);
    for (const Child& c : list_) {
      int status = 0;
      while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {}
    }
  }
  std::vector<Child> list_;
};

int execute(const SweepSpec& spec, const Shard& shard, const CompareArgs& a, std::ostream& out, std::ostream& err) {
  const ResourceLimits limits = parse_limit_overrides(a.limits);
  validate_variants(spec, limits, a.registry);
  // Written into a staging folder and put in place as a whole at the end (also after a stop).
  ResultFolder folder(a.out);
  const fs::path stage(folder.staging());
  std::error_code ec;
  fs::create_directories(stage / "runs", ec);
  if (ec) {
    Diagnostics d;
    d.add(a.out, "", fmt::format("cannot create output folder: {}", ec.message()));
    throw InputError(std::move(d));
  }
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::vector<SweepRun> runs = enumerate_runs(spec, shard);
  const std::size_t jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  install_stop_handlers();
  if (!a.quiet)
    fmt::print(err,
               "{} runs, {} at a time; each run's log (with its progress) is in {}/runs/NAME.log until all "
               "have ended, then in {}/runs/\n",
               runs.size(), jobs, stage.string(), a.out);

  std::vector<RunRow> rows;
  Children children;
  std::size_t next = 0, done = 0;
  bool forwarded = false;
  const auto started = std::chrono::steady_clock::now();
  auto spawn = [&](std::size_t i) {
    const SweepRun& r = runs[i];
    std::vector<std::string> args = {self,
                                     "run",
                                     spec.scenario,
                                     "--out",
                                     (stage / "runs" / r.name).string(),
                                     "--seed",
                                     std::to_string(r.seed),
                                     "--quiet",
                                     "--no-report",
                                     "--progress",
                                     "always",
                                     "--progress-interval",
                                     "10"};
    for (const auto& p : spec.patches) args.insert(args.end(), {"--patch", p});
    for (const auto& s : spec.sets) args.insert(args.end(), {"--set", s});
    for (const auto& s : r.sets) args.insert(args.end(), {"--set", s});
    for (const auto& l : a.limits) args.insert(args.end(), {"--limit", l});
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = (stage / "runs" / (r.name + ".log")).string();
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, self.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", self, std::strerror(rc)));
    children.list_.push_back(Children::Child{pid, i});
  };
  while (done < runs.size()) {
    while (!g_stop_signal && children.list_.size() < jobs && next < runs.size()) spawn(next++);
    if (children.list_.empty()) break;  // stopped before starting the rest
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        // Forward one stop to each child (each writes its partial results), once: a child
        // in our process group may have had the terminal's signal too, and a third would kill it.
        if (g_stop_signal && !forwarded) {
          forwarded = true;
          for (const auto& c : children.list_) kill(c.pid, SIGTERM);
        }
        continue;
      }
      throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
    }
    auto it = std::find_if(children.list_.begin(), children.list_.end(),
                           [pid](const Children::Child& c) { return c.pid == pid; });
    if (it == children.list_.end()) continue;
    const SweepRun& r = runs[it->slot];
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    rows.push_back(collect(spec, r, stage / "runs" / r.name, code, limits));
    children.list_.erase(it);
    ++done;
    if (!a.quiet)
      fmt::print(err, "[{}/{}] {} {}{}\n", done, runs.size(), r.name,
                 code == 0                                ? "ok"
                 : rows.back().complete || !g_stop_signal ? fmt::format("FAILED (exit {})", code)
                                                          : fmt::format("stopped (exit {}), partial results", code),
                 code == 0 ? fmt::format(" {:.1f} s", rows.back().wall_time_s)
                           : fmt::format(", see {}", (fs::path(a.out) / "runs" / (r.name + ".log")).string()));
  }
  std::sort(rows.begin(), rows.end(), [](const RunRow& x, const RunRow& y) { return x.index < y.index; });
  const std::string title = fs::path(spec.scenario).stem().string() +
                            (shard.count > 1 ? fmt::format(" (shard {}/{})", shard.index, shard.count) : std::string());
  const bool stopped = g_stop_signal != 0;
  try {
    write_outputs(stage, spec, shard, rows, title, {}, stopped);
    folder.commit();
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const InputError*>(&e)) throw;
    Diagnostics d;
    d.add(a.out, "", fmt::format("cannot write results: {}", e.what()));
    throw InputError(std::move(d),
                     fmt::format("the runs finished, but the comparison was not written; {} is unchanged", a.out));
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::size_t failed = 0, incomplete = 0;
  bool bad_input = false;
  for (const auto& r : rows) {
    failed += r.exit_code != 0;
    incomplete += !r.complete;
    bad_input = bad_input || r.exit_code == kExitBadInput;
  }
  if (stopped) {
    fmt::print(err,
               "gpufleet: interrupted by signal {}; {} of {} runs started, {} of them incomplete (compare.csv "
               "column \"complete\"); statistics over the completed runs only, in {}\n",
               static_cast<int>(g_stop_signal), rows.size(), runs.size(), incomplete, a.out);
    return interrupted_exit_code();
  }
  if (!a.quiet) {
    out << compare_markdown(spec, rows, title);
    fmt::print(out, "{} runs ({} failed) in {:.1f} s with {} at a time; results in {}\n", rows.size(), failed, wall,
               jobs, a.out);
  }
  if (failed) return bad_input ? kExitBadInput : kExitInternal;
  return kExitOk;
}

}  // namespace

int cmd_compare(const CompareArgs& a, std::ostream& out, std::ostream& err) {
  SweepSpec spec;
  spec.scenario = a.scenario;
  spec.sets = a.sets;
  spec.patches = a.patches;
  Diagnostics diags;
  for (const auto& v : a.vary)
    if (auto axis = parse_vary(v, diags)) spec.vary.push_back(std::move(*axis));
  if (!diags.empty()) throw InputError(std::move(diags));
  if (a.first_seed + a.seeds - 1 > kMaxSeed) {
    Diagnostics d;
    d.add("--first-seed", std::to_string(a.first_seed),
          fmt::format("expected seeds in [0, {}]: --first-seed + --seeds - 1 is {}", kMaxSeed,
                      a.first_seed + a.seeds - 1));
    throw InputError(std::move(d));
  }
  for (std::size_t i = 0; i < a.seeds; ++i) spec.seeds.push_back(a.first_seed + i);
  spec.metrics =
      a.metrics.empty() ? default_metrics(scenario_has_rollout(spec, parse_limit_overrides(a.limits))) : a.metrics;
  check_sweep_size(spec, "--vary");
  return execute(spec, Shard{}, a, out, err);
}

int cmd_sweep(const CompareArgs& a, std::ostream& out, std::ostream& err) {
  const ResourceLimits limits = parse_limit_overrides(a.limits);
  SweepSpec spec = load_sweep_spec(a.spec_file, limits);
  Shard shard;
  if (!a.shard.empty()) {
    Diagnostics diags;
    auto s = parse_shard(a.shard, diags);
    if (!s) throw InputError(std::move(diags));
    shard = *s;
  }
  if (spec.metrics.empty()) spec.metrics = default_metrics(scenario_has_rollout(spec, limits));
  return execute(spec, shard, a, out, err);
}

int cmd_merge(const std::vector<std::string>& dirs, const std::string& out_dir,
              const std::vector<std::string>& limit_args, std::ostream& out) {
  const ResourceLimits limits = parse_limit_overrides(limit_args);
  Diagnostics diags;
  std::optional<SweepSpec> spec;
  std::string spec_hash;
  std::size_t count = 0;
  std::set<std::size_t> shards_seen;
  std::map<std::size_t, RunRow> rows;
  for (const std::string& d : dirs) {
    const std::string mf = (fs::path(d) / "sweep.json").string();
    Diagnostics read_problems;
    const auto manifest = read_json_file(mf, "sweep manifest", limits.max_input_bytes(), read_problems);
    if (!manifest) {
      for (const auto& it : read_problems.items()) diags.add(it.file, it.location, it.message);
      continue;
    }
    const nlohmann::json m = nlohmann::json::parse(manifest->dump());
    if (!m.is_object() || m.value("format", "") != "gpufleet-sweep/1") {
      diags.add(mf, "", "expected the sweep.json of a gpufleet sweep output folder");
      continue;
    }
    if (m.value("interrupted", false)) {
      diags.add(mf, "/interrupted",
                "expected the folder of a sweep shard that ran to its end, found one that was "
                "interrupted (run that shard again)");
      continue;
    }
    try {
      SweepSpec s;
      const auto& js = m["spec"];
      s.scenario = js["scenario"].get<std::string>();
      s.patches = js["patches"].get<std::vector<std::string>>();
      s.sets = js["set"].get<std::vector<std::string>>();
      for (const auto& v : js["vary"])
        s.vary.push_back(
            VaryAxis{v["pointer"].get<std::string>(), std::vector<OJson>(v["values"].begin(), v["values"].end())});
      s.seeds = js["seeds"].get<std::vector<std::uint64_t>>();
      s.metrics = js["metrics"].get<std::vector<std::string>>();
      bool well_formed = !s.seeds.empty() && !s.vary.empty();
      for (const auto& axis : s.vary) well_formed = well_formed && !axis.values.empty();
      if (!well_formed) {
        diags.add(mf, "/spec", "expected a sweep with seeds and non-empty axes");
        continue;
      }
      if (const auto too_big = sweep_size_problem(s)) {
        diags.add(mf, "/spec", *too_big);
        continue;
      }
      const std::string h = sha256_hex(s.to_json().dump());
      if (!spec) {
        spec = s;
        spec_hash = h;
        count = m["shard"]["count"].get<std::size_t>();
      } else if (h != spec_hash) {
        diags.add(mf, "/spec", fmt::format("expected the same sweep as {} (spec hashes differ)", dirs.front()));
        continue;
      } else if (m["shard"]["count"].get<std::size_t>() != count) {
        diags.add(mf, "/shard/count",
                  fmt::format("expected {} shards like the first folder, found {}", count,
                              m["shard"]["count"].get<std::size_t>()));
        continue;
      }
      const std::size_t idx = m["shard"]["index"].get<std::size_t>();
      if (count < 1 || idx < 1 || idx > count) {
        diags.add(mf, "/shard", fmt::format("expected a shard I/N with 1 <= I <= N, found {}/{}", idx, count));
        continue;
      }
      if (!shards_seen.insert(idx).second) diags.add(mf, "/shard/index", fmt::format("shard {} given twice", idx));
      const std::string csv_file = (fs::path(d) / "compare.csv").string();
      const auto csv_text = read_input_file(csv_file, "compare.csv", limits.max_input_bytes(), "max_input_mib", diags);
      if (!csv_text) continue;
      for (RunRow& r : parse_compare_csv(*csv_text, csv_file, *spec)) {
        if (r.index >= spec->run_count() || r.variant != r.index / spec->seeds.size() ||
            r.seed != spec->seeds[r.index % spec->seeds.size()] || r.index % count != idx - 1) {
          diags.add(csv_file, "",
                    fmt::format("run {} (variant {}, seed {}) does not belong to shard {}/{} of this sweep", r.index,
                                r.variant, r.seed, idx, count));
          continue;
        }
        if (rows.count(r.index)) diags.add(csv_file, "", fmt::format("run {} appears in more than one shard", r.index));
        rows[r.index] = std::move(r);
      }
    } catch (const InputError& e) {
      for (const auto& it : e.diagnostics().items()) diags.add(it.file, it.location, it.message);
    } catch (const nlohmann::json::exception& e) {
      diags.add(mf, "", fmt::format("expected a sweep manifest: {}", e.what()));
    }
  }
  if (spec && diags.empty()) {
    for (std::size_t k = 0; k < spec->run_count(); ++k)
      if (!rows.count(k)) {
        diags.add(out_dir, "",
                  fmt::format("run {} of {} is in none of the shards given (shards present: {} of {})", k,
                              spec->run_count(), shards_seen.size(), count));
        break;
      }
  }
  if (!spec && diags.empty()) diags.add("merge", "", "expected at least one shard folder");
  if (!diags.empty()) throw InputError(std::move(diags));
  std::vector<RunRow> all;
  for (auto& [k, r] : rows) all.push_back(std::move(r));
  ResultFolder folder(out_dir);
  try {
    write_outputs(folder.staging(), *spec, Shard{}, all, fs::path(spec->scenario).stem().string(), dirs, false);
    folder.commit();
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const InputError*>(&e)) throw;
    Diagnostics d;
    d.add(out_dir, "", fmt::format("cannot write results: {}", e.what()));
    throw InputError(std::move(d), fmt::format("nothing was merged; {} is unchanged", out_dir));
  }
  fmt::print(out, "merged {} runs from {} shard folders into {}\n", all.size(), dirs.size(), out_dir);
  for (const auto& r : all)
    if (r.exit_code != 0) return kExitInternal;
  return kExitOk;
}

}  // namespace gpufleet::cli
