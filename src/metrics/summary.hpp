// Aggregate metrics over jobs (definitions: docs/outputs.md, from shared metrics.md).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpufleet/job.hpp"
#include "scenario/scenario.hpp"
#include "sim/run_result.hpp"

namespace gpufleet {

struct Quantiles {
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
  std::uint64_t n = 0;
};

// Nearest-rank quantiles (p-quantile = the ceil(p*n)-th smallest); sorts `values`.
Quantiles quantiles(std::vector<double>& values);

struct JobStats {
  std::uint64_t submitted = 0, completed = 0, running = 0, queued = 0, rejected = 0;
  Quantiles wait_s;            // over started jobs (completed + running)
  Quantiles bounded_slowdown;  // over completed jobs
  Quantiles turnaround_s;      // over completed jobs
  double gpu_hours = 0;        // GPU-time used within [0, end], all started jobs
  double makespan_s = 0;       // max end - min submit over completed jobs
  double utilisation = 0;      // GPU-time used / GPU-time online, over [0, end]
};

// Statistics of `jobs` at simulated time `end`; utilisation is relative to
// `online_gpu_seconds`, the integral of the group's online GPUs over [0, end].
JobStats compute_job_stats(const std::vector<const Job*>& jobs, Seconds end, Seconds tau, double online_gpu_seconds);

// The whole summary.json document (deterministic: no wall time or memory).
// `inputs` (provenance: hashes of the resolved scenario and of every input file)
// becomes the "inputs" section when not null.
nlohmann::ordered_json build_summary(const Scenario& scenario, const RunResult& run,
                                     const nlohmann::ordered_json& inputs = nullptr);

}  // namespace gpufleet
