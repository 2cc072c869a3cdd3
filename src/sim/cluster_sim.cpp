#include "sim/cluster_sim.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/plan.hpp"

namespace gpufleet {
namespace {

constexpr std::uint32_t kNoJob = 0xFFFFFFFFu;

std::vector<RunCosts> run_costs(const Scenario& sc) {
  std::vector<RunCosts> out;
  for (const WorkloadSpec& w : sc.workloads)
    out.push_back(
        RunCosts{w.checkpoint_interval_s, w.checkpoint_write_s, w.restart_overhead_s, w.checkpoint_young_daly});
  return out;
}

// Each node's failure rate, per second of up time (0: the model does not fail).
double node_failure_rate(const Scenario& sc, std::uint32_t cluster) {
  const ClusterSpec& c = sc.clusters[cluster];
  return sc.gpu_models[c.gpu_model].failures.rate_per_gpu_hour * c.gpus_per_node / 3600.0;
}

}  // namespace

ClusterSim::ClusterSim(const Scenario& scenario, std::uint32_t cluster_index)
    : scenario_(scenario),
      policies_(scenario.clusters[cluster_index].scheduling),
      preemption_(scenario.clusters[cluster_index].quotas.preemption),
      horizon_(scenario.horizon_s.value_or(kNever)),
      state_(
          NodePool(scenario.clusters[cluster_index].nodes, scenario.clusters[cluster_index].gpus_per_node,
                   scenario.clusters[cluster_index].rack_nodes, scenario.clusters[cluster_index].online_nodes_at_start),
          StateSetup{scenario.clusters[cluster_index].scheduling.backfill->indexes(),
                     QuotaBook(scenario.clusters[cluster_index].quotas.tenants),
                     scenario.clusters[cluster_index].quotas.queueing,
                     scenario.clusters[cluster_index].scheduling.queue->usage_half_life(),
                     scenario.clusters[cluster_index].scheduling.queue->keying() == QueueOrder::Keying::kByTenant,
                     static_cast<std::uint32_t>(scenario.tenants.size()), run_costs(scenario),
                     node_failure_rate(scenario, cluster_index)}),
      empty_pool_(scenario.clusters[cluster_index].nodes, scenario.clusters[cluster_index].gpus_per_node,
                  scenario.clusters[cluster_index].rack_nodes) {
  cluster_ = cluster_index;
  for (const TenantSpec& t : scenario.tenants) tenant_weights_.push_back(t.weight);
  if (preemption_.enabled()) running_of_slot_.resize(state_.quotas().slots());
  for (std::uint32_t w = 0; w < scenario.workloads.size(); ++w) {
    // A federated workload's jobs come through the national queue (deliver()), not from here.
    if (scenario.workloads[w].cluster != cluster_index || scenario.workloads[w].federated) continue;
    const JobSourceContext context{scenario.seed, horizon_,
                                   scenario.gpu_models[scenario.clusters[cluster_index].gpu_model].relative_speed};
    sources_.push_back(make_job_source(scenario.workloads[w], w, context));
    pending_.emplace_back();
    thinning_.emplace_back();
    if (scenario.workloads[w].thinned()) thinning_.back().emplace(scenario.workloads[w], scenario.seed);
    pull_arrival(static_cast<std::uint32_t>(sources_.size() - 1));
  }
  const ClusterSpec& spec = scenario.clusters[cluster_index];
  failures_.by_class.assign(scenario.gpu_models[spec.gpu_model].failures.classes.size(), 0);
  if (const FailureSpec& f = scenario.gpu_models[spec.gpu_model].failures; f.enabled() || !spec.failure_trace.empty()) {
    failure_ = &f;
    repair_ = spec.repair;
    spares_ = repair_.spare_nodes;
    node_mean_ttf_s_ = f.enabled() ? 1.0 / node_failure_rate(scenario, cluster_index) : 0.0;
    node_epoch_.assign(spec.nodes, 0);
    node_state_.assign(spec.nodes, NodeState::kUp);
    on_node_.resize(spec.nodes);
    own_ticket_.assign(spec.nodes, kNoJob);
    // Streams of their own: failures never move a workload's draws.
    ttf_rng_.emplace(scenario.seed, "failures/" + spec.id + "/time");
    class_rng_.emplace(scenario.seed, "failures/" + spec.id + "/class");
    repair_rng_.emplace(scenario.seed, "failures/" + spec.id + "/repair");
    if (f.domain_share > 0) domain_rng_.emplace(scenario.seed, "failures/" + spec.id + "/domain");
    if (f.systematic) {
      // Which nodes are bad: each with probability node_share, from a stream of its own.
      Rng bad(scenario.seed, "failures/" + spec.id + "/systematic");
      node_factor_.assign(spec.nodes, 1.0);
      node_failures_.assign(spec.nodes, 0);
      for (double& factor : node_factor_)
        if (bad.uniform01() < f.systematic->node_share) factor = f.systematic->factor, ++failures_.systematic_nodes;
    }
    for (std::uint32_t n = 0; n < state_.pool().online_nodes(); ++n) schedule_failure(n, 0.0);
    for (std::uint32_t i = 0; i < spec.failure_trace.size(); ++i)
      push(spec.failure_trace[i].at_s, Kind::kFailure, spec.failure_trace[i].node, kTraced | i);
  }
  push(0.0, Kind::kSample, 0);
  note_online(0.0);
}

void ClusterSim::note_online(Seconds t) {
  // "Steady": at least 90 % of the cluster's nodes online (docs/outputs.md, ramp and steady waits).
  const NodePool& pool = state_.pool();
  if (!online_90pct_ && std::uint64_t{pool.online_nodes()} * 10 >= std::uint64_t{pool.node_count()} * 9)
    online_90pct_ = t;
}

void ClusterSim::push(Seconds t, Kind kind, std::uint32_t ref, std::uint32_t run) {
  events_queue_.push(Event{t, (static_cast<std::uint64_t>(kind) << 61) | seq_++, ref, run});
  if (kind != Kind::kSample) ++non_sample_events_;
}

void ClusterSim::pull_arrival(std::uint32_t source) {
  if (auto job = sources_[source]->next()) {
    pending_[source] = std::move(*job);
    push(pending_[source].submit, Kind::kArrival, source);
  }
}

Seconds ClusterSim::next_event_time() const {
  if (events_queue_.empty()) return kNever;
  const Seconds t = events_queue_.top().t;
  return t <= horizon_ ? t : kNever;
}

RejectReason ClusterSim::never_admits(const Job& job) {
  if (job.reject_reason != RejectReason::kNone) return job.reject_reason;
  if (job.gpus == 0) return RejectReason::kNoGpus;
  if (job.gpus > empty_pool_.capacity_gpus()) return RejectReason::kTooLarge;
  auto [it, fresh] = never_fits_.try_emplace(job.gpus, false);
  if (fresh) it->second = policies_.placement->place(empty_pool_, job).outcome == PlaceOutcome::kNever;
  if (it->second) return RejectReason::kPlacementNever;
  const QuotaBook& quotas = state_.quotas();
  if (!quotas.enabled()) return RejectReason::kNone;
  const std::uint32_t slot = quotas.slot(job.tenant);
  // A federated job may be offered to a member where its tenant has no quota: never there.
  if (slot == QuotaBook::kNoSlot) return RejectReason::kOverQuota;
  const QuotaVerdict ever = quotas.ever(slot, job.gpus);
  if (ever == QuotaVerdict::kOverQuota) return RejectReason::kOverQuota;
  if (ever == QuotaVerdict::kCohortExhausted) return RejectReason::kOverCohort;
  return RejectReason::kNone;
}

double ClusterSim::online_share() const {
  return static_cast<double>(state_.pool().capacity_gpus()) / static_cast<double>(empty_pool_.capacity_gpus());
}

MemberView ClusterSim::member_view(const Job& job) {
  MemberView v;
  v.admissible = never_admits(job) == RejectReason::kNone;
  v.online_gpus = state_.pool().capacity_gpus();
  v.free_gpus = state_.pool().free_gpus();
  v.queued_gpus = state_.queued_gpus();
  const QuotaBook& quotas = state_.quotas();
  if (quotas.enabled()) {
    const std::uint32_t slot = quotas.slot(job.tenant);
    v.quota_headroom_gpus = slot == QuotaBook::kNoSlot ? 0 : quotas.headroom(slot);
  }
  return v;
}

void ClusterSim::deliver(Seconds t, Job job) {
  GPUFLEET_CHECK(t >= last_time_, "a job is delivered at or after the last instant processed");
  inbox_.push_back(std::move(job));
  push(t, Kind::kArrival, kInbox);
}

void ClusterSim::admit(Job job, Seconds now) {
  GPUFLEET_CHECK(job.reject_reason != RejectReason::kNone || !state_.quotas().enabled() ||
                     scenario_.workloads[job.workload].federated ||
                     state_.quotas().slot(job.tenant) != QuotaBook::kNoSlot,
                 "every job on a cluster with quotas has a quota there (the loader checks; a federated job may not)");
  job.reject_reason = never_admits(job);
  const bool rejected = job.reject_reason != RejectReason::kNone;
  if (rejected) job.state = JobState::kRejected;
  if (rejected && observer_) observer_->on_reject(now, job);
  if (rejected) {
    state_.add_job(std::move(job));
    return;
  }
  enqueue(state_.add_job(std::move(job)), now);
}

// A job joins its queue at `now`: on arrival, or again after a preemption (with the key its queue
// order gives it then; fcfs: its submit time, so it goes back ahead of later arrivals).
void ClusterSim::enqueue(std::uint32_t index, Seconds now, bool front) {
  const Job& job = state_.job(index);
  QueueKey key = policies_.queue->key(job, QueueContext{now, state_, tenant_weights_});
  // The front: ahead of every job the queue order placed (among such jobs, by the order's key).
  // An order that recomputes keys at every pass (Keying::kEveryPass) places it again then.
  if (front) key = {-std::numeric_limits<double>::infinity(), key.primary};
  if (policies_.queue->keying() == QueueOrder::Keying::kByTenant)
    key = {state_.tenant_rank(job.tenant), front ? -std::numeric_limits<double>::infinity() : key.primary};
  state_.enqueue(index, key);
}

// Keying::kByTenant: the tenants with queued jobs ranked by their key (equal keys, equal ranks).
void ClusterSim::rank_tenants(Seconds now) {
  const QueueContext context{now, state_, tenant_weights_};
  tenant_order_.clear();
  tenant_keys_.assign(tenant_weights_.size(), 0.0);
  policies_.queue->tenant_keys(context, tenant_keys_);
  GPUFLEET_CHECK(tenant_keys_.size() == tenant_weights_.size(), "a queue order gives one key per tenant");
  for (std::uint32_t t = 0; t < tenant_weights_.size(); ++t) {
    if (state_.tenant_queued(t) == 0) continue;
    GPUFLEET_CHECK(!std::isnan(tenant_keys_[t]), "a queue order's tenant key is a number, never NaN");
    tenant_order_.emplace_back(tenant_keys_[t], t);
  }
  std::sort(tenant_order_.begin(), tenant_order_.end());
  ranks_.resize(tenant_weights_.size());
  for (std::uint32_t t = 0; t < tenant_weights_.size(); ++t) ranks_[t] = state_.tenant_rank(t);  // idle: unchanged
  // Levels: runs of tenants with equal keys, which must share one rank. Ranks only need to
  // increase from level to level, so the levels that already increase, the heaviest such chain
  // (by queued jobs), keep their ranks and only the others get new ones: when one tenant changes
  // place, only its jobs move, not those of every tenant it passed.
  levels_.clear();
  for (std::size_t i = 0; i < tenant_order_.size(); ++i) {
    const std::uint32_t t = tenant_order_[i].second;
    if (i == 0 || tenant_order_[i].first != tenant_order_[i - 1].first) levels_.push_back({i, i, 0, ranks_[t], false});
    Level& l = levels_.back();
    l.last = i;
    l.weight += static_cast<double>(state_.tenant_queued(t));
    if (ranks_[t] != l.rank) l.rank = std::numeric_limits<double>::quiet_NaN();  // members differ: relabel
  }
  const std::size_t n = levels_.size();
  chain_.assign(n, 0);
  prev_.assign(n, -1);
  std::ptrdiff_t best = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(levels_[i].rank)) continue;
    chain_[i] = levels_[i].weight;
    for (std::size_t j = 0; j < i; ++j)
      if (!std::isnan(levels_[j].rank) && levels_[j].rank < levels_[i].rank &&
          chain_[j] + levels_[i].weight > chain_[i])
        chain_[i] = chain_[j] + levels_[i].weight, prev_[i] = static_cast<std::ptrdiff_t>(j);
    if (best < 0 || chain_[i] > chain_[static_cast<std::size_t>(best)]) best = static_cast<std::ptrdiff_t>(i);
  }
  for (Level& l : levels_) l.keep = false;
  for (std::ptrdiff_t i = best; i >= 0; i = prev_[static_cast<std::size_t>(i)])
    levels_[static_cast<std::size_t>(i)].keep = true;
  // The others, spread evenly between their kept neighbours (or past the ends, one apart).
  bool ok = true;
  for (std::size_t i = 0; i < n;) {
    if (levels_[i].keep) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && !levels_[j].keep) ++j;
    const double lo = i > 0 ? levels_[i - 1].rank : -INFINITY, hi = j < n ? levels_[j].rank : INFINITY;
    for (std::size_t k = i; k < j; ++k) {
      const double step = static_cast<double>(k - i + 1);
      double r = 0;
      if (std::isinf(lo) && std::isinf(hi)) r = step;
      else if (std::isinf(lo)) r = hi - static_cast<double>(j - k);
      else if (std::isinf(hi)) r = lo + step;
      else r = lo + (hi - lo) * step / static_cast<double>(j - i + 1);
      levels_[k].rank = r;
    }
    i = j;
  }
  for (std::size_t i = 1; i < n; ++i) ok = ok && levels_[i - 1].rank < levels_[i].rank;
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok) levels_[i].rank = static_cast<double>(i);  // gaps exhausted (or none kept): dense ranks
    for (std::size_t k = levels_[i].first; k <= levels_[i].last; ++k) ranks_[tenant_order_[k].second] = levels_[i].rank;
  }
  state_.set_tenant_ranks(ranks_);
}

