// A scenario, loaded and checked: plain structs with explicit units.
//
// Produced only by load_scenario(), which guarantees every reference resolves,
// every number is in range and every trace has been read; the engine relies on
// that and does not re-check user input.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gpufleet/federation.hpp"
#include "gpufleet/job.hpp"
#include "gpufleet/policy.hpp"
#include "gpufleet/quota.hpp"
#include "scenario/failure_spec.hpp"
#include "scenario/rollout_spec.hpp"
#include "workload/workload_spec.hpp"

namespace gpufleet {

inline constexpr int kScenarioFormatVersion = 1;

struct GpuModel {
  std::string id;
  double memory_gb = 0;        // 0 = not given
  double relative_speed = 1;   // throughput relative to the scenario's reference GPU
  std::string hbm_generation;  // e.g. "HBM3E-8H"; empty = not modelled (cannot be ordered)
  std::uint32_t hbm_stacks_per_gpu = 0;
  double tdp_w = 0;           // GPU board power at full load
  double idle_w = 0;          // GPU power when idle
  double host_overhead = 1;   // node IT power / GPU power (CPUs, NICs, fans, switches)
  std::string form = "hgx8";  // "hgx8" (8-GPU node) or "nvl72" (72-GPU rack)
  FailureSpec failures;       // none by default
};

struct SchedulingSetup {
  std::shared_ptr<const QueueOrder> queue;
  std::shared_ptr<const BackfillPolicy> backfill;
  std::shared_ptr<const PlacementPolicy> placement;
};

// Who a job is for: a team, a programme, a customer. Jobs name their tenant through their workload.
struct TenantSpec {
  std::string id;
  std::string name;
  double weight = 1;  // fair-share weight (the fair_share queue order)
};

// Which running jobs a tenant's queue head may preempt (Kueue's ClusterQueue preemption fields;
// docs/scheduling.md, "Preemption"). Both need the head to fit within its tenant's nominal quota.
struct PreemptionSpec {
  enum class Reclaim : std::uint8_t {
    kNever,          // a tenant never takes back what it lent
    kLowerPriority,  // it preempts borrowed jobs of lower priority than its head
    kAny,            // it preempts borrowed jobs of any priority
  };
  Reclaim reclaim_within_cohort = Reclaim::kNever;  // jobs of cohort members that are borrowing
  bool within_tenant = false;                       // its own jobs of lower priority
  bool enabled() const { return reclaim_within_cohort != Reclaim::kNever || within_tenant; }
};

// The tenant quotas of one cluster (none: the cluster does not admit by quota).
struct ClusterQuotas {
  std::vector<TenantQuota> tenants;  // cohorts numbered by cohort_ids
  std::vector<std::string> cohort_ids;
  TenantQueueing queueing = TenantQueueing::kStrictFifo;
  PreemptionSpec preemption;
};

struct ClusterSpec {
  std::string id;
  std::uint32_t op = 0;    // index into Scenario::operators
  std::uint32_t site = 0;  // index into OperatorSpec::sites
  std::uint32_t gpu_model = 0;
  std::uint32_t nodes = 0;
  std::uint32_t gpus_per_node = 0;
  std::uint32_t rack_nodes = 0;             // nodes per rack / NVLink domain; = nodes when not given
  std::uint32_t online_nodes_at_start = 0;  // the rest arrive through the rollout
  SchedulingSetup scheduling;
  ClusterQuotas quotas;
  RepairSpec repair;
  std::vector<TracedFailure> failure_trace;  // in time order
  std::uint64_t gpus() const { return std::uint64_t{nodes} * gpus_per_node; }
};

struct SiteSpec {
  std::string id;
  std::vector<std::uint32_t> clusters;  // indices into Scenario::clusters
};

struct OperatorSpec {
  std::string id;
  std::string name;
  std::vector<SiteSpec> sites;
};

// Sharing across operators (docs/scheduling.md, "Federation"): the jobs of federated workloads are
// submitted to a national queue that sends each to a member cluster by the policy; a job sent away
// from its home site first stages its input data over the sites' uplinks and the backbone.
struct FederationSpec {
  std::shared_ptr<const FederationPolicy> policy;  // null: the scenario has no "federation"
  std::vector<std::uint32_t> members;              // cluster indices, in the order given
  double backbone_bytes_per_s = 0;
  Seconds latency_s = 0;  // of one transfer's route, end to end
  // Each site's link to the backbone, by [operator][site] (the default where the scenario sets none).
  std::vector<std::vector<double>> uplink_bytes_per_s;
  bool enabled() const { return policy != nullptr; }
  bool is_member(std::uint32_t cluster) const {
    for (std::uint32_t m : members)
      if (m == cluster) return true;
    return false;
  }
};

struct Scenario {
  std::string file;  // where it was loaded from
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  std::int64_t start_epoch_s = 0;
  std::optional<Seconds> horizon_s;  // none: run until every (finite) workload has drained
  std::vector<GpuModel> gpu_models;
  std::vector<OperatorSpec> operators;
  std::vector<ClusterSpec> clusters;
  std::vector<WorkloadSpec> workloads;
  std::vector<TenantSpec> tenants;
  FederationSpec federation;
  Seconds bsld_tau_s = 10;
  Seconds timeseries_interval_s = 3600;
  RolloutSpec rollout;  // supply, orders, site build-out (enabled when the scenario has orders)
};

}  // namespace gpufleet
