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
// `steady_from[c]`: when cluster c was first 90 % online (infinity: never); a job submitted from
// then on counts in wait_steady_s, one submitted before in wait_ramp_s.
JobStats compute_job_stats(const std::vector<const Job*>& jobs, Seconds end, Seconds tau, double online_gpu_seconds,
                           const std::vector<Seconds>& steady_from);

// The tenants section and Jain's index (docs/outputs.md, "Tenants"), rounded as published.
std::vector<TenantSummary> build_tenant_summaries(const Scenario& scenario, const RunResult& run,
                                                  const std::vector<Seconds>& steady_from, FairnessSummary& fairness);
nlohmann::ordered_json tenants_json(const std::vector<TenantSummary>& tenants);

// One tenant on one cluster at one sample time (tenants.csv, docs/outputs.md): the GPUs its jobs
// hold and the GPUs its jobs that have reached the cluster wait for, after the instant's events.
struct TenantSample {
  Seconds t;
  std::uint32_t cluster;
  std::uint32_t tenant;
  std::int64_t nominal_gpus;  // its quota there; < 0: none (a cluster without quotas)
  std::uint64_t used_gpus, queued_gpus;
};
// At each cluster's sample times (ClusterResult::timeseries), for every tenant with a quota there
// (in quota order) and then every other tenant with a job there that was not rejected; sorted by
// time, then cluster. Recomputed from the job records (runs, preempted runs, arrivals). Empty when
// the scenario has no tenants.
std::vector<TenantSample> tenant_timeseries(const Scenario& scenario, const RunResult& run);

// The summary of a run (deterministic: no wall time or memory).
Summary build_summary(const Scenario& scenario, const RunResult& run);
// The summary.json document.
nlohmann::ordered_json to_json(const Summary& summary);

namespace detail {
double r6(double x);                                   // summary.json's fixed precision: 6 decimal places
JobStats rounded(JobStats s);                          // every float of s through r6
nlohmann::ordered_json stats_json(const JobStats& s);  // the job statistics keys of every group
// GPU-seconds a job held within [0, end] (0 unless it started; a running job up to end).
double held_gpu_seconds(const Job& j, Seconds end);
}  // namespace detail

}  // namespace gpufleet