void ClusterSim::complete(std::uint32_t index, Seconds t) {
  Job& job = state_.job(index);
  GPUFLEET_CHECK(job.state == JobState::kRunning, "only a running job completes");
  job.end = t;
  if (failure_) off_nodes(index);
  state_.remove_running(index, t);
  state_.pool().release(job.alloc);
  std::vector<NodeSlice>().swap(job.alloc);
  job.state = JobState::kCompleted;
  const Seconds left = job.runtime - (job.held_s - job.lost_s);
  const Seconds restart = state_.run_overhead(job), writes = state_.write_time(job, left);
  if (restart > 0 || writes > 0 || job.restarts() > 0) {
    // Its last run began with a restart overhead and wrote checkpoints on the way.
    job.lost_s += restart + writes;
    failures_.restart_gpu_s += job.gpus * restart;
    failures_.checkpoint_gpu_s += job.gpus * writes;
    // Its runs held the GPUs for the work once plus what was lost.
    // (To rounding: each run's end - start is exact only to the spacing of doubles near its end.)
    const double held = job.held_s + (job.end - job.start), want = job.runtime + job.lost_s;
    GPUFLEET_CHECK(std::abs(held - want) <= 1e-9 * std::max({1.0, want, job.end}) * (1 + job.restarts()),
                   "a restarted or checkpointing job's runs held its GPUs for its work plus what it lost");
  }
  if (!running_of_slot_.empty()) running_of_slot_[state_.quotas().slot(job.tenant)].erase(index);
}

