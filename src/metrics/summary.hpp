// Aggregate metrics over jobs (definitions: docs/outputs.md, from shared metrics.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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

// summary.json as a value. Numbers are the published ones (floats rounded to 6 decimal places, as
// written), so a report or a table built from the struct shows what the file says. to_json() is the
// one place that names the keys (docs/outputs.md lists them with their formulas); code that reads
// a summary.json file back names its pointers in summary_fields.hpp.
struct ScenarioInfo {
  std::string name;
  std::uint64_t seed = 0;
  std::int64_t start_epoch_s = 0;
  std::optional<Seconds> horizon_s;
};
struct RunInfo {
  bool complete = true;
  StopReason stop_reason = StopReason::kNone;
  Seconds end_time_s = 0;
  std::string end_date;  // the calendar date and time the run ended at (UTC)
  std::uint64_t events_processed = 0, scheduling_passes = 0, trace_records_after_horizon = 0;
};
struct OperatorSummary {
  std::string id;
  std::uint64_t gpus = 0;
  JobStats stats;
};
struct ClusterSummary {
  std::string id, op, site, gpu_model;
  std::uint32_t nodes = 0, gpus_per_node = 0;
  std::uint64_t gpus = 0;
  std::string queue, backfill, placement;  // policy names
  JobStats stats;
  std::uint64_t trace_records_after_horizon = 0;
};
struct WorkloadSummary {
  std::string id, cluster, kind;  // kind: "synthetic" or "swf"
  JobStats stats;
};
struct OutputFile {
  std::string name;
  std::uint64_t bytes = 0;
  std::string sha256;
};
struct Summary {
  ScenarioInfo scenario;
  nlohmann::ordered_json inputs;  // provenance (hashes of the scenario and traces; built by the caller), or null
  RunInfo run;
  Seconds bsld_tau_s = 10, timeseries_interval_s = 3600;
  JobStats total;
  std::uint64_t total_gpus = 0;
  std::vector<OperatorSummary> operators;  // parallel to Scenario::operators
  std::vector<ClusterSummary> clusters;    // parallel to Scenario::clusters
  std::vector<WorkloadSummary> workloads;  // parallel to Scenario::workloads
  std::optional<RolloutSummary> rollout;   // scenarios with orders
  std::vector<OutputFile> outputs;         // the other result files, written last (empty: no section)
};

// The summary of a run (deterministic: no wall time or memory).
Summary build_summary(const Scenario& scenario, const RunResult& run);
// The summary.json document.
nlohmann::ordered_json to_json(const Summary& summary);

}  // namespace gpufleet
