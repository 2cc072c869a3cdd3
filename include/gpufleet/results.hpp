// A run's results as values: what summary.json holds, typed. For a program that embeds gpufleet
// (simulation.hpp returns a Summary) and for gpufleet's own report and tables, which read these
// fields rather than JSON keys. Times are simulated seconds since the scenario's start (Seconds);
// dates are such times, written as calendar dates in summary.json.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpufleet/job.hpp"

namespace gpufleet {

// Why a run ended before its horizon (or before draining); the names appear in summary.json.
enum class StopReason { kNone, kSignal, kMaxHorizonDays, kMaxTimeseriesRows };

inline std::string_view to_string(StopReason r) {
  switch (r) {
    case StopReason::kNone: return "";
    case StopReason::kSignal: return "signal";
    case StopReason::kMaxHorizonDays: return "max_horizon_days";
    case StopReason::kMaxTimeseriesRows: return "max_timeseries_rows";
  }
  return "?";
}

struct Quantiles {
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
  std::uint64_t n = 0;
};

// Job statistics of a group of jobs (all, an operator, a cluster, a workload) at the end of a run.
struct JobStats {
  std::uint64_t submitted = 0, completed = 0, running = 0, queued = 0, rejected = 0;
  std::uint64_t failed = 0;         // ran out of retries after node failures (docs/failures.md)
  std::uint64_t interruptions = 0;  // runs of its jobs that node failures ended
  Quantiles wait_s;                 // over started jobs (completed + running)
  Quantiles wait_ramp_s;            // the same, jobs submitted before their cluster was 90 % online
  Quantiles wait_steady_s;          // the same, jobs submitted once it was
  Quantiles bounded_slowdown;       // over completed jobs
  Quantiles turnaround_s;           // over completed jobs
  double gpu_hours = 0;             // GPU-time used within [0, end], all started jobs
  std::uint64_t preemptions = 0;    // times its jobs were preempted
  double lost_gpu_hours = 0;        // of gpu_hours: GPU-time that made no lasting progress (work since the
                                    // last checkpoint when a run ended early, restart overheads, checkpoint
                                    // writes, all the GPU-time of failed jobs)
  double makespan_s = 0;            // max end - min submit over completed jobs
  double utilisation = 0;           // GPU-time used / GPU-time online, over [0, end]
};

// The "rollout" section of summary.json as values (floats rounded to 6 decimals, as published;
// dates as simulated times, written as calendar dates). Key names: to_json below, docs/outputs.md.
struct RolloutGroup {  // an operator, or the nation
  std::int64_t ordered_gpus = 0, delivered_gpus = 0, online_gpus = 0, stranded_gpus = 0, to_deliver_gpus = 0;
  std::optional<Seconds> date_50pct_online, date_90pct_online, date_100pct_online;  // none: not reached
  double stranded_gpu_days = 0, hbm_stacks_consumed = 0, it_mwh = 0, facility_mwh = 0, peak_facility_mw = 0;
  std::optional<Seconds> peak_date;  // start of the day of peak facility power; none without power
};
struct OperatorRollout {
  std::string id;
  RolloutGroup group;
};
struct GpuModelRollout {  // the GPUs of one model (e.g. "when is the HBM4 fleet online")
  std::string id, hbm_generation;
  std::int64_t ordered_gpus = 0, delivered_gpus = 0, online_gpus = 0;
  std::optional<Seconds> date_50pct_online, date_90pct_online, date_100pct_online;
  double stranded_gpu_days = 0;
};
struct SiteRollout {
  std::string op, site;
  double pue = 1, it_mwh = 0, facility_mwh = 0, peak_facility_mw = 0;
  std::optional<Seconds> peak_date;
  std::optional<double> power_capacity_mw_then, power_capacity_mw_at_end;  // none: unlimited
};
struct RolloutSummary {
  std::string supply_policy;
  RolloutGroup national;
  std::vector<OperatorRollout> operators;   // parallel to Scenario::operators
  std::vector<GpuModelRollout> gpu_models;  // models with GPUs ordered, in model order
  std::vector<SiteRollout> sites;           // parallel to RolloutSpec::sites
};
// What ran, for provenance: the resolved scenario's hash and every input file's.
struct FileHash {
  std::string path;
  std::string sha256;
  std::uint64_t bytes = 0;  // traces only
};
struct TraceHash {
  std::string workload;  // the workload id that reads it
  FileHash file;         // path as written in the scenario
};
struct Provenance {
  std::string scenario_sha256;              // of scenario.json (the resolved document that ran)
  std::vector<std::string> scenario_files;  // the file and the files it extends
  std::vector<FileHash> patches;            // --patch files, in order
  std::vector<std::string> sets;            // --set assignments, in order
  std::vector<TraceHash> traces;            // every trace read
};

// summary.json as a value (docs/outputs.md has every field's formula). Numbers are the published
// ones, floats rounded to 6 decimal places as written, so whatever is built from the struct shows
// what the file says.
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
  std::optional<Seconds> date_90pct_online;  // first time 90 % of its nodes were online; none: never
};
struct WorkloadSummary {
  std::string id, cluster, kind;  // kind: "synthetic" or "swf"
  JobStats stats;
};
// One tenant on one cluster it ran jobs on or has a quota on (docs/outputs.md, "Tenants").
struct TenantClusterSummary {
  std::string cluster;
  std::optional<std::uint64_t> nominal_gpus;  // none: the cluster has no quotas
  std::string cohort;                         // "" : in no cohort
  double gpu_hours = 0;                       // its jobs' GPU-time on the cluster within [0, end]
  double share = 0;                           // of the GPU-hours of its domain: its cohort's members, else the cluster
  double entitlement = 0;                     // nominal / the cohort's nominal sum; without a cohort nominal / cluster
                                              // GPUs; on a cluster without quotas weight / the weights of its tenants
  double borrowed_gpu_hours = 0;              // GPU-time above its nominal quota
  double lent_gpu_hours = 0;  // its part of what the cohort's borrowers used, pro rata to unused lendable quota
};
struct TenantSummary {
  std::string id, name;
  double weight = 1;
  JobStats stats;                 // utilisation: GPU-time used / entitled GPU-time
  double entitled_gpu_hours = 0;  // sum over its clusters of entitlement share × online GPU-time
  double share = 0;               // of all tenants' GPU-hours (tenants with demand)
  double entitlement_share = 0;   // of all tenants' entitled GPU-hours (tenants with demand)
  double borrowed_gpu_hours = 0, lent_gpu_hours = 0;
  double waited_s = 0;  // waiting time of its jobs: started ones to their start, queued ones to the end
  std::array<double, kWaitReasons> wait_share{};  // of waited_s by the job's wait reason (WaitReason order)
  std::uint64_t staged_jobs = 0;                  // federation: its jobs whose input data was sent to another site
  double staging_hours = 0;                       // the time their data was in transit (to the end, if still)
  std::vector<TenantClusterSummary> clusters;     // in scenario cluster order
};
// The national queue of a federation (docs/outputs.md, "Federation").
struct FederationMemberSummary {
  std::string cluster;
  std::uint64_t jobs = 0;  // federated jobs sent to it
  std::uint64_t away = 0;  // of those, jobs whose home is another cluster
};
struct FederationSummary {
  std::string policy;
  std::vector<FederationMemberSummary> members;  // in /federation/members order
  std::uint64_t jobs = 0, away = 0;              // sums over the members
  std::uint64_t transfers = 0;                   // input data transfers started (jobs sent to another site)
  std::uint64_t transfers_completed = 0;
  std::uint64_t in_transit_at_end = 0;  // jobs queued at the end because their data had not arrived
  double staged_gb = 0;                 // moved by the completed transfers
  std::optional<double> staging_s_mean, staging_s_p95, staging_s_max;  // of completed transfers; none: none
};
// Failures (docs/failures.md; summary.json /failures/): of the nation, an operator or a cluster.
struct FailureGroup {
  std::string id;  // operator or cluster id ("" for the nation)
  std::uint64_t node_failures = 0;
  std::vector<std::pair<std::string, std::uint64_t>> by_class;  // class id, failures (in the models' class order)
  std::uint64_t automatic = 0, manual = 0;                      // recoveries by kind (begun by the end)
  std::uint64_t job_interruptions = 0, jobs_failed = 0, spares_used = 0;
  std::uint64_t domain_failures = 0;                         // failures that took a whole rack down
  std::uint64_t systematic_nodes = 0, systematic_found = 0;  // bad nodes at the start; found by the end
  Quantiles repair_wait_s;    // manual repairs: time from the failure to a technician starting
  double node_hours_up = 0;   // exposure: node-hours of online nodes that were up
  double down_gpu_hours = 0;  // GPU-hours of online nodes that were down
  // Jobs' GPU-hours within [0, end]: used = useful + lost; lost by cause.
  double used_gpu_hours = 0, useful_gpu_hours = 0, lost_gpu_hours = 0;
  double redone_gpu_hours = 0, restart_gpu_hours = 0, checkpoint_gpu_hours = 0, failed_job_gpu_hours = 0;
  std::optional<double> goodput;  // useful / used; none: no GPU-hours used
};
struct FailureSummary {
  FailureGroup national;
  std::vector<FailureGroup> operators;  // parallel to Scenario::operators
  std::vector<FailureGroup> clusters;   // the clusters whose GPU model fails, in scenario order
};