// A pass with no GPU free starts nothing and runs no policy; every job waits for free GPUs except
// those the pass would have found over their tenant's own limit (docs/scheduling.md, "Why a job
// waits"): the tenant's head, or under best-effort FIFO each of its jobs, as a policy pass sees them.
void ClusterSim::note_quota_holds() {
  const QuotaBook& quotas = state_.quotas();
  if (!quotas.enabled()) return;
  const bool best_effort = state_.tenant_queueing() == TenantQueueing::kBestEffortFifo;
  for (std::uint32_t slot = 0; slot < quotas.slots(); ++slot) {
    for (const QueueEntry& e : state_.tenant_queues()[slot]) {
      if (quotas.check(slot, state_.job(e.job).gpus) == QuotaVerdict::kOverQuota)
        state_.note_wait(e.job, WaitReason::kQuota);
      if (!best_effort) break;
    }
  }
}

std::size_t ClusterSim::schedule(Seconds now) {
  if (state_.queue().empty()) return 0;
  const bool nothing_free = state_.pool().free_gpus() == 0;
  state_.begin_pass(nothing_free ? WaitReason::kNoFreeGpus : WaitReason::kNone);
  if (nothing_free) {
    note_quota_holds();
    return preemption_.enabled() ? preempt(now) : 0;
  }
  ++passes_;
  const QueueOrder::Keying keying = policies_.queue->keying();
  if (keying != QueueOrder::Keying::kOnArrival) {
    const bool due = !keyed_at_ || now >= *keyed_at_ + policies_.queue->recompute_period();
    if (keying == QueueOrder::Keying::kEveryPass && due) {
      const QueueContext context{now, state_, tenant_weights_};
      state_.rekey([&](const Job& j) { return policies_.queue->key(j, context); });
      keyed_at_ = now;
    } else if (keying == QueueOrder::Keying::kByTenant && (due || state_.tenant_joined())) {
      rank_tenants(now);
      if (due) keyed_at_ = now;
    }
  }
  Plan plan(state_, *policies_.placement, now);
  policies_.backfill->schedule(plan);
  for (const StartDecision& d : plan.decisions()) commit(d, now);
  const std::size_t started = plan.decisions().size();
  return preemption_.enabled() ? started + preempt(now) : started;
}

