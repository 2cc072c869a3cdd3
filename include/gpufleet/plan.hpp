// One scheduling pass over a cluster: the backfill policy's only handle on the state.
//
// A Plan exposes the cluster read-only (queue in order, running jobs by planned
// end, free GPUs per node) and lets the policy start queued jobs. A start is
// placed by the cluster's placement policy and applied to the node pool and the
// running set at once, so later placements in the same pass see it; the
// queue itself is not changed during the pass (so a policy may iterate it while
// starting jobs). ClusterSim commits the started jobs after the pass.
#pragma once

#include <cstdint>
#include <vector>

#include "gpufleet/cluster_state.hpp"
#include "gpufleet/policy.hpp"

namespace gpufleet {

struct StartDecision {
  QueueEntry entry;
  StartReason reason;
};

class Plan {
 public:
  Plan(ClusterState& state, const PlacementPolicy& placement, Seconds now)
      : state_(state), placement_(placement), now_(now) {}

  Seconds now() const { return now_; }
  const ClusterState& state() const { return state_; }
  const NodePool& pool() const { return state_.pool(); }
  const std::set<QueueEntry>& queue() const { return state_.queue(); }
  const std::set<RunningEntry>& running() const { return state_.running(); }
  const Job& job(std::uint32_t index) const { return state_.job(index); }
  // When a running job is expected to free its GPUs: its planned end, or now if it overran.
  Seconds expected_end(const RunningEntry& e) const { return e.planned_end > now_ ? e.planned_end : now_; }
  bool started(const QueueEntry& e) const { return state_.job(e.job).state != JobState::kQueued; }
  // Per-node scratch for this pass (call clear() before use).
  NodeScratch& scratch() const { return state_.scratch(); }

  // Where the placement policy would put the job now (nothing is changed).
  Placement preview(const QueueEntry& entry) const;
  // Starts the job on `placement` (which must be kFits for this pool state).
  void start(const QueueEntry& entry, const Placement& placement, StartReason reason);
  // preview + start when it fits and its tenant's quota admits it; returns the outcome (kNotNow
  // when the quota holds it). A job that does not start gets its wait reason noted.
  PlaceOutcome try_start(const QueueEntry& entry, StartReason reason);
  // The tenant quota's verdict on starting the job now (kAdmit when the cluster has no quotas).
  // start() refuses a job the quota does not admit: an InternalError naming the rule.
  QuotaVerdict quota_verdict(const QueueEntry& entry) const;
  // True when the quota holds the job now; then notes the wait reason (quota or cohort).
  bool held_by_quota(const QueueEntry& entry);
  // Notes why a job the policy looked at does not start in this pass (e.g. kReservation).
  void hold(const QueueEntry& entry, WaitReason reason) { state_.note_wait(entry.job, reason); }
  // The reason a job that does not fit now waits: not online, no free GPUs or fragmentation.
  WaitReason unfit_reason(const Job& job) const;

  const std::vector<StartDecision>& decisions() const { return decisions_; }

 private:
  ClusterState& state_;
  const PlacementPolicy& placement_;
  Seconds now_;
  std::vector<StartDecision> decisions_;
};

}  // namespace gpufleet
