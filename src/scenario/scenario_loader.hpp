// Reading and checking scenario files (format: docs/scenario-format.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/resource_limits.hpp"
#include "gpufleet/policy_registry.hpp"
#include "scenario/scenario.hpp"

namespace gpufleet {

struct LoadOptions {
  ResourceLimits limits;
  std::optional<std::uint64_t> seed;         // overrides the scenario's seed
  const PolicyRegistry* registry = nullptr;  // null: the built-ins
};

// Loads the scenario at `path`, reads the traces it names (relative to its
// folder) and checks everything. Throws InputError carrying every problem
// found; never returns a partly valid scenario.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});

// The same for a document already in memory; `file` names it in messages and
// trace paths are resolved against `base_dir`.
Scenario load_scenario_json(const nlohmann::ordered_json& doc, const std::string& file, const std::string& base_dir,
                            const LoadOptions& options = {});

}  // namespace gpufleet