void ClusterSim::commit(const StartDecision& d, Seconds now) {
  state_.dequeue(d.entry);
  const Job& job = state_.job(d.entry.job);
  push(now + state_.run_length(job), Kind::kCompletion, d.entry.job, job.restarts());
  if (failure_) place_on_nodes(d.entry.job);
  if (!running_of_slot_.empty()) running_of_slot_[state_.quotas().slot(job.tenant)].insert(d.entry.job);
  if (observer_) observer_->on_start(now, job, d.reason.label);
}

// Preemption (docs/scheduling.md, "Preemption", after Kueue's ClusterQueue preemption): each
// tenant's queue head that is still queued after the pass, in order of priority (higher first),
// submit time and job id, may preempt running jobs when (1) starting it would keep its tenant
// within its nominal quota once the preempted jobs of its own tenant are gone, and (2) the quota
// or the hardware holds it now. Candidates (preemption_candidates) are taken off one at a time,
// in order, until the head fits (quota and placement); then, from the last but one back to the
// first, each one whose return would still let the head fit is put back. If the head never fits,
// everything is put back. The head starts on the freed GPUs; the preempted jobs are queued again.
std::size_t ClusterSim::preempt(Seconds now) {
  const QuotaBook& quotas = state_.quotas();
  std::vector<QueueEntry>& heads = heads_;
  heads.clear();
  for (std::uint32_t slot = 0; slot < quotas.slots(); ++slot)
    if (!state_.tenant_queues()[slot].empty()) heads.push_back(*state_.tenant_queues()[slot].begin());
  if (heads.empty()) return 0;
  std::sort(heads.begin(), heads.end(), [&](const QueueEntry& a, const QueueEntry& b) {
    const Job &x = state_.job(a.job), &y = state_.job(b.job);
    if (x.priority != y.priority) return x.priority > y.priority;
    if (x.submit != y.submit) return x.submit < y.submit;
    return x.id != y.id ? x.id < y.id : a.job < b.job;
  });
  std::size_t started = 0;
  for (const QueueEntry& head : heads) {
    const Job& h = state_.job(head.job);
    const std::uint32_t slot = quotas.slot(h.tenant);
    const TenantQuota& q = quotas.quota(slot);
    if (h.gpus > state_.pool().capacity_gpus()) continue;  // not online: nothing to free
    if (head_fits(head, slot)) continue;                   // held by something else (a reservation)
    const bool within = quotas.usage(slot) + h.gpus <= q.nominal_gpus;
    if (!within && !preemption_.within_tenant) continue;  // it would borrow: it may not reclaim
    preemption_candidates(slot, h.priority);
    if (candidates_.empty()) continue;
    lifted_.clear();
    bool fits = false;
    for (const Candidate& c : candidates_) {
      const std::uint32_t owner = quotas.slot(state_.job(c.job).tenant);
      // A lender takes back only what is borrowed: a tenant no longer above its nominal keeps the rest.
      if (c.borrowed && quotas.usage(owner) <= quotas.quota(owner).nominal_gpus) continue;
      lift(c.job, now);
      lifted_.push_back(c.job);
      if ((fits = quotas.usage(slot) + h.gpus <= q.nominal_gpus && head_fits(head, slot))) break;
    }
    if (!fits) {
      for (auto it = lifted_.rbegin(); it != lifted_.rend(); ++it) restore(*it);
      continue;
    }
    // The fewest needed: from the last but one back, keep running what the head can do without.
    for (std::size_t k = lifted_.size() - 1; k-- > 0;) {
      restore(lifted_[k]);
      if (quotas.usage(slot) + h.gpus <= q.nominal_gpus && head_fits(head, slot)) lifted_[k] = kNoJob;
      else lift(lifted_[k], now);
    }
    bool reclaimed = false;
    for (std::uint32_t v : lifted_) {
      if (v == kNoJob) continue;
      reclaimed = reclaimed || state_.job(v).tenant != h.tenant;
      requeue_preempted(v, now);
      if (observer_) observer_->on_preempt(now, state_.job(v), h);
    }
    static constexpr StartReason kReclaim{StartKind::kInOrder, "reclaim"};
    static constexpr StartReason kPreemptLower{StartKind::kInOrder, "preempt_lower_priority"};
    Plan plan(state_, *policies_.placement, now);
    const Placement p = plan.preview(head);
    GPUFLEET_CHECK(p.outcome == PlaceOutcome::kFits, "a head that preempted fits on the GPUs it freed");
    plan.start(head, p, reclaimed ? kReclaim : kPreemptLower);
    for (const StartDecision& d : plan.decisions()) commit(d, now);
    ++started;
  }
  return started;
}

