#include "sim/cluster_sim.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/plan.hpp"

namespace gpufleet {

ClusterSim::ClusterSim(const Scenario& scenario, std::uint32_t cluster_index)
    : scenario_(scenario),
      policies_(scenario.clusters[cluster_index].scheduling),
      horizon_(scenario.horizon_s.value_or(kNever)),
      state_(
          NodePool(scenario.clusters[cluster_index].nodes, scenario.clusters[cluster_index].gpus_per_node,
                   scenario.clusters[cluster_index].rack_nodes, scenario.clusters[cluster_index].online_nodes_at_start),
          StateSetup{scenario.clusters[cluster_index].scheduling.backfill->indexes(),
                     QuotaBook(scenario.clusters[cluster_index].quotas.tenants),
                     scenario.clusters[cluster_index].quotas.queueing,
                     scenario.clusters[cluster_index].scheduling.queue->usage_half_life(),
                     scenario.clusters[cluster_index].scheduling.queue->keying() == QueueOrder::Keying::kByTenant,
                     static_cast<std::uint32_t>(scenario.tenants.size())}),
      empty_pool_(scenario.clusters[cluster_index].nodes, scenario.clusters[cluster_index].gpus_per_node,
                  scenario.clusters[cluster_index].rack_nodes) {
  for (const TenantSpec& t : scenario.tenants) tenant_weights_.push_back(t.weight);
  for (std::uint32_t w = 0; w < scenario.workloads.size(); ++w) {
    if (scenario.workloads[w].cluster != cluster_index) continue;
    const JobSourceContext context{scenario.seed, horizon_,
                                   scenario.gpu_models[scenario.clusters[cluster_index].gpu_model].relative_speed};
    sources_.push_back(make_job_source(scenario.workloads[w], w, context));
    pending_.emplace_back();
    pull_arrival(static_cast<std::uint32_t>(sources_.size() - 1));
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

void ClusterSim::push(Seconds t, Kind kind, std::uint32_t ref) {
  events_queue_.push(Event{t, (static_cast<std::uint64_t>(kind) << 62) | seq_++, ref});
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

void ClusterSim::admit(Job job) {
  if (job.reject_reason == RejectReason::kNone) {
    if (job.gpus == 0) job.reject_reason = RejectReason::kNoGpus;
    else if (job.gpus > empty_pool_.capacity_gpus()) job.reject_reason = RejectReason::kTooLarge;
    else {
      auto [it, fresh] = never_fits_.try_emplace(job.gpus, false);
      if (fresh) it->second = policies_.placement->place(empty_pool_, job).outcome == PlaceOutcome::kNever;
      if (it->second) job.reject_reason = RejectReason::kPlacementNever;
    }
  }
  if (job.reject_reason == RejectReason::kNone && state_.quotas().enabled()) {
    const QuotaBook& quotas = state_.quotas();
    const std::uint32_t slot = quotas.slot(job.tenant);
    GPUFLEET_CHECK(slot != QuotaBook::kNoSlot,
                   "every job on a cluster with quotas has a quota there (the loader checks)");
    const QuotaVerdict ever = quotas.ever(slot, job.gpus);
    if (ever == QuotaVerdict::kOverQuota) job.reject_reason = RejectReason::kOverQuota;
    else if (ever == QuotaVerdict::kCohortExhausted) job.reject_reason = RejectReason::kOverCohort;
  }
  const bool rejected = job.reject_reason != RejectReason::kNone;
  if (rejected) job.state = JobState::kRejected;
  if (rejected && observer_) observer_->on_reject(job.submit, job);
  if (rejected) {
    state_.add_job(std::move(job));
    return;
  }
  QueueKey key = policies_.queue->key(job, QueueContext{job.submit, state_, tenant_weights_});
  if (policies_.queue->keying() == QueueOrder::Keying::kByTenant) key = {state_.tenant_rank(job.tenant), key.primary};
  const std::uint32_t index = state_.add_job(std::move(job));
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
  state_.remove_running(index);
  state_.pool().release(job.alloc);
  std::vector<NodeSlice>().swap(job.alloc);
  job.state = JobState::kCompleted;
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
    return 0;
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
  for (const StartDecision& d : plan.decisions()) {
    state_.dequeue(d.entry);
    push(now + state_.job(d.entry.job).runtime, Kind::kCompletion, d.entry.job);
    if (observer_) observer_->on_start(now, state_.job(d.entry.job), d.reason.label);
  }
  return plan.decisions().size();
}

void ClusterSim::sample(Seconds t) {
  const NodePool& pool = state_.pool();
  const TimeseriesRow row{t, pool.capacity_gpus(), pool.capacity_gpus() - pool.free_gpus(), state_.queue().size(),
                          state_.running_count()};
  // A later visit to the same instant (nodes coming online) replaces its sample.
  if (!samples_.empty() && samples_.back().t == t) samples_.back() = row;
  else samples_.push_back(row);
}

void ClusterSim::integrate_to(Seconds t) {
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
        complete(e.ref, t);
      } else if (e.kind() == Kind::kCapacity) {
        state_.pool().bring_online(e.ref);
        note_online(t);
      } else {
        admit(std::move(pending_[e.ref]));
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
  for (Job& j : state_.jobs())
    if (j.state == JobState::kQueued) j.wait_reason = state_.held_at(j, state_.pass());
  ClusterResult cr;
  cr.events = events_processed();
  cr.scheduling_passes = scheduling_passes();
  cr.trace_records_after_horizon = trace_records_after_horizon();
  cr.timeseries = std::move(samples_);
  cr.jobs = std::move(state_.jobs());
  cr.start_labels = state_.start_labels();
  cr.busy_gpu_s = busy_gpu_seconds_until(end);
  cr.online_gpu_s = online_gpu_seconds_until(end);
  cr.online_90pct = online_90pct_;
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
  GPUFLEET_CHECK(held + state_.pool().free_gpus() == state_.pool().capacity_gpus(),
                 "every GPU is free or held by one running job");
  const NodePool& pool = state_.pool();
  for (std::uint32_t n = 0; n < per_node.size(); ++n) {
    const std::uint32_t size = n < pool.online_nodes() ? pool.gpus_per_node() : 0;
    GPUFLEET_CHECK(per_node[n] + pool.free(n) == size,
                   "every node's GPUs are free or held once; offline nodes hold none");
  }
  GPUFLEET_CHECK(queued == state_.queue().size() && running == state_.running_count(),
                 "every job is in exactly one state");
}

}  // namespace gpufleet
