// Backfilling policies: none (strict queue order), EASY, conservative.
#include <algorithm>
#include <cmath>
#include <limits>

#include "gpufleet/diagnostics.hpp"
#include "policies/builtin.hpp"

namespace gpufleet::policies {

void NoBackfill::schedule(Plan& plan) const {
  if (plan.state().quotas().enabled()) {
    admit_tenant_heads(plan);
    return;
  }
  for (const QueueEntry& e : plan.queue())
    if (plan.try_start(e, kStartInOrder) != PlaceOutcome::kFits) return;
}

// One pass of quota admission (docs/scheduling.md, after Kueue's admission cycle): every tenant's
// candidate (its queue head; under best-effort FIFO its first job that can start now), sorted by
// (needs to borrow, higher priority first, queue order, submit time, job id), each started if its quota, its
// cohort and the placement allow; at most one start per tenant. ClusterSim repeats passes at an
// instant until one starts nothing.
//
// Within a pass GPUs are only taken, never given back, so a candidate that asks for more GPUs than
// are free when the pass begins, or that its tenant's own limit refuses then (usage + g above
// nominal + borrowing limit: only the tenant's own start, which this candidate is, raises its
// usage), fails wherever the sort puts it, and for the same noted reason (what Plan::try_start
// would note: the quota, or not online / no free GPUs). Those are noted at once; only the others
// are sorted and tried. On a saturated cluster most heads are such, and the pass costs no sort.
void admit_tenant_heads(Plan& plan) {
  const ClusterState& state = plan.state();
  const QuotaBook& quotas = state.quotas();
  struct Candidate {
    bool borrows;
    std::int32_t priority;
    Seconds submit;
    std::int64_t id;
    QueueEntry entry;
  };
  // Reused across passes (one pass at a time per thread; each engine runs on one thread).
  static thread_local std::vector<Candidate> live;
  live.clear();
  const std::uint64_t free_at_start = plan.pool().free_gpus();
  const bool best_effort = state.tenant_queueing() == TenantQueueing::kBestEffortFifo;
  for (std::uint32_t slot = 0; slot < quotas.slots(); ++slot) {
    const ClusterState::TenantHead& head = state.tenant_heads()[slot];
    if (!head.queued) continue;
    if (!best_effort) {
      const QuotaVerdict verdict = quotas.check(slot, head.gpus);
      if (verdict == QuotaVerdict::kOverQuota) {
        plan.hold(head.entry, WaitReason::kQuota);
        continue;
      }
      if (head.gpus > free_at_start) {  // Plan::held_by_quota and Plan::unfit_reason give this reason
        plan.hold(head.entry,
                  head.gpus > plan.pool().capacity_gpus() ? WaitReason::kNotOnline : WaitReason::kNoFreeGpus);
        continue;
      }
      live.push_back(Candidate{quotas.needs_borrow(slot, head.gpus), head.priority, head.submit, head.id, head.entry});
      continue;
    }
    // The first of the tenant's jobs that its quota admits and the placement fits now.
    const QueueEntry* pick = nullptr;
    for (const QueueEntry& e : state.tenant_queues()[slot]) {
      if (plan.held_by_quota(e)) continue;
      if (plan.preview(e).outcome == PlaceOutcome::kFits) {
        pick = &e;
        break;
      }
      plan.hold(e, plan.unfit_reason(plan.job(e.job)));
    }
    if (!pick) continue;
    const Job& j = plan.job(pick->job);
    live.push_back(Candidate{quotas.needs_borrow(slot, j.gpus), j.priority, j.submit, j.id, *pick});
  }
  std::sort(live.begin(), live.end(), [](const Candidate& a, const Candidate& b) {
    if (a.borrows != b.borrows) return !a.borrows;
    if (a.priority != b.priority) return a.priority > b.priority;
    // Then the cluster's queue order (under fcfs its key is the submit time, so this is the
    // submit-time rule of docs/scheduling.md; under fair_share, the tenants' fair-share order).
    if (a.entry.primary != b.entry.primary) return a.entry.primary < b.entry.primary;
    if (a.entry.secondary != b.entry.secondary) return a.entry.secondary < b.entry.secondary;
    if (a.submit != b.submit) return a.submit < b.submit;
    if (a.id != b.id) return a.id < b.id;
    return a.entry.seq < b.entry.seq;
  });
  for (const Candidate& c : live) plan.try_start(c.entry, kStartInOrder);
}

namespace {

// The node state at the queue head's shadow time: the free GPUs the pool will
// have once every running job planned to end by then has ended. Kept as a
// free-level histogram plus the free count of each node that differs from
// the live pool; nodes not in `at_shadow_` have the pool's current free count.
class ShadowState {
 public:
  ShadowState(const Plan& plan, std::uint32_t head_gpus)
      : pool_(plan.pool()), hist_(plan.pool().free_histogram()), at_shadow_(plan.scratch()), head_gpus_(head_gpus) {
    at_shadow_.clear(pool_.node_count());
    const std::uint32_t G = pool_.gpus_per_node();
    const auto& running = plan.running();
    auto it = running.begin();
    while (it != running.end()) {
      const Seconds t = plan.expected_end(*it);
      release(plan.job(it->job).alloc);
      ++it;
      if (NodePool::histogram_fits(hist_, G, head_gpus_)) {
        time_ = t;
        // Everything that ends at the same moment is free at the shadow time too.
        for (; it != running.end() && plan.expected_end(*it) == t; ++it) release(plan.job(it->job).alloc);
        return;
      }
    }
    // The head does not fit even on an empty cluster: its cluster is still
    // being built (nodes not yet online). It gets no reservation; any job that
    // fits now may start.
    time_ = std::numeric_limits<Seconds>::infinity();
  }