bool ClusterSim::head_fits(const QueueEntry& head, std::uint32_t slot) const {
  const Job& h = state_.job(head.job);
  if (state_.quotas().check(slot, h.gpus) != QuotaVerdict::kAdmit) return false;
  if (h.gpus > state_.pool().free_gpus()) return false;
  return policies_.placement->place(state_.pool(), h).outcome == PlaceOutcome::kFits;
}

// In the order Kueue documents for its candidates: jobs of borrowing cohort members first, then
// lower priority first, then the most recently started first (it loses the least work), then the
// later admitted job.
void ClusterSim::preemption_candidates(std::uint32_t slot, std::int32_t priority) {
  candidates_.clear();
  const QuotaBook& quotas = state_.quotas();
  const TenantQuota& q = quotas.quota(slot);
  const auto add = [&](std::uint32_t s, bool borrowed, bool lower_only) {
    for (std::uint32_t j : running_of_slot_[s]) {
      const Job& job = state_.job(j);
      if (lower_only && job.priority >= priority) continue;
      candidates_.push_back(Candidate{borrowed, job.priority, job.start, j});
    }
  };
  if (preemption_.reclaim_within_cohort != PreemptionSpec::Reclaim::kNever && q.cohort >= 0) {
    const bool lower_only = preemption_.reclaim_within_cohort == PreemptionSpec::Reclaim::kLowerPriority;
    for (std::uint32_t s = 0; s < quotas.slots(); ++s)
      if (s != slot && quotas.quota(s).cohort == q.cohort && quotas.usage(s) > quotas.quota(s).nominal_gpus)
        add(s, true, lower_only);
  }
  if (preemption_.within_tenant) add(slot, false, true);
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    if (a.borrowed != b.borrowed) return a.borrowed;
    if (a.priority != b.priority) return a.priority < b.priority;
    if (a.start != b.start) return a.start > b.start;
    return a.job > b.job;
  });
}

void ClusterSim::lift(std::uint32_t index, Seconds now) {
  Job& job = state_.job(index);
  GPUFLEET_CHECK(job.state == JobState::kRunning, "only a running job is preempted");
  state_.remove_running(index, now);
  state_.pool().release(job.alloc);
}

void ClusterSim::restore(std::uint32_t index) {
  const Job& job = state_.job(index);
  state_.pool().allocate(job.alloc);
  state_.add_running(index);
}

void ClusterSim::end_run(std::uint32_t index, Seconds now) {
  Job& job = state_.job(index);
  const ClusterState::RunSplit split = state_.split_run(job, now);
  const Seconds elapsed = now - job.start;
  const Seconds lost = elapsed - split.saved;  // the restart, the writes and the work since the last checkpoint
  failures_.restart_gpu_s += job.gpus * split.restart;
  failures_.checkpoint_gpu_s += job.gpus * split.writes;
  failures_.redone_gpu_s += job.gpus * (lost - split.restart - split.writes);
  preempted_runs_.push_back(PreemptedRun{index, job.start, now});
  job.held_s += elapsed;
  job.lost_s += lost;
  if (failure_) off_nodes(index);
  std::vector<NodeSlice>().swap(job.alloc);
  if (!running_of_slot_.empty()) running_of_slot_[state_.quotas().slot(job.tenant)].erase(index);
}

void ClusterSim::requeue_preempted(std::uint32_t index, Seconds now) {
  end_run(index, now);
  Job& job = state_.job(index);
  ++job.preemptions;
  job.state = JobState::kQueued;
  enqueue(index, now);
}

// A failure on one of the job's nodes ends its run: it keeps its checkpointed work and is queued
// again (at the front of its queue unless its workload says otherwise), or fails when it has
// been interrupted more often than its workload's max_retries.
void ClusterSim::interrupt(std::uint32_t index, Seconds now) {
  Job& job = state_.job(index);
  GPUFLEET_CHECK(job.state == JobState::kRunning, "only a running job is interrupted");
  state_.remove_running(index, now);
  state_.pool().release(job.alloc);
  end_run(index, now);
  ++job.interruptions;
  ++failures_.interruptions;
  const WorkloadSpec& w = scenario_.workloads[job.workload];
  if (w.max_retries && job.interruptions > *w.max_retries) {
    // Its work is lost: none of it led to a result.
    failures_.failed_job_gpu_s += job.gpus * (job.held_s - job.lost_s);
    job.lost_s = job.held_s;
    job.state = JobState::kFailed;
    job.end = now;
    ++failures_.jobs_failed;
  } else {
    job.state = JobState::kQueued;
    enqueue(index, now, w.requeue_front);
  }
  if (observer_) observer_->on_interrupt(now, job);
}

void ClusterSim::place_on_nodes(std::uint32_t index) {
  for (const NodeSlice& s : state_.job(index).alloc) on_node_[s.node].push_back(index);
}

