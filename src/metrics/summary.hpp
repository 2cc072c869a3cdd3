// Aggregate metrics over jobs (definitions: docs/outputs.md, from shared metrics.md), and the
// summary of a run (the types: gpufleet/results.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpufleet/job.hpp"
#include "gpufleet/results.hpp"
#include "scenario/scenario.hpp"
#include "sim/run_result.hpp"

namespace gpufleet {

// Nearest-rank quantiles (p-quantile = the ceil(p*n)-th smallest); sorts `values`.
Quantiles quantiles(std::vector<double>& values);

// Statistics of `jobs` at simulated time `end`; utilisation is relative to
// `online_gpu_seconds`, the integral of the group's online GPUs over [0, end].
JobStats compute_job_stats(const std::vector<const Job*>& jobs, Seconds end, Seconds tau, double online_gpu_seconds);

// The summary of a run (deterministic: no wall time or memory).
Summary build_summary(const Scenario& scenario, const RunResult& run);
// The summary.json document.
nlohmann::ordered_json to_json(const Summary& summary);

}  // namespace gpufleet
