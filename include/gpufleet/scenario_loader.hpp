// Reading and checking scenario files (format: docs/scenario-format.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpufleet/policy_registry.hpp"
#include "gpufleet/scenario.hpp"

namespace gpufleet {

// What one run may cost, checked once the scenario is read (the check refuses
// with a message naming the limit). Defaults are far above the national
// scenario (~1.1 M jobs, 32,500 nodes, 5 years) and below what exhausts a
// 24 GiB machine (docs/scenario-format.md, "Limits").
struct ResourceLimits {
  double max_jobs = 20e6;              // jobs submitted: trace lines + expected synthetic arrivals
  double max_nodes = 2e6;              // nodes in all clusters (one SimGrid host each)
  double max_gpus = 50e6;              // GPUs in all clusters
  double max_horizon_days = 36'525;    // 100 years
  double max_timeseries_rows = 20e6;   // clusters x samples over the horizon
};

// "NAME=VALUE" assignments (--limit) over the defaults; throws InputError naming bad ones.
ResourceLimits parse_limit_overrides(const std::vector<std::string>& assignments);

struct LoadOptions {
  ResourceLimits limits;
  std::optional<std::uint64_t> seed;  // overrides the scenario's seed
  const PolicyRegistry* registry = nullptr;  // null: the built-ins
};

// Loads the scenario at `path`, reads the traces it names (relative to its
// folder) and checks everything. Throws InputError carrying every problem
// found; never returns a partly valid scenario.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});

// The same for a document already in memory; `file` names it in messages and
// trace paths are resolved against `base_dir`.
Scenario load_scenario_json(const nlohmann::json& doc, const std::string& file, const std::string& base_dir,
                            const LoadOptions& options = {});

}  // namespace gpufleet
