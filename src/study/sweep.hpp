// Parameter sweeps and policy comparisons (gpufleet compare / sweep / merge).
//
// A sweep is a scenario, fixed overrides, axes of values to vary (each a JSON
// Pointer and a list of values) and a list of seeds. Its runs are every
// combination of axis values (the "variants", first axis outermost) times every
// seed (innermost), numbered 0..R-1 in that order. Every variant runs on the
// same seeds (common random numbers), so differences between variants can be
// paired seed by seed. A shard I/N takes the runs whose number k has
// k mod N == I - 1: deterministic, balanced, and independent of the machine.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/resource_limits.hpp"
#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

struct VaryAxis {
  std::string pointer;
  std::vector<nlohmann::ordered_json> values;
};

struct SweepSpec {
  std::string scenario;              // path as the runs are given it
  std::vector<std::string> patches;  // --patch files for every run
  std::vector<std::string> sets;     // --set assignments for every run (before the axes)
  std::vector<VaryAxis> vary;
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> metrics;  // JSON Pointers into summary.json

  // Both saturate at SIZE_MAX instead of wrapping.
  std::size_t variant_count() const;
  std::size_t run_count() const;
  // Canonical form (for the manifest and its hash).
  nlohmann::ordered_json to_json() const;
};

inline constexpr std::size_t kMaxSweepRuns = 1'000'000;
inline constexpr std::uint64_t kMaxSeed = std::uint64_t{1} << 53;  // seeds are exact in a JSON number

// Why the sweep is too large (more than kMaxSweepRuns runs), or nothing.
std::optional<std::string> sweep_size_problem(const SweepSpec& spec);

struct SweepRun {
  std::size_t index = 0;
  std::size_t variant = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> sets;  // this variant's axis assignments, "POINTER=VALUE"
  std::string name;               // folder name, e.g. "r0007-v2-s3"
};

struct Shard {
  std::size_t index = 1, count = 1;  // 1 <= index <= count
};

// Metric pointers compared when none are given (rollout ones when `rollout`).
std::vector<std::string> default_metrics(bool rollout);

std::vector<SweepRun> enumerate_runs(const SweepSpec& spec, const Shard& shard = {});
// The values of each axis for one variant, as text (for tables).
std::vector<std::string> variant_labels(const SweepSpec& spec, std::size_t variant);

// "POINTER=V1,V2,..." (each value parsed as JSON, else a string). Problems go to `diags`.
std::optional<VaryAxis> parse_vary(const std::string& text, Diagnostics& diags);
// "I/N" with 1 <= I <= N.
std::optional<Shard> parse_shard(const std::string& text, Diagnostics& diags);

// A sweep file: {"scenario": PATH (relative to the file), "vary": {POINTER: [values]} or
// [{"pointer":..,"values":[..]}], "seeds": N | [seeds], "set": [..], "patches": [..], "metrics": [..]}.
// Throws InputError. `base_seed` is used when "seeds" is a count (seeds base..base+N-1).
SweepSpec load_sweep_spec(const std::string& path, const ResourceLimits& limits = {},
                          std::optional<std::uint64_t> base_seed_override = {});

// The value of `pointer` in a summary: numbers as they are; dates ("YYYY-MM-DD...") as
// days after the scenario's start; anything else (absent, null) NaN.
double metric_value(const nlohmann::json& summary, const std::string& pointer);

struct RunRow {
  std::size_t index = 0, variant = 0;
  std::uint64_t seed = 0;
  int exit_code = 0;
  bool complete = false;
  std::vector<double> metrics;  // parallel to SweepSpec::metrics; NaN when missing
  double wall_time_s = std::numeric_limits<double>::quiet_NaN();
  double peak_memory_mib = std::numeric_limits<double>::quiet_NaN();
};

// compare.csv: one row per run, by run number. Values are printed to round-trip exactly.
std::string compare_csv(const SweepSpec& spec, const std::vector<RunRow>& rows);
// Reads compare.csv back (for merge); throws InputError naming the file and line.
std::vector<RunRow> parse_compare_csv(const std::string& text, const std::string& file, const SweepSpec& spec);

// compare.md and the body of compare.html: per metric, per variant the mean and 95 %
// CI over seeds, and the paired difference to the first variant with its CI.
std::string compare_markdown(const SweepSpec& spec, const std::vector<RunRow>& rows, const std::string& title);
std::string compare_html(const SweepSpec& spec, const std::vector<RunRow>& rows, const std::string& title);

}  // namespace gpufleet