void ClusterSim::off_nodes(std::uint32_t index) {
  for (const NodeSlice& s : state_.job(index).alloc) {
    auto& jobs = on_node_[s.node];
    const auto it = std::find(jobs.begin(), jobs.end(), index);
    GPUFLEET_CHECK(it != jobs.end(), "a running job is listed on each of its nodes");
    jobs.erase(it);  // keeps the others in start order (at most one per GPU of the node)
  }
}

void ClusterSim::schedule_failure(std::uint32_t node, Seconds now) {
  if (!failure_->enabled()) return;  // only traced failures
  // Weibull(shape k) with the model's mean time to failure: scale * E^(1/k), E ~ Exp(1).
  const double e = -std::log(ttf_rng_->uniform01_open_low());
  const double k = failure_->weibull_shape;
  const double mean = node_factor_.empty() ? node_mean_ttf_s_ : node_mean_ttf_s_ / node_factor_[node];
  const double ttf = k == 1 ? mean * e : mean / std::tgamma(1 + 1 / k) * std::pow(e, 1 / k);
  // A time to failure too short to move the clock (at most one failure per node and instant).
  const Seconds at = now + ttf > now ? now + ttf : std::nextafter(now, std::numeric_limits<Seconds>::infinity());
  push(at, Kind::kFailure, node, node_epoch_[node]);
}

void ClusterSim::fail_node(std::uint32_t node, std::uint32_t run, Seconds now) {
  const TracedFailure* traced = (run & kTraced) ? &scenario_.clusters[cluster_].failure_trace[run & ~kTraced] : nullptr;
  // A drawn failure of a node that has failed since its clock was set is stale; a traced failure
  // of a node that is not up (not yet online, or down) is skipped.
  if (!traced && run != node_epoch_[node]) return;
  if (traced && (node >= state_.pool().online_nodes() || node_state_[node] != NodeState::kUp)) return;
  GPUFLEET_CHECK(node_state_[node] == NodeState::kUp && !state_.pool().is_down(node), "a node that fails is up");
  const std::vector<FailureClassSpec>& classes = failure_->classes;
  std::size_t c = 0;
  if (traced) {
    c = traced->cls;
  } else {
    const double u = class_rng_->uniform01();
    for (double cum = classes[0].share; c + 1 < classes.size() && u >= cum; cum += classes[++c].share) {}
  }
  // How it recovers: automatically (a reboot), or by a technician's repair.
  const FailureClassSpec& cls = classes[c];
  const bool automatic = traced ? traced->automatic : repair_rng_->uniform01() < cls.auto_share;
  const Seconds duration = traced ? traced->duration_s : (automatic ? cls.auto_s : cls.manual_s).sample(*repair_rng_);
  // A drawn failure may take down the node's whole rack (NVLink domain): every node of the rack
  // that is up fails with it, with the same class and recovery.
  const bool domain = !traced && failure_->domain_share > 0 && domain_rng_->uniform01() < failure_->domain_share;
  if (!domain) {
    take_down(node, c, automatic, duration, now);
    return;
  }
  ++failures_.domain_failures;
  const NodePool& pool = state_.pool();
  const std::uint32_t first = pool.rack_of(node) * pool.rack_nodes();
  const std::uint32_t last = std::min(first + pool.rack_nodes(), pool.online_nodes());
  for (std::uint32_t n = first; n < last; ++n)
    if (node_state_[n] == NodeState::kUp) take_down(n, c, automatic, duration, now);
}

void ClusterSim::take_down(std::uint32_t node, std::size_t cls, bool automatic, Seconds duration, Seconds now) {
  ++node_epoch_[node];
  ++failures_.by_class[cls];
  // Systematic failures: a bad node is found and replaced by a good one once it has failed
  // found_after times (its place then fails at the model's rate).
  if (failure_->systematic && node_factor_[node] != 1 && ++node_failures_[node] >= failure_->systematic->found_after) {
    node_factor_[node] = 1;
    ++failures_.systematic_found;
  }
  if (observer_) observer_->on_node_failure(now, node, failure_->classes[cls].id);
  const std::vector<std::uint32_t> hit = on_node_[node];  // interrupt() edits the list
  for (std::uint32_t j : hit) interrupt(j, now);
  state_.pool().take_down(node);
  // The failed node recovers; meanwhile a ready spare takes its place, else the place waits for
  // it (or for the first spare that is ready).
  const auto ticket = static_cast<std::uint32_t>(tickets_.size());
  tickets_.push_back(Ticket{node, duration, now, automatic});
  ++repairing_;
  if (automatic) {
    ++failures_.automatic;
    push(now + duration, Kind::kRepairDone, ticket);
  } else {
    ++failures_.manual;
    repair_queue_.push_back(ticket);
  }
  if (spares_ > 0) {
    give_spare(node, now);
  } else {
    node_state_[node] = NodeState::kAwaitingRepair;
    own_ticket_[node] = ticket;
    waiting_.push_back(node);
  }
  start_repairs(now);
}

void ClusterSim::give_spare(std::uint32_t node, Seconds now) {
  --spares_;
  ++failures_.spares_used;
  node_state_[node] = NodeState::kSwapping;
  own_ticket_[node] = kNoJob;  // its own node, once recovered, refills the spare pool
  push(now + repair_.swap_s, Kind::kNodeUp, node);
}

