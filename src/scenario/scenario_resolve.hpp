// From a scenario file plus a user's changes to the one document that is run.
//
// Order of application: "extends" (a scenario may name a base scenario, whose
// document it merge-patches, recursively), then each --patch file (RFC 7396 JSON
// Merge Patch) in the order given, then each --set POINTER=VALUE (RFC 6901 JSON
// Pointer; VALUE parsed as JSON, else taken as a string) in the order given,
// then a --seed override. The result is what the run writes beside its results
// as scenario.json, and what summary.json's hash is of.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/resource_limits.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/results.hpp"

namespace gpufleet {

struct ScenarioOverrides {
  std::vector<std::string> patches;  // merge-patch files, applied in order
  std::vector<std::string> sets;     // "POINTER=VALUE", applied in order after the patches
  std::optional<std::uint64_t> seed;
};

struct ResolvedScenario {
  nlohmann::ordered_json doc;      // no "extends" left; trace paths relative to base_dir
  std::string file;                // the scenario file named by the user
  std::string base_dir;            // folder of `file`
  std::vector<std::string> chain;  // `file`, then the scenarios it extends, in order
};

inline constexpr int kMaxExtendsDepth = 16;

// Throws InputError with every problem found (unreadable files, bad JSON, a
// cycle of "extends", malformed --set assignments or pointers). Files are read under
// `limits.max_input_mib`.
ResolvedScenario resolve_scenario(const std::string& path, const ScenarioOverrides& overrides = {},
                                  const ResourceLimits& limits = {});

// One --set assignment "POINTER=VALUE" applied to `doc`. The pointer's parent
// must exist; in an array the last token is an index <= size or "-" (append).
// Problems go to `diags` (file "--set", location the pointer); `doc` is then unchanged.
void apply_set(nlohmann::ordered_json& doc, const std::string& assignment, Diagnostics& diags);

struct Scenario;

// summary.json's "inputs" section: SHA-256 of the resolved document as written
// (scenario.json), the files it came from, the overrides, and each trace file's
// path (as written in the scenario), size and SHA-256. Throws InputError when a
// file cannot be read.
Provenance describe_inputs(const ResolvedScenario& resolved, const ScenarioOverrides& overrides,
                           const Scenario& scenario);

}  // namespace gpufleet
