// What a run produced, before it is written out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpufleet/cluster_sim.hpp"
#include "gpufleet/job.hpp"
#include "gpufleet/rollout_result.hpp"
#include "gpufleet/scenario.hpp"

namespace gpufleet {

struct RunResult {
  std::vector<ClusterResult> clusters;  // parallel to Scenario::clusters
  Seconds end_time = 0;                 // simulated time the run stopped at
  std::uint64_t events = 0;             // all clusters
  bool complete = true;
  // Why an incomplete run stopped: "signal", "max_horizon_days" or "max_timeseries_rows" (the
  // limit it reached); empty for a complete run.
  std::string stop_reason;
  std::optional<RolloutResult> rollout;  // when the scenario has orders
  // Facts about this process's run (vary between runs; written to run.json, not summary.json).
  double wall_time_s = 0;
  double peak_memory_mib = 0;
};

// Peak resident set size of this process so far, in MiB (getrusage).
double peak_memory_mib();

}  // namespace gpufleet
