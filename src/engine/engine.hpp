// The simulation engine: SimGrid drives the clock for every cluster's ClusterSim.
//
// The platform is built from the scenario: one netzone per operator, site and
// cluster, one SimGrid host per node (never per GPU) plus a controller host per
// cluster that runs its scheduler actor. Jobs are records, not actors.
//
// SimGrid allows one engine per process: run_scenario() may be called once per
// process; a second call throws InternalError.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "sim/run_result.hpp"

namespace gpufleet {

struct EngineOptions {
  std::vector<std::string> simgrid_config;  // "--cfg=..." passthrough for experts, "name:value"
  bool simgrid_logs = false;                // SimGrid's own logging (quiet by default)
  // Called every ~1/500 of the horizon (simulated; hourly without a horizon) with the
  // simulated time and the events processed so far. Null: no calls.
  std::function<void(Seconds now, std::uint64_t events)> progress;
  // When it becomes non-zero (e.g. set by a signal handler), the run stops at the current
  // simulated time and returns what it has, with RunResult::complete false.
  const volatile std::sig_atomic_t* stop_flag = nullptr;
  // Bounds on what a run may do, enforced while it runs (the loader refuses what it can foresee):
  // a scenario without a horizon is stopped at `time_limit_s` of simulated time if it has not
  // drained, and any run once its clusters hold more than `max_samples` time-series rows; the
  // run then ends like a stopped one, with RunResult::stop_reason naming the limit.
  Seconds time_limit_s = std::numeric_limits<Seconds>::infinity();
  double max_samples = std::numeric_limits<double>::infinity();
};

RunResult run_scenario(const Scenario& scenario, const EngineOptions& options = {});

// Checks SimGrid configuration items ("NAME:VALUE", --cfg) before a run: SimGrid aborts the process
// on some bad values, so they are tried in a child process first. Throws InputError ("--cfg").
void check_engine_config(const std::vector<std::string>& config);

}  // namespace gpufleet