  Seconds time() const { return time_; }

  // Call before starting a job that ends by the shadow time on `slices`: those
  // nodes' free counts at the shadow time are what they are now.
  void pin(const std::vector<NodeSlice>& slices) {
    for (const auto& s : slices)
      if (!at_shadow_.has(s.node)) at_shadow_.set(s.node, pool_.free(s.node));
  }

  // Would the head still fit at the shadow time if a job ran past it on `slices`?
  bool head_fits_after(const std::vector<NodeSlice>& slices) {
    apply(slices, -1);
    const bool fits = NodePool::histogram_fits(hist_, pool_.gpus_per_node(), head_gpus_);
    apply(slices, +1);
    return fits;
  }

  // A job that runs past the shadow time on `slices`: takes them from the
  // shadow state and returns true if the head still fits then; else changes nothing.
  bool take_if_head_still_fits(const std::vector<NodeSlice>& slices) {
    if (!head_fits_after(slices)) return false;
    apply(slices, -1);
    for (const auto& s : slices) at_shadow_.set(s.node, at(s.node) - s.gpus);
    return true;
  }

 private:
  std::uint32_t at(std::uint32_t node) const { return at_shadow_.has(node) ? at_shadow_.get(node) : pool_.free(node); }
  // Moves the histogram as if `slices` were taken (sign -1) or given back (+1)
  // at the shadow time; at_shadow_ itself is left alone.
  void apply(const std::vector<NodeSlice>& slices, int sign) {
    for (const auto& s : slices) {
      const std::uint32_t base = at(s.node);
      GPUFLEET_CHECK(base >= s.gpus, "GPUs free now are free at the shadow time");
      if (sign < 0) {
        --hist_[base];
        ++hist_[base - s.gpus];
      } else {
        ++hist_[base];
        --hist_[base - s.gpus];
      }
    }
  }
  void release(const std::vector<NodeSlice>& slices) {
    for (const auto& s : slices) {
      const std::uint32_t old = at(s.node);
      --hist_[old];
      ++hist_[old + s.gpus];
      at_shadow_.set(s.node, old + s.gpus);
    }
  }

