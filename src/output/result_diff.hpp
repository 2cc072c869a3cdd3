// Comparing two summary.json documents metric by metric (gpufleet diff / check).
//
// Both documents are flattened to leaves named by path; arrays of objects that
// carry an "id" are matched by id (so "/clusters/ipsc860/wait_s/mean"), other
// arrays by index. Numbers are equal within tolerance when
// |a - b| <= atol + rtol * max(|a|, |b|); other values must be equal.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/summary_fields.hpp"

namespace gpufleet {

struct DiffOptions {
  double rtol = 1e-9;
  double atol = 0;
  // Path prefixes left out of the comparison; the defaults are provenance, not outcomes.
  std::vector<std::string> ignore{summary_fields::kNotCompared.begin(), summary_fields::kNotCompared.end()};
};

struct DiffEntry {
  std::string path;
  std::string a, b;     // values as text ("(absent)" when missing on one side)
  double delta = 0;     // numbers only: b - a
  double abs_diff = 0;  // numbers only
  double rel_diff = 0;  // numbers only: |a - b| / max(|a|, |b|)
  bool numeric = false;
  bool within = true;
};

struct DiffResult {
  std::vector<DiffEntry> entries;  // every compared leaf, in document order of A then B-only
  std::size_t compared = 0;
  std::size_t differing = 0;  // entries outside tolerance
  bool same() const { return differing == 0; }
};

DiffResult diff_summaries(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b,
                          const DiffOptions& options = {});

// The leaves outside tolerance, as an aligned text table (all compared leaves when `all`).
std::string diff_table(const DiffResult& diff, const std::string& name_a, const std::string& name_b, bool all = false);

// JUnit XML: one test case per compared leaf, a <failure> for each outside tolerance.
std::string diff_junit(const DiffResult& diff, const std::string& suite_name, const DiffOptions& options);

}  // namespace gpufleet