struct FairnessSummary {
  std::uint64_t tenants_with_demand = 0;  // tenants that submitted at least one job
  std::optional<double> jain_index;       // over share / entitlement_share of those; none: no GPU-hours
};
struct OutputFile {
  std::string name;
  std::uint64_t bytes = 0;
  std::string sha256;
};
struct Summary {
  ScenarioInfo scenario;
  std::optional<Provenance> inputs;  // what ran: hashes of the scenario and its input files (set by the caller)
  RunInfo run;
  Seconds bsld_tau_s = 10, timeseries_interval_s = 3600;
  JobStats total;
  std::uint64_t total_gpus = 0;
  std::vector<OperatorSummary> operators;       // parallel to Scenario::operators
  std::vector<ClusterSummary> clusters;         // parallel to Scenario::clusters
  std::vector<WorkloadSummary> workloads;       // parallel to Scenario::workloads
  std::vector<TenantSummary> tenants;           // parallel to Scenario::tenants (empty: none)
  std::optional<FairnessSummary> fairness;      // scenarios with tenants
  std::optional<FederationSummary> federation;  // scenarios with a federation
  std::optional<FailureSummary> failures;       // scenarios with a GPU model that fails
  std::optional<RolloutSummary> rollout;        // scenarios with orders
  std::vector<OutputFile> outputs;              // the other result files, written last (empty: no section)
};

}  // namespace gpufleet
