#include "gpufleet/plan.hpp"

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

Placement Plan::preview(const QueueEntry& entry) const {
  Placement p = placement_.place(state_.pool(), state_.job(entry.job));
  // The engine asked once per GPU count, on the empty cluster, and rejected the sizes that never
  // fit; a kNever now would leave the job queued for ever (and, as EASY's head, block the queue).
  GPUFLEET_CHECK(p.outcome != PlaceOutcome::kNever,
                 "a placement's kNever depends only on the GPU count (PlacementPolicy): it is not returned for a "
                 "size the empty cluster placed");
  return p;
}

void Plan::start(const QueueEntry& entry, const Placement& placement, StartReason reason) {
  Job& job = state_.job(entry.job);
  GPUFLEET_CHECK(job.state == JobState::kQueued, "only a queued job starts");
  GPUFLEET_CHECK(placement.outcome == PlaceOutcome::kFits, "a job starts only on a fitting placement");
  // The placement contract (PlacementPolicy): g GPUs on nodes of G are g / G whole nodes plus, when
  // g % G > 0, the remainder on one more node. Backfill reservations (EASY's shadow time, the
  // conservative profile) count nodes that way; a placement that spreads the same total differently
  // would make them silently wrong, so it is refused here, where decisions enter the engine.
  const std::uint32_t per_node = state_.pool().gpus_per_node();
  std::uint32_t total = 0, whole = 0, partial = 0, partial_gpus = 0;
  for (const auto& s : placement.slices) {
    total += s.gpus;
    if (s.gpus == per_node) ++whole;
    else if (s.gpus > 0) ++partial, partial_gpus = s.gpus;
  }
  GPUFLEET_CHECK(total == job.gpus, "a placement gives the job exactly the GPUs it asked for");
  GPUFLEET_CHECK(whole == job.gpus / per_node && partial == (job.gpus % per_node ? 1u : 0u) &&
                     (partial == 0 || partial_gpus == job.gpus % per_node) &&
                     whole + partial == placement.slices.size(),
                 "a placement has the gang shape: whole nodes, and the remainder on one node");
  GPUFLEET_CHECK(quota_verdict(entry) == QuotaVerdict::kAdmit,
                 "a job starts only when its tenant's quota and cohort admit it (QuotaBook::check)");
  const std::uint8_t label = state_.intern_start_label(reason);  // checks the label, before anything changes
  // Why it waited: what held it at the last pass before this one (none if it did not wait). A job
  // that runs again after a preemption or a failure keeps its first wait's reason and first start.
  if (job.restarts() == 0) {
    // A federated job that starts at the instant its data arrived waited for nothing but the data
    // (staging_s was computed as that instant less its submit time, so the test is exact).
    const bool just_staged = job.staging_s > 0 && now_ - job.submit == job.staging_s;
    job.wait_reason = just_staged                              ? WaitReason::kStaging
                      : now_ > job.submit && state_.pass() > 0 ? state_.held_at(job, state_.pass() - 1)
                                                               : WaitReason::kNone;
    job.first_start = now_;
  }
  state_.pool().allocate(placement.slices);
  job.alloc = placement.slices;
  job.state = JobState::kRunning;
  job.start = now_;
  job.start_kind = reason.kind;
  job.start_label = label;
  state_.add_running(entry.job);
  decisions_.push_back(StartDecision{entry, reason});
}

PlaceOutcome Plan::try_start(const QueueEntry& entry, StartReason reason) {
  if (held_by_quota(entry)) return PlaceOutcome::kNotNow;
  const Job& job = state_.job(entry.job);
  if (job.gpus > state_.pool().free_gpus()) {  // no placement can fit it now: skip the search
    state_.note_wait(entry.job, unfit_reason(job));
    return PlaceOutcome::kNotNow;
  }
  Placement p = preview(entry);
  if (p.outcome == PlaceOutcome::kFits) start(entry, p, reason);
  else state_.note_wait(entry.job, unfit_reason(state_.job(entry.job)));
  return p.outcome;
}

QuotaVerdict Plan::quota_verdict(const QueueEntry& entry) const {
  const QuotaBook& q = state_.quotas();
  if (!q.enabled()) return QuotaVerdict::kAdmit;
  const Job& j = state_.job(entry.job);
  return q.check(q.slot(j.tenant), j.gpus);
}

bool Plan::held_by_quota(const QueueEntry& entry) {
  const QuotaVerdict v = quota_verdict(entry);
  if (v == QuotaVerdict::kAdmit) return false;
  // The tenant's own limit is its reason whatever the hardware does. A cohort that is out of
  // capacity while the cluster is also out of free GPUs for the job is reported as the hardware's
  // reason: with a cohort that spans the cluster the two are the same event, and "cohort_exhausted"
  // is kept for the case it explains, idle GPUs that lending limits withhold.
  const Job& job = state_.job(entry.job);
  WaitReason why = WaitReason::kQuota;
  if (v == QuotaVerdict::kCohortExhausted)
    why = job.gpus > state_.pool().free_gpus() ? unfit_reason(job) : WaitReason::kCohort;
  state_.note_wait(entry.job, why);
  return true;
}

WaitReason Plan::unfit_reason(const Job& job) const {
  if (job.gpus > state_.pool().capacity_gpus()) return WaitReason::kNotOnline;
  return job.gpus > state_.pool().free_gpus() ? WaitReason::kNoFreeGpus : WaitReason::kFragmentation;
}

}  // namespace gpufleet
