// The scheduling extension points: queue order, placement, backfill.
//
// A policy is built once from its JSON parameters by a factory (see
// policy_registry.hpp) and then called by the engine with the cluster's state.
// Policies are pure: they read the state they are given, return (or, for
// backfill, request through the Plan) their decisions, and touch nothing else:
// no clock, no globals, no I/O, no logging. So each can be unit-tested from a
// literal state without starting SimGrid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpufleet/cluster_state.hpp"
#include "gpufleet/job.hpp"
#include "gpufleet/node_pool.hpp"

namespace gpufleet {

class Plan;

// What a queue order may read besides the job: the cluster as it is when the key is computed.
struct QueueContext {
  Seconds now;
  const ClusterState& state;                  // read-only: usage per workload and tenant, the pool, running jobs
  const std::vector<double>& tenant_weights;  // the scenario's tenants' fair-share weights, by index
};

// Who goes next. The engine keeps the queue sorted by key (lower first), then arrival order.
class QueueOrder {
 public:
  // When keys are computed, and so what key() may depend on.
  enum class Keying : std::uint8_t {
    // Once, when the job is queued: the key may depend only on the job's own fields (and on the
    // state at its arrival). The queue stays sorted at O(log q) per arrival.
    kOnArrival,
    // Before every scheduling pass, for every queued job: the key may depend on the cluster's
    // state at the pass (fair share: usage per workload). Costs O(q log q) per pass for q
    // queued jobs; a pass follows only instants with an arrival, completion or new capacity.
    kEveryPass,
    // Tenants first, then jobs: before every pass each tenant with queued jobs gets
    // its tenant_keys() entry (lower first; tenants with equal keys interleave), and within that the jobs
    // go by key(), computed once on arrival from the job's own fields. Only the jobs of tenants
    // whose place among the tenants changed move: O(T log T + L^2) per pass for T tenants and L
    // distinct keys, plus
    // O(log q) per job moved. Every job on the cluster must have a tenant (the loader checks).
    kByTenant,
  };
  virtual ~QueueOrder() = default;
  virtual std::string_view name() const = 0;
  // Lower first; never NaN (an internal error naming the rule: the queue could not stay sorted).
  virtual QueueKey key(const Job& job, const QueueContext& context) const = 0;
  virtual Keying keying() const { return Keying::kOnArrival; }
  // Under Keying::kByTenant: every tenant's key now, by tenant index (`keys` arrives sized to the
  // scenario's tenants; never NaN). Unused otherwise.
  virtual void tenant_keys(const QueueContext& /*context*/, std::vector<double>& /*keys*/) const {}
  // Under kEveryPass and kByTenant: recompute at most this often (simulated seconds; 0: before
  // every pass), except that under kByTenant a tenant whose queue was empty makes the next pass
  // re-rank every tenant.
  // Slurm recomputes priorities every PriorityCalcPeriod (5 minutes by default).
  virtual Seconds recompute_period() const { return 0; }
  // The half-life with which the cluster decays usage for this order (WorkloadUsage::
  // decayed_gpu_seconds); 0: no decay.
  virtual Seconds usage_half_life() const { return 0; }
};

enum class PlaceOutcome : std::uint8_t {
  kFits,    // `slices` hold the GPUs to take now
  kNotNow,  // does not fit now; try again when capacity frees
  kNever,   // can never be placed on this cluster; `reason` says why
};
std::string_view to_string(PlaceOutcome o);

struct Placement {
  PlaceOutcome outcome = PlaceOutcome::kNotNow;
  std::vector<NodeSlice> slices;  // when kFits: one entry per node, GPUs summing to the request
  std::string reason;             // when kNever
};

// Where a job goes: place(pool, job) for the job's `gpus`, on the pool's free GPUs now.
// Contract, enforced by Plan::start (an InternalError naming the rule otherwise):
// - the gang shape: for a g-GPU job on nodes of G GPUs, a kFits result gives g / G nodes whole
//   (all G GPUs) and, when g % G > 0, the remainder on one further node; every slice fits the
//   node's free GPUs. Backfill reservations count nodes that way.
// - kNever depends only on the job's GPU count and the pool's shape (Plan::preview checks): the engine asks once per
//   GPU count, on the cluster with every GPU free, and rejects every job of that size on kNever.
// The job's other fields (walltime, workload, priority) may steer where a fitting job goes.
class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual Placement place(const NodePool& pool, const Job& job) const = 0;
};

// Who starts now. schedule() walks the queue and asks the plan to start jobs;
// it may compute reservations (shadow times) from the running jobs' planned ends.
class BackfillPolicy {
 public:
  virtual ~BackfillPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual void schedule(Plan& plan) const = 0;
  // The optional state indexes schedule() reads (default: all). Reading one
  // not declared here is an internal error.
  virtual StateIndexes indexes() const { return {}; }
};

}  // namespace gpufleet