  const NodePool& pool_;
  std::vector<std::uint32_t> hist_;
  NodeScratch& at_shadow_;  // nodes whose free count at the shadow time differs from the pool's now
  std::uint32_t head_gpus_;
  Seconds time_ = 0;
};

}  // namespace

// EASY (Mu'alem & Feitelson 2001): start jobs in queue order while they fit;
// the first that does not (the head) gets a reservation at its shadow time, the
// earliest planned moment it fits. A later job may start now ("backfill") if it
// fits now and either ends by the shadow time (planned) or leaves the head able
// to fit at the shadow time (on nodes of one GPU: uses no more than the "extra"
// GPUs). The check is on node-level free counts, so it stays exact for gangs on
// multi-GPU nodes.
//
// Backfilling visits the queue once, in order, and starts each job that
// qualifies when visited. Between two starts the state does not change, so the
// pass equals "from the last job started, find the next queued job that
// qualifies now; start it; repeat". With a long queue that search runs over the
// queue's (GPUs, walltime class) buckets instead of a scan: O(buckets log n)
// per start rather than O(queue). (Visiting order matters on multi-GPU nodes:
// a start can move where a later job would be placed, so a job passed over
// earlier might qualify later; like the scan, the search never goes back.)
void EasyBackfill::schedule(Plan& plan) const {
  const auto& queue = plan.queue();
  auto it = queue.begin();
  // Jobs their tenant's quota holds are passed over: they neither start nor get the reservation.
  for (; it != queue.end(); ++it) {
    if (plan.held_by_quota(*it)) continue;
    if (plan.try_start(*it, kStartInOrder) != PlaceOutcome::kFits) break;
  }
  if (it == queue.end() || plan.pool().free_gpus() == 0) return;
  const QueueEntry head = *it;
  ShadowState shadow(plan, plan.job(head.job).gpus);
  const Seconds now = plan.now();
  const Seconds shadow_time = shadow.time();

  auto start = [&](const QueueEntry& e, const Placement& p) {
    if (now + plan.state().planned_length(plan.job(e.job)) <= shadow_time) {
      shadow.pin(p.slices);
      plan.start(e, p, EasyBackfill::kShort);
      return true;
    }
    if (shadow.take_if_head_still_fits(p.slices)) {
      plan.start(e, p, EasyBackfill::kExtra);
      return true;
    }
    return false;
  };

  if (queue.size() <= scan_threshold_) {
    for (++it; it != queue.end(); ++it) {
      const std::uint64_t free_now = plan.pool().free_gpus();
      if (free_now == 0) break;
      // The quota first: a job over its tenant's limit says so even when it would not fit now.
      if (plan.held_by_quota(*it)) continue;
      const Job& job = plan.job(it->job);
      if (job.gpus > free_now || !plan.pool().fits_now(job.gpus)) continue;
      Placement p = plan.preview(*it);
      if (p.outcome == PlaceOutcome::kFits && !start(*it, p)) plan.hold(*it, WaitReason::kReservation);
    }
    return;
  }

  // Indexed form. Placement depends only on the job's size and the pool, so
  // whether a job fits now, and whether running past the shadow time would
  // block the head, are answered once per size.
  const auto& buckets = plan.state().queue_buckets();
  QueueEntry cursor = head;  // the search resumes after the last job visited
  while (plan.pool().free_gpus() > 0) {
    const std::uint64_t free_now = plan.pool().free_gpus();
    const QueueEntry* best = nullptr;
    Placement best_placement;
    std::uint32_t size = 0;
    Placement size_placement;
    bool size_fits = false, size_extra_ok = false;
    for (const auto& [key, bucket] : buckets) {
      if (key.gpus > free_now) break;
      if (key.gpus != size) {
        size = key.gpus;
        size_fits = plan.pool().fits_now(size);
        if (size_fits) {
          size_placement = plan.preview(*bucket.begin());
          size_fits = size_placement.outcome == PlaceOutcome::kFits;
        }
        size_extra_ok = size_fits && shadow.head_fits_after(size_placement.slices);
      }
      if (!size_fits) continue;
      // Short jobs qualify whatever their size; a whole class is too long when its shortest walltime is.
      const bool class_too_long = now + walltime_class_low(key.walltime_class) > shadow_time;
      if (class_too_long && !size_extra_ok) continue;
      for (auto e_it = bucket.upper_bound(cursor); e_it != bucket.end(); ++e_it) {
        const QueueEntry& e = *e_it;
        if (best && !(e < *best)) break;
        if (plan.started(e) || plan.held_by_quota(e)) continue;
        if (size_extra_ok || now + plan.state().planned_length(plan.job(e.job)) <= shadow_time) {
          best = &e;
          best_placement = size_placement;
          break;
        }
      }
    }
    if (!best) break;
    cursor = *best;
    const bool started = start(*best, best_placement);
    GPUFLEET_CHECK(started, "an indexed backfill candidate qualifies");
  }
}

namespace {

// Free GPUs over future time, as steps: free_[i] holds on [time_[i], time_[i+1]).
class Profile {
 public:
  Profile(const Plan& plan) {
    times_.push_back(plan.now());
    free_.push_back(static_cast<std::int64_t>(plan.pool().free_gpus()));
    for (const RunningEntry& e : plan.running()) {
      const Seconds t = plan.expected_end(e);
      const std::int64_t g = plan.job(e.job).gpus;
      if (t > times_.back()) {
        times_.push_back(t);
        free_.push_back(free_.back() + g);
      } else {
        free_.back() += g;  // ends now (overran) or at the same time as the previous step
      }
    }
  }