void ClusterSim::start_repairs(Seconds now) {
  while (!repair_queue_.empty() && (!repair_.technicians || technicians_busy_ < *repair_.technicians)) {
    const std::uint32_t ticket = repair_queue_.front();
    repair_queue_.pop_front();
    ++technicians_busy_;
    failures_.repair_waits_s.push_back(now - tickets_[ticket].queued_at);
    push(now + tickets_[ticket].duration, Kind::kRepairDone, ticket);
  }
}

void ClusterSim::repair_done(std::uint32_t ticket, Seconds now) {
  if (!tickets_[ticket].automatic) --technicians_busy_;
  --repairing_;
  const std::uint32_t node = tickets_[ticket].node;
  if (node_state_[node] == NodeState::kAwaitingRepair && own_ticket_[node] == ticket) {
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), node));
    own_ticket_[node] = kNoJob;
    node_up(node, now);  // back in its place
  } else {
    ++spares_;  // a recovered node refills the pool, and goes at once to the place waiting longest
    if (!waiting_.empty()) {
      const std::uint32_t first = waiting_.front();
      waiting_.pop_front();
      give_spare(first, now);
    }
  }
  start_repairs(now);
}

void ClusterSim::node_up(std::uint32_t node, Seconds now) {
  GPUFLEET_CHECK(node_state_[node] != NodeState::kUp, "a node that comes back up was down");
  state_.pool().bring_up(node);
  node_state_[node] = NodeState::kUp;
  schedule_failure(node, now);
  if (observer_) observer_->on_node_up(now, node);
}

void ClusterSim::sample(Seconds t) {
  const NodePool& pool = state_.pool();
  const TimeseriesRow row{t,
                          pool.capacity_gpus(),
                          pool.up_gpus() - pool.free_gpus(),
                          state_.queue().size(),
                          state_.running_count(),
                          pool.down_nodes(),
                          repairing_,
                          spares_,
                          failures_.automatic + failures_.manual};
  // A later visit to the same instant (nodes coming online) replaces its sample.
  if (!samples_.empty() && samples_.back().t == t) samples_.back() = row;
  else samples_.push_back(row);
}

void ClusterSim::integrate_to(Seconds t) {
  const NodePool& pool = state_.pool();
  failures_.down_gpu_s += static_cast<double>(pool.capacity_gpus() - pool.up_gpus()) * (t - integrated_to_);
  failures_.up_node_s += static_cast<double>(pool.online_nodes() - pool.down_nodes()) * (t - integrated_to_);
  busy_gpu_s_ += busy_now() * (t - integrated_to_);
  online_gpu_s_ += static_cast<double>(state_.pool().capacity_gpus()) * (t - integrated_to_);
  integrated_to_ = t;
}

void ClusterSim::add_nodes(Seconds t, std::uint32_t nodes) {
  GPUFLEET_CHECK(t >= last_time_, "nodes come online at or after the cluster's present");
  push(t, Kind::kCapacity, nodes);
}

void ClusterSim::advance_to(Seconds t) {
  GPUFLEET_CHECK(t >= last_time_, "simulated time never goes backwards");
  last_time_ = t;
  integrate_to(t);
  bool sample_due = false;
  // Under tenant quotas passes repeat at an instant until one starts nothing (a pass starts at
  // most one job per tenant); zero-length jobs a pass started end before the next.
  const bool repeat_passes = state_.quotas().enabled();
  bool again = false;
  while (again || (!events_queue_.empty() && events_queue_.top().t <= t)) {
    // Everything but samples due now, then one scheduling pass; repeat for zero-length jobs.
    bool any = again;
    again = false;
    while (!events_queue_.empty() && events_queue_.top().t <= t) {
      const Event e = events_queue_.top();
      if (e.kind() == Kind::kSample) {
        // Samples sort last at an instant; hold them until the instant settles.
        if (any) break;
        events_queue_.pop();
        ++events_;
        sample_due = true;
        continue;
      }
      events_queue_.pop();
      ++events_;
      --non_sample_events_;
      any = true;
      if (e.kind() == Kind::kCompletion) {
        // An ended run's completion is stale: the job is queued, in a later run, or failed.
        const Job& job = state_.job(e.ref);
        if (job.restarts() == e.run && job.state == JobState::kRunning) complete(e.ref, t);
      } else if (e.kind() == Kind::kFailure) {
        fail_node(e.ref, e.run, t);
      } else if (e.kind() == Kind::kNodeUp) {
        node_up(e.ref, t);
      } else if (e.kind() == Kind::kRepairDone) {
        repair_done(e.ref, t);
      } else if (e.kind() == Kind::kCapacity) {
        const std::uint32_t before = state_.pool().online_nodes();
        state_.pool().bring_online(e.ref);
        if (failure_)
          for (std::uint32_t n = before; n < state_.pool().online_nodes(); ++n) schedule_failure(n, t);
        note_online(t);
      } else if (e.ref == kInbox) {
        Job job = std::move(inbox_.front());
        inbox_.pop_front();
        admit(std::move(job), t);
      } else if (!thinning_[e.ref]) {
        admit(std::move(pending_[e.ref]), t);
        pull_arrival(e.ref);
      } else if (thinning_[e.ref]->keep(t, online_share())) {
        Job job = std::move(pending_[e.ref]);
        job.id = static_cast<std::int64_t>(thinning_[e.ref]->kept());
        admit(std::move(job), t);
        if (!thinning_[e.ref]->done()) pull_arrival(e.ref);
      } else {
        pull_arrival(e.ref);
      }
    }
    if (any) again = schedule(t) > 0 && repeat_passes;
  }
#ifndef NDEBUG
  // Debug builds also check conservation during the run (every 65,536 events: the check is
  // O(jobs so far), so this keeps the sanitizer suite's long runs affordable).
  if ((events_ >> 16) != checked_at_) {
    checked_at_ = events_ >> 16;
    check_conservation();
  }
#endif
  if (!sample_due && !samples_.empty() && samples_.back().t == t) sample(t);  // revisited instant
  if (sample_due) {
    sample(t);
    const Seconds next = t + scenario_.timeseries_interval_s;
    // Without a horizon, keep sampling only while something else is still to happen.
    if (next <= horizon_ && (horizon_ != kNever || non_sample_events_ > 0)) push(next, Kind::kSample, 0);
  }
}

