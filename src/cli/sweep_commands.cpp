// gpufleet compare / sweep / merge: many runs, each its own process (SimGrid
// allows one engine per process), a bounded number at a time.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "commands.hpp"
#include "gpufleet/atomic_file.hpp"
#include "gpufleet/cli.hpp"
#include "gpufleet/scenario_loader.hpp"
#include "gpufleet/sha256.hpp"

extern char** environ;

namespace gpufleet::cli {
namespace {

namespace fs = std::filesystem;
using OJson = nlohmann::ordered_json;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every variant's scenario must load before any run starts: a typo in a --vary value is
// reported at once, with the variant, rather than after hours of other runs.
void validate_variants(const SweepSpec& spec) {
  Diagnostics all;
  for (const SweepRun& run : enumerate_runs(spec)) {
    if (run.index % spec.seeds.size() != 0) continue;  // one run per variant: its first seed
    const std::size_t v = run.variant;
    ScenarioOverrides o;
    o.patches = spec.patches;
    o.sets = spec.sets;
    o.sets.insert(o.sets.end(), run.sets.begin(), run.sets.end());
    try {
      const ResolvedScenario r = resolve_scenario(spec.scenario, o);
      load_scenario_json(nlohmann::json::parse(r.doc.dump()), spec.scenario, r.base_dir);
    } catch (const InputError& e) {
      std::string label;
      for (const auto& s : run.sets) label += (label.empty() ? "" : ", ") + s;
      for (const auto& d : e.diagnostics().items())
        all.add(d.file, d.location, fmt::format("{} [variant {}: {}]", d.message, v, label));
    }
  }
  if (!all.empty()) throw InputError(std::move(all));
}

bool scenario_has_rollout(const SweepSpec& spec) {
  ScenarioOverrides o;
  o.patches = spec.patches;
  o.sets = spec.sets;
  const ResolvedScenario r = resolve_scenario(spec.scenario, o);
  return r.doc.contains("orders");
}

struct Child {
  pid_t pid;
  std::size_t slot;  // index into the runs being executed
};

RunRow collect(const SweepSpec& spec, const SweepRun& run, const fs::path& dir, int exit_code) {
  RunRow row;
  row.index = run.index;
  row.variant = run.variant;
  row.seed = run.seed;
  row.exit_code = exit_code;
  row.metrics.assign(spec.metrics.size(), std::numeric_limits<double>::quiet_NaN());
  // A run that failed may have left no files (or, never, partial ones): missing values stay NaN.
  try {
    const auto summary = nlohmann::json::parse(read_text((dir / "summary.json").string()), nullptr, false);
    if (summary.is_object()) {
      row.complete = summary.value("/run/complete"_json_pointer, false);
      for (std::size_t m = 0; m < spec.metrics.size(); ++m) row.metrics[m] = metric_value(summary, spec.metrics[m]);
    }
    const auto run_json = nlohmann::json::parse(read_text((dir / "run.json").string()), nullptr, false);
    if (run_json.is_object()) {
      row.wall_time_s = run_json.value("wall_time_s", std::numeric_limits<double>::quiet_NaN());
      row.peak_memory_mib = run_json.value("peak_memory_mib", std::numeric_limits<double>::quiet_NaN());
    }
  } catch (const nlohmann::json::exception&) {
  }
  return row;
}

void write_outputs(const fs::path& out, const SweepSpec& spec, const Shard& shard, const std::vector<RunRow>& rows,
                   const std::string& title, const std::vector<std::string>& merged_from) {
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
  manifest["all_succeeded"] = ok;
  if (!merged_from.empty()) manifest["merged_from"] = merged_from;
  write_file_atomic((out / "compare.csv").string(), compare_csv(spec, rows));
  write_file_atomic((out / "compare.md").string(), compare_markdown(spec, rows, title));
  write_file_atomic((out / "compare.html").string(), compare_html(spec, rows, title));
  write_file_atomic((out / "sweep.json").string(), manifest.dump(2) + "\n");
}

int execute(const SweepSpec& spec, const Shard& shard, const CompareArgs& a, std::ostream& out, std::ostream& err) {
  validate_variants(spec);
  const fs::path out_dir(a.out);
  std::error_code ec;
  fs::create_directories(out_dir / "runs", ec);
  if (ec) {
    Diagnostics d;
    d.add(a.out, "", fmt::format("cannot create output folder: {}", ec.message()));
    throw InputError(std::move(d));
  }
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::vector<SweepRun> runs = enumerate_runs(spec, shard);
  const std::size_t jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  install_stop_handlers();

  std::vector<RunRow> rows;
  std::vector<Child> children;
  std::size_t next = 0, done = 0;
  const auto started = std::chrono::steady_clock::now();
  auto spawn = [&](std::size_t i) {
    const SweepRun& r = runs[i];
    const fs::path dir = out_dir / "runs" / r.name;
    fs::create_directories(dir);
    std::vector<std::string> args = {self, "run", spec.scenario, "--out", dir.string(), "--seed", std::to_string(r.seed),
                                     "--quiet", "--no-report"};
    for (const auto& p : spec.patches) args.insert(args.end(), {"--patch", p});
    for (const auto& s : spec.sets) args.insert(args.end(), {"--set", s});
    for (const auto& s : r.sets) args.insert(args.end(), {"--set", s});
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = (dir / "run.log").string();
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, self.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", self, std::strerror(rc)));
    children.push_back(Child{pid, i});
  };
  while (done < runs.size()) {
    while (!g_stop_signal && children.size() < jobs && next < runs.size()) spawn(next++);
    if (children.empty()) break;  // stopped before starting the rest
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        if (g_stop_signal)
          for (const Child& c : children) kill(c.pid, SIGTERM);  // each writes its partial results and stops
        continue;
      }
      throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
    }
    auto it = std::find_if(children.begin(), children.end(), [pid](const Child& c) { return c.pid == pid; });
    if (it == children.end()) continue;
    const SweepRun& r = runs[it->slot];
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    rows.push_back(collect(spec, r, out_dir / "runs" / r.name, code));
    children.erase(it);
    ++done;
    if (!a.quiet)
      fmt::print(err, "[{}/{}] {} {}{}\n", done, runs.size(), r.name, code == 0 ? "ok" : fmt::format("FAILED (exit {})", code),
                 code == 0 ? fmt::format(" {:.1f} s", rows.back().wall_time_s) : fmt::format(", see {}", (out_dir / "runs" / r.name / "run.log").string()));
  }
  std::sort(rows.begin(), rows.end(), [](const RunRow& x, const RunRow& y) { return x.index < y.index; });
  const std::string title = fs::path(spec.scenario).stem().string() +
                            (shard.count > 1 ? fmt::format(" (shard {}/{})", shard.index, shard.count) : std::string());
  if (g_stop_signal) {
    fmt::print(err, "gpufleet: interrupted by signal {}; {} of {} runs finished; nothing summarised\n",
               static_cast<int>(g_stop_signal), done, runs.size());
    return interrupted_exit_code();
  }
  write_outputs(out_dir, spec, shard, rows, title, {});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::size_t failed = 0;
  bool bad_input = false;
  for (const auto& r : rows) {
    failed += r.exit_code != 0;
    bad_input = bad_input || r.exit_code == kExitBadInput;
  }
  if (!a.quiet) {
    out << compare_markdown(spec, rows, title);
    fmt::print(out, "{} runs ({} failed) in {:.1f} s with {} at a time; results in {}\n", rows.size(), failed, wall, jobs,
               a.out);
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
  for (std::size_t i = 0; i < a.seeds; ++i) spec.seeds.push_back(a.first_seed + i);
  spec.metrics = a.metrics.empty() ? default_metrics(scenario_has_rollout(spec)) : a.metrics;
  return execute(spec, Shard{}, a, out, err);
}

int cmd_sweep(const CompareArgs& a, std::ostream& out, std::ostream& err) {
  SweepSpec spec = load_sweep_spec(a.spec_file);
  Shard shard;
  if (!a.shard.empty()) {
    Diagnostics diags;
    auto s = parse_shard(a.shard, diags);
    if (!s) throw InputError(std::move(diags));
    shard = *s;
  }
  if (spec.metrics.empty()) spec.metrics = default_metrics(scenario_has_rollout(spec));
  return execute(spec, shard, a, out, err);
}

int cmd_merge(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out) {
  Diagnostics diags;
  std::optional<SweepSpec> spec;
  std::string spec_hash;
  std::size_t count = 0;
  std::set<std::size_t> shards_seen;
  std::map<std::size_t, RunRow> rows;
  for (const std::string& d : dirs) {
    const std::string mf = (fs::path(d) / "sweep.json").string();
    const auto m = nlohmann::json::parse(read_text(mf), nullptr, false);
    if (m.is_discarded() || !m.is_object() || m.value("format", "") != "gpufleet-sweep/1") {
      diags.add(mf, "", "expected the sweep.json of a gpufleet sweep output folder");
      continue;
    }
    try {
      SweepSpec s;
      const auto& js = m["spec"];
      s.scenario = js["scenario"].get<std::string>();
      s.patches = js["patches"].get<std::vector<std::string>>();
      s.sets = js["set"].get<std::vector<std::string>>();
      for (const auto& v : js["vary"])
        s.vary.push_back(VaryAxis{v["pointer"].get<std::string>(), std::vector<OJson>(v["values"].begin(), v["values"].end())});
      s.seeds = js["seeds"].get<std::vector<std::uint64_t>>();
      s.metrics = js["metrics"].get<std::vector<std::string>>();
      bool well_formed = !s.seeds.empty() && !s.vary.empty();
      for (const auto& axis : s.vary) well_formed = well_formed && !axis.values.empty();
      if (!well_formed) {
        diags.add(mf, "/spec", "expected a sweep with seeds and non-empty axes");
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
        diags.add(mf, "/shard/count", fmt::format("expected {} shards like the first folder, found {}", count,
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
      for (RunRow& r : parse_compare_csv(read_text(csv_file), csv_file, *spec)) {
        if (r.index >= spec->run_count() || r.variant != r.index / spec->seeds.size() ||
            r.seed != spec->seeds[r.index % spec->seeds.size()] || r.index % count != idx - 1) {
          diags.add(csv_file, "", fmt::format("run {} (variant {}, seed {}) does not belong to shard {}/{} of this sweep",
                                              r.index, r.variant, r.seed, idx, count));
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
        diags.add(out_dir, "", fmt::format("run {} of {} is in none of the shards given (shards present: {} of {})", k,
                                           spec->run_count(), shards_seen.size(), count));
        break;
      }
  }
  if (!spec && diags.empty()) diags.add("merge", "", "expected at least one shard folder");
  if (!diags.empty()) throw InputError(std::move(diags));
  std::vector<RunRow> all;
  for (auto& [k, r] : rows) all.push_back(std::move(r));
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  write_outputs(out_dir, *spec, Shard{}, all, fs::path(spec->scenario).stem().string(), dirs);
  fmt::print(out, "merged {} runs from {} shard folders into {}\n", all.size(), dirs.size(), out_dir);
  for (const auto& r : all)
    if (r.exit_code != 0) return kExitInternal;
  return kExitOk;
}

}  // namespace gpufleet::cli