  // Earliest start >= now at which `gpus` are free for `duration` seconds.
  Seconds earliest(std::int64_t gpus, Seconds duration) const {
    std::size_t i = 0;
    while (i < times_.size()) {
      if (free_[i] < gpus) {
        ++i;
        continue;
      }
      const Seconds end = times_[i] + duration;
      std::size_t j = i + 1;
      while (j < times_.size() && times_[j] < end && free_[j] >= gpus) ++j;
      if (j < times_.size() && times_[j] < end) {
        i = j + 1;  // step j is too low: no start before it can work
        continue;
      }
      return times_[i];
    }
    // More GPUs than the cluster has online: no reservation until nodes arrive.
    return std::numeric_limits<Seconds>::infinity();
  }

  void reserve(Seconds start, Seconds duration, std::int64_t gpus) {
    if (duration <= 0) return;
    const std::size_t a = split(start);
    const std::size_t b = split(start + duration);
    for (std::size_t k = a; k < b; ++k) free_[k] -= gpus;
  }

 private:
  // Index of the step starting exactly at t (inserting a breakpoint if needed).
  std::size_t split(Seconds t) {
    auto pos = std::lower_bound(times_.begin(), times_.end(), t);
    const auto idx = static_cast<std::size_t>(pos - times_.begin());
    if (pos != times_.end() && *pos == t) return idx;
    GPUFLEET_CHECK(idx > 0, "reservations start at or after now");
    times_.insert(pos, t);
    free_.insert(free_.begin() + static_cast<std::ptrdiff_t>(idx), free_[idx - 1]);
    return idx;
  }
  std::vector<Seconds> times_;
  std::vector<std::int64_t> free_;
};

}  // namespace

// Conservative backfilling (Mu'alem & Feitelson 2001): every queued job, in
// queue order, gets a reservation at the earliest time the GPU-count profile
// admits it for its requested walltime, without moving any earlier
// reservation; a job whose reservation is now starts now. The profile counts
// GPUs, not nodes: on multi-GPU nodes a job reserved for now may still not be
// placeable (fragmentation); it then keeps its reservation and waits.
void ConservativeBackfill::schedule(Plan& plan) const {
  Profile profile(plan);
  std::uint64_t considered = 0;
  for (const QueueEntry& e : plan.queue()) {
    if (max_reservations_ != 0 && considered++ >= max_reservations_) break;
    // A job its tenant's quota holds gets no reservation (it could not use one).
    if (plan.held_by_quota(e)) continue;
    const Job& job = plan.job(e.job);
    // Planned with its restart overhead and checkpoint writes (ClusterState::planned_length).
    const Seconds length = plan.state().planned_length(job);
    const Seconds t = profile.earliest(job.gpus, length);
    if (!std::isfinite(t)) {  // more GPUs than are online, or up (nodes down after failures)
      plan.hold(e, plan.unfit_reason(job));
      continue;
    }
    profile.reserve(t, length, job.gpus);
    if (t == plan.now()) plan.try_start(e, ConservativeBackfill::kReservationNow);
    else plan.hold(e, job.gpus <= plan.pool().free_gpus() ? WaitReason::kReservation : plan.unfit_reason(job));
  }
}

}  // namespace gpufleet::policies
