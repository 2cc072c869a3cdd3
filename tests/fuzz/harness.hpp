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

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/result_diff.hpp"
#include "gpufleet/scenario_loader.hpp"
#include "gpufleet/scenario_resolve.hpp"
#include "gpufleet/swf_reader.hpp"
#include "gpufleet/sweep.hpp"

namespace gpufleet::fuzz {

// Trace paths resolve under a folder that does not exist: the fuzzer cannot reach real files.
inline constexpr const char* kNoDir = "/nonexistent-gpufleet-fuzz";

inline void promise(bool cond) {
  if (!cond) __builtin_trap();
}

// The scenario loader and validator on arbitrary JSON.
inline void scenario(std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return;
  try {
    load_scenario_json(doc, "fuzz.json", kNoDir);
  } catch (const InputError&) {
  }
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
  try {
    load_scenario_json(nlohmann::json::parse(doc.dump()), "fuzz.json", kNoDir);
  } catch (const InputError&) {
  }
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
  const auto a = nlohmann::ordered_json::parse(a_text, nullptr, false), b = nlohmann::ordered_json::parse(b_text, nullptr, false);
  if (!a.is_discarded()) {
    promise(diff_summaries(a, a).same());  // a document always equals itself
    if (!b.is_discarded()) {
      const auto d = diff_summaries(a, b);
      (void)diff_table(d, "a", "b", true);
      (void)diff_junit(d, "fuzz", {});
    }
    const auto plain = nlohmann::json::parse(a_text);
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
  } catch (const InputError&) {
  }
}

}  // namespace gpufleet::fuzz