std::uint64_t ClusterSim::trace_records_after_horizon() const {
  std::uint64_t n = 0;
  for (const auto& s : sources_) n += s->left_after_horizon();
  return n;
}

void ClusterSim::finish(Seconds end) {
  integrate_to(std::max(end, integrated_to_));
  sample(end);
  check_conservation();
}

ClusterResult ClusterSim::take_result(Seconds end) {
  for (Seconds t = next_event_time(); t <= end; t = next_event_time()) advance_to(t);
  finish(end);
  // Jobs still queued: why they were held at the last pass.
  for (Job& j : state_.jobs()) {
    if (j.state == JobState::kQueued)
      j.wait_reason = j.restarts() == 0                           ? state_.held_at(j, state_.pass())
                      : j.interruptions > 0 && j.preemptions == 0 ? WaitReason::kInterrupted
                      : j.preemptions > 0 && j.interruptions == 0 ? WaitReason::kPreempted
                      // Both: the cause of most of its restarts (ties: preempted).
                      : j.interruptions > j.preemptions ? WaitReason::kInterrupted
                                                        : WaitReason::kPreempted;
    // A run still going at the end has spent its restart overhead and its checkpoint writes, or
    // part of them, without progress.
    if (j.state == JobState::kRunning) {
      const ClusterState::RunSplit split = state_.split_run(j, end);
      j.lost_s += split.restart + split.writes;
      failures_.restart_gpu_s += j.gpus * split.restart;
      failures_.checkpoint_gpu_s += j.gpus * split.writes;
    }
  }
  ClusterResult cr;
  cr.events = events_processed();
  cr.scheduling_passes = scheduling_passes();
  cr.trace_records_after_horizon = trace_records_after_horizon();
  cr.timeseries = std::move(samples_);
  cr.jobs = std::move(state_.jobs());
  cr.preempted_runs = std::move(preempted_runs_);
  cr.start_labels = state_.start_labels();
  cr.busy_gpu_s = busy_gpu_seconds_until(end);
  cr.online_gpu_s = online_gpu_seconds_until(end);
  cr.online_90pct = online_90pct_;
  // Every cluster's books (one that never fails has only its checkpoint and restart costs).
  cr.failures = std::move(failures_);
  cr.fails = failure_ != nullptr;
  return cr;
}

void ClusterSim::check_conservation() const {
  // Conservation: every GPU is free or held by exactly one running job, and
  // every job is in exactly one state.
  std::uint64_t held = 0, queued = 0, running = 0;
  std::vector<std::uint32_t> per_node(state_.pool().node_count(), 0);
  for (const Job& j : state_.jobs()) {
    if (j.state == JobState::kQueued) ++queued;
    if (j.state != JobState::kRunning) {
      GPUFLEET_CHECK(j.alloc.empty(), "only running jobs hold GPUs");
      continue;
    }
    ++running;
    for (const NodeSlice& s : j.alloc) {
      held += s.gpus;
      per_node[s.node] += s.gpus;
    }
  }
  const NodePool& pool = state_.pool();
  GPUFLEET_CHECK(held + pool.free_gpus() + (pool.capacity_gpus() - pool.up_gpus()) == pool.capacity_gpus(),
                 "every online GPU is free, held by one running job, or on a node that is down");
  for (std::uint32_t n = 0; n < per_node.size(); ++n) {
    const std::uint32_t size = n < pool.online_nodes() && !pool.is_down(n) ? pool.gpus_per_node() : 0;
    GPUFLEET_CHECK(per_node[n] + pool.free(n) == size,
                   "every node's GPUs are free or held once; offline and down nodes hold none");
  }
  if (failure_) {
    std::uint32_t up = 0, swapping = 0, awaiting = 0;
    for (std::uint32_t n = 0; n < pool.online_nodes(); ++n) {
      const NodeState st = node_state_[n];
      GPUFLEET_CHECK((st == NodeState::kUp) != pool.is_down(n), "a node is down exactly when it is not up");
      up += st == NodeState::kUp;
      swapping += st == NodeState::kSwapping, awaiting += st == NodeState::kAwaitingRepair;
      if (st == NodeState::kUp)
        GPUFLEET_CHECK(on_node_[n].size() <= pool.gpus_per_node(), "a node runs at most one job per GPU");
      else GPUFLEET_CHECK(on_node_[n].empty(), "a node that is down runs no job");
    }
    GPUFLEET_CHECK(awaiting == waiting_.size(), "every node waiting for its repair is in the waiting list");
    // Every node is up in its place, being swapped into one, recovering, or a ready spare (a
    // place waiting for its node holds none).
    GPUFLEET_CHECK(up + swapping + repairing_ + spares_ == pool.online_nodes() + repair_.spare_nodes,
                   "every node is up, being swapped in, recovering, or a ready spare");
  }
  GPUFLEET_CHECK(queued == state_.queue().size() && running == state_.running_count(),
                 "every job is in exactly one state");
}

}  // namespace gpufleet
