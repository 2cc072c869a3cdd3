// The bodies of the fuzz targets, shared with the regression test that replays
// every input the fuzzers ever found (tests/fuzz/regressions/<target>/) in the
// normal test suite. Each returns normally for any input; a crash, a sanitizer
// report or an exception other than InputError is a finding.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/json_input.hpp"
#include "gpufleet/diagnostics.hpp"
#include "metrics/summary.hpp"
#include "output/result_diff.hpp"
#include "output/writers.hpp"
#include "scenario/scenario_loader.hpp"
#include "scenario/scenario_resolve.hpp"
#include "sim/cluster_sim.hpp"
#include "sim/run_result.hpp"
#include "study/sweep.hpp"
#include "workload/swf_reader.hpp"

namespace gpufleet::fuzz {

// Trace paths resolve under a folder that does not exist: the fuzzer cannot reach real files.
inline constexpr const char* kNoDir = "/nonexistent-gpufleet-fuzz";

inline void promise(bool cond) {
  if (!cond) __builtin_trap();
}

// Limits small enough that every accepted input simulates in milliseconds.
inline LoadOptions small_limits() {
  LoadOptions o;
  o.limits.max_jobs = 20'000;
  o.limits.max_nodes = 4'096;
  o.limits.max_gpus = 65'536;
  o.limits.max_timeseries_rows = 20'000;
  return o;
}

// What the engine does with a scenario the loader accepted, without SimGrid: every cluster's
// ClusterSim driven by hand for at most `max_instants` instants, stopped at `stop` (as a signal
// would stop it) or at its horizon, then its results taken and every output built. This is where
// a policy the loader let through (an empty name, a placement breaking its contract) or a partial
// result would fail.
inline void simulate(const Scenario& sc, double stop, std::size_t max_instants) {
  RunResult run;
  const double end = std::min(stop, sc.horizon_s.value_or(stop));
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
    ClusterSim sim(sc, c);
    std::size_t instants = 0;
    for (double t = sim.next_event_time(); t <= end && instants < max_instants; t = sim.next_event_time(), ++instants)
      sim.advance_to(t);
    // Cut short (max_instants): the cluster stops where it is, as a stopped run does.
    run.clusters.push_back(sim.take_result(instants >= max_instants ? sim.last_time() : end));
    run.events += run.clusters.back().events;
  }
  run.end_time = 0;
  for (const auto& c : run.clusters)
    for (const auto& row : c.timeseries) run.end_time = std::max(run.end_time, row.t);
  run.complete = false;
  run.stop_reason = StopReason::kSignal;  // as a stopped run
  const Summary summary = build_summary(sc, run);
  const JobStats& t = summary.total;
  promise(t.submitted == t.completed + t.running + t.queued + t.rejected);
  (void)to_json(summary).dump();
  (void)jobs_csv(sc, run);
  (void)timeseries_csv(sc, run);
}

// The scenario loader and validator on arbitrary bytes (read as the CLI reads a file), and the
// simulation of whatever it accepts, stopped at a time the input chooses (its last 8 bytes).
inline void scenario(std::string_view text) {
  Diagnostics diags;
  const auto doc = parse_json_text(std::string(text), "fuzz.json", diags);
  if (!doc) return;
  Scenario sc;
  try {
    sc = load_scenario_json(nlohmann::json::parse(doc->dump()), "fuzz.json", kNoDir, small_limits());
  } catch (const InputError&) {
    return;
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: a stop time that follows the input
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
  simulate(sc, static_cast<double>(h % (86400ull * 60)), 2'000);
}

// Arbitrary bytes through the JSON reader, and what it accepts through every recursive consumer
// of a document (copy, merge patch, dump, comparison, --set on it): none may overflow the stack.
inline void json(std::string_view text) {
  Diagnostics diags;
  auto doc = parse_json_text(std::string(text), "fuzz.json", diags);
  if (!doc) {
    promise(!diags.empty());
    return;
  }
  nlohmann::ordered_json copy = *doc;
  copy.merge_patch(*doc);
  (void)copy.dump();
  promise(diff_summaries(*doc, *doc).same());
  nlohmann::ordered_json target = {{"a", {{"b", nlohmann::ordered_json::array()}}}};
  apply_set(target, "/a/b/-=" + doc->dump(), diags);
  (void)target.dump();
  promise(nlohmann::json::parse(doc->dump()).size() == doc->size());
}

// The --patch / --set path: a JSON Merge Patch, a blank line, then one --set assignment per
// line, applied to the shipped small scenario, which is then loaded and validated.
inline void overrides(std::string_view input, const std::string& source_dir) {
  static const nlohmann::ordered_json base = [&] {
    std::ifstream in(source_dir + "/scenarios/small-synthetic.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::ordered_json::parse(ss.str());
  }();
  const std::string text(input);
  const std::size_t split = text.find("\n\n");
  nlohmann::ordered_json doc = base;
  Diagnostics diags;
  if (auto patch = parse_json_text(text.substr(0, split), "patch.json", diags); patch && patch->is_object())
    doc.merge_patch(*patch);
  if (split != std::string::npos) {
    std::istringstream lines(text.substr(split + 2));
    std::string line;
    while (std::getline(lines, line)) apply_set(doc, line, diags);
  }
  Scenario sc;
  try {
    sc = load_scenario_json(nlohmann::json::parse(doc.dump()), "fuzz.json", kNoDir, small_limits());
  } catch (const InputError&) {
    return;
  }
  simulate(sc, 86400.0 * 2, 2'000);
}

// The Standard Workload Format reader on arbitrary text.
inline void swf(std::string_view text) {
  Diagnostics diags;
  const auto records = parse_swf_text(text, "fuzz.swf", text.size() % 2 == 0, diags);
  for (std::size_t i = 1; i < records.size(); ++i) promise(records[i].submit >= records[i - 1].submit);
  for (const auto& r : records) promise(r.submit >= 0);
}

// What diff, check and merge read back: two JSON documents compared as summaries
// (input: A, a NUL byte, B) and the same bytes as a compare.csv.
inline void results(std::string_view input) {
  const std::string text(input);
  const std::size_t nul = text.find('\0');
  const std::string a_text = text.substr(0, nul), b_text = nul == std::string::npos ? "" : text.substr(nul + 1);
  Diagnostics diags;
  const auto a = parse_json_text(a_text, "a.json", diags), b = parse_json_text(b_text, "b.json", diags);
  if (a) {
    promise(diff_summaries(*a, *a).same());  // a document always equals itself
    if (b) {
      const auto d = diff_summaries(*a, *b);
      (void)diff_table(d, "a", "b", true);
      (void)diff_junit(d, "fuzz", {});
    }
    const auto plain = nlohmann::json::parse(a->dump());
    (void)metric_value(plain, "/total/wait_s/mean");
    (void)metric_value(plain, "/rollout/national/date_90pct_online");
  }
  SweepSpec spec;
  spec.vary.push_back({"/p", {"a", 2}});
  spec.seeds = {1, 2};
  spec.metrics = {"/m1", "/m2"};
  try {
    const auto rows = parse_compare_csv(text, "compare.csv", spec);
    (void)compare_markdown(spec, rows, "fuzz");
  } catch (const InputError&) {}
}

}  // namespace gpufleet::fuzz
