// What a run produced, before it is written out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpufleet/job.hpp"
#include "gpufleet/results.hpp"
#include "scenario/scenario.hpp"
#include "sim/cluster_sim.hpp"
#include "sim/rollout_result.hpp"

namespace gpufleet {

struct RunResult {
  std::vector<ClusterResult> clusters;  // parallel to Scenario::clusters
  Seconds end_time = 0;                 // simulated time the run stopped at
  std::uint64_t events = 0;             // all clusters
  bool complete = true;
  StopReason stop_reason = StopReason::kNone;  // kNone exactly when complete
  std::optional<RolloutResult> rollout;        // when the scenario has orders
  // Facts about this process's run (vary between runs; written to run.json, not summary.json).
  double wall_time_s = 0;
  double peak_memory_mib = 0;
};

}  // namespace gpufleet
