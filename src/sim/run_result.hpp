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

// What the national queue of a federation did (docs/scheduling.md, "Federation").
struct FederationOutcome {
  std::vector<std::uint64_t> jobs_by_member;  // jobs sent to each member (FederationSpec::members order)
  std::vector<std::uint64_t> away_by_member;  // of those, jobs whose home is another cluster
  std::uint64_t transfers = 0;                // input data transfers started
  std::uint64_t transfers_done = 0;           // ... and completed
  double staged_gb = 0;                       // data the completed transfers moved
  std::vector<Seconds> staging_s;             // each completed transfer's duration, in completion order
  std::uint64_t in_transit_at_end = 0;        // jobs whose transfer had not completed at the end
};

struct RunResult {
  std::vector<ClusterResult> clusters;  // parallel to Scenario::clusters
  Seconds end_time = 0;                 // simulated time the run stopped at
  std::uint64_t events = 0;             // all clusters
  bool complete = true;
  StopReason stop_reason = StopReason::kNone;   // kNone exactly when complete
  std::optional<RolloutResult> rollout;         // when the scenario has orders
  std::optional<FederationOutcome> federation;  // when the scenario has a federation
  // Facts about this process's run (vary between runs; written to run.json, not summary.json).
  double wall_time_s = 0;
  double peak_memory_mib = 0;
};

}  // namespace gpufleet
