#include "gpufleet/cluster_state.hpp"

#include <cmath>
#include <numbers>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

ClusterState::ClusterState(NodePool pool, StateSetup setup)
    : pool_(std::move(pool)),
      indexes_(setup.indexes),
      quotas_(std::move(setup.quotas)),
      queueing_(setup.queueing),
      tenant_queues_(quotas_.slots()),
      tenant_heads_(quotas_.slots()),
      half_life_(setup.usage_half_life),
      by_tenant_(setup.by_tenant),
      by_tenant_queues_(setup.by_tenant ? setup.tenants : 0),
      tenant_rank_(setup.by_tenant ? setup.tenants : 0, 0.0),
      run_costs_(std::move(setup.run_costs)),
      node_failure_rate_per_s_(setup.node_failure_rate_per_s) {
  GPUFLEET_CHECK(half_life_ >= 0, "a usage half-life is >= 0");
}

void ClusterState::move_entry(const QueueEntry& from, const QueueKey& to) {
  const QueueEntry e{to.primary, to.secondary, from.seq, from.job};
  const auto move_in = [&](std::set<QueueEntry>& set) {
    auto node = set.extract(from);
    GPUFLEET_CHECK(!node.empty(), "a re-keyed job is in each of the queue's indexes");
    node.value() = e;
    set.insert(std::move(node));
  };
  move_in(queue_);
  const Job& j = jobs_[from.job];
  if (indexes_.queue_buckets) move_in(buckets_.at(QueueBucketKey{j.gpus, walltime_class(j.requested)}));
  if (quotas_.enabled()) {
    move_in(tenant_queues_[quota_slot(j)]);
    refresh_head(quota_slot(j));
  }
  if (by_tenant_) move_in(by_tenant_queues_[j.tenant]);
}

Seconds ClusterState::checkpoint_interval(const Job& j) const {
  if (j.workload >= run_costs_.size()) return 0;
  const RunCosts& c = run_costs_[j.workload];
  if (!c.young_daly) return c.interval;
  if (node_failure_rate_per_s_ <= 0) return 0;  // nodes never fail: no checkpoint is worth its write
  // Young (1974), Daly (2006): tau = sqrt(2 delta M), M = the job's expected time between failures.
  const double nodes = std::ceil(static_cast<double>(j.gpus) / pool_.gpus_per_node());
  const double m = 1.0 / (node_failure_rate_per_s_ * std::max(1.0, nodes));
  return std::sqrt(2.0 * c.write * m);
}

Seconds ClusterState::write_time(const Job& j, Seconds work) const {
  const Seconds tau = checkpoint_interval(j), delta = checkpoint_write(j);
  if (tau <= 0 || delta <= 0 || work <= 0) return 0;
  return (std::ceil(work / tau) - 1) * delta;  // a write after each full interval but the last
}

ClusterState::RunSplit ClusterState::split_run(const Job& j, Seconds now) const {
  const Seconds elapsed = std::max(0.0, now - j.start);
  RunSplit out;
  out.restart = std::min(run_overhead(j), elapsed);
  const Seconds busy = elapsed - out.restart;  // after the restart overhead
  const Seconds tau = checkpoint_interval(j), delta = checkpoint_write(j);
  if (tau <= 0 || busy <= 0) return out;
  const Seconds left = j.runtime - (j.held_s - j.lost_s);
  const double writes = std::max(0.0, std::ceil(left / tau) - 1);       // in this run
  const double k = std::min(std::floor(busy / (tau + delta)), writes);  // segments written
  out.saved = k * tau;
  out.writes = k * delta;
  if (k < writes) out.writes += std::clamp(busy - k * (tau + delta) - tau, 0.0, delta);  // a write under way
  return out;
}

void ClusterState::refresh_head(std::uint32_t slot) {
  TenantHead& h = tenant_heads_[slot];
  const auto& queue = tenant_queues_[slot];
  if (queue.empty()) {
    h = TenantHead{};
    return;
  }
  const QueueEntry& e = *queue.begin();
  const Job& j = jobs_[e.job];
  h = TenantHead{e, j.id, j.submit, j.gpus, j.priority, true};
}

void ClusterState::set_tenant_ranks(const std::vector<double>& rank_by_tenant) {
  GPUFLEET_CHECK(by_tenant_ && rank_by_tenant.size() == tenant_rank_.size(),
                 "tenant ranks are set on a state that queues by tenant, one per tenant");
  tenant_joined_ = false;
  for (std::size_t t = 0; t < tenant_rank_.size(); ++t) {
    if (rank_by_tenant[t] == tenant_rank_[t]) continue;
    check_key(QueueKey{rank_by_tenant[t], 0});
    tenant_rank_[t] = rank_by_tenant[t];
    moved_.clear();
    for (const QueueEntry& e : by_tenant_queues_[t]) moved_.push_back({e, QueueKey{rank_by_tenant[t], e.secondary}});
    for (const auto& [e, k] : moved_) move_entry(e, k);
  }
}

double ClusterState::tenant_rank(std::uint32_t tenant) const {
  GPUFLEET_CHECK(by_tenant_ && tenant < tenant_rank_.size(), "a tenant rank is read on a state that queues by tenant");
  return tenant_rank_[tenant];
}

std::size_t ClusterState::tenant_queued(std::uint32_t tenant) const {
  GPUFLEET_CHECK(by_tenant_ && tenant < by_tenant_queues_.size(), "a state that queues by tenant, a tenant of it");
  return by_tenant_queues_[tenant].size();
}

std::uint32_t ClusterState::quota_slot(const Job& j) const {
  const std::uint32_t slot = quotas_.slot(j.tenant);
  GPUFLEET_CHECK(slot != QuotaBook::kNoSlot, "every job on a cluster with quotas has a quota there");
  return slot;
}

ClusterState::UsageTally& ClusterState::tenant_tally(std::uint32_t tenant) {
  // Jobs without a tenant are tallied at index 0, tenant t at t + 1.
  const std::size_t i = tenant == kNoTenant ? 0 : std::size_t{tenant} + 1;
  if (i >= tenant_usage_.size()) tenant_usage_.resize(i + 1);
  return tenant_usage_[i];
}

void ClusterState::fold(UsageTally& u, Seconds t) const {
  const Seconds dt = t - u.at;
  if (dt <= 0) return;
  const double r = static_cast<double>(u.running_gpus);
  u.gpu_seconds += r * dt;
  if (half_life_ > 0) {
    // Usage decays continuously: d(decayed)/dt = r - decayed * ln2 / half-life.
    const double keep = std::exp2(-dt / half_life_);
    u.decayed = u.decayed * keep + r * (half_life_ / std::numbers::ln2) * (1 - keep);
  } else {
    u.decayed += r * dt;
  }
  u.at = t;
}

WorkloadUsage ClusterState::read(const UsageTally& u, Seconds now) const {
  UsageTally at = u;
  fold(at, now);
  return {u.running_gpus, at.gpu_seconds, at.decayed};
}

std::uint32_t ClusterState::add_job(Job job) {
  jobs_.push_back(std::move(job));
  return static_cast<std::uint32_t>(jobs_.size() - 1);
}

int walltime_class(Seconds requested) {
  if (!(requested >= 1)) return 0;
  int e = 0;
  std::frexp(requested, &e);  // requested = m * 2^e, m in [0.5, 1)
  return e;
}

Seconds walltime_class_low(int c) { return c == 0 ? 0.0 : std::ldexp(1.0, c - 1); }
Seconds walltime_class_high(int c) { return std::ldexp(1.0, c); }

void ClusterState::enqueue(std::uint32_t job, QueueKey key) {
  check_key(key);
  const QueueEntry e{key.primary, key.secondary, next_seq_++, job};
  queue_.insert(e);
  queued_gpus_ += jobs_[job].gpus;
  if (indexes_.queue_buckets) buckets_[QueueBucketKey{jobs_[job].gpus, walltime_class(jobs_[job].requested)}].insert(e);
  if (quotas_.enabled()) {
    const std::uint32_t slot = quota_slot(jobs_[job]);
    // (Two statements: the operands of == are evaluated in no fixed order, and begin() moves.)
    const auto at = tenant_queues_[slot].insert(e).first;
    if (at == tenant_queues_[slot].begin()) refresh_head(slot);
  }
  if (by_tenant_) {
    const std::uint32_t t = jobs_[job].tenant;
    GPUFLEET_CHECK(t < by_tenant_queues_.size() && key.primary == tenant_rank_[t],
                   "a job queued by tenant has a tenant and is keyed with its tenant's rank");
    tenant_joined_ = tenant_joined_ || by_tenant_queues_[t].empty();
    by_tenant_queues_[t].insert(e);
  }
}

const std::map<QueueBucketKey, std::set<QueueEntry>>& ClusterState::queue_buckets() const {
  GPUFLEET_CHECK(indexes_.queue_buckets, "the backfill policy declared that it reads the queue buckets");
  return buckets_;
}

const std::set<RunningEntry>& ClusterState::running() const {
  GPUFLEET_CHECK(indexes_.running_by_end, "the backfill policy declared that it reads running jobs by planned end");
  return running_;
}

void ClusterState::dequeue(QueueEntry entry) {
  const Job& j = jobs_[entry.job];
  queued_gpus_ -= j.gpus;
  GPUFLEET_CHECK(queue_.erase(entry) == 1, "a dequeued job was queued");
  if (quotas_.enabled()) {
    const std::uint32_t slot = quota_slot(j);
    GPUFLEET_CHECK(tenant_queues_[slot].erase(entry) == 1, "a dequeued job was in its tenant's queue");
    if (tenant_heads_[slot].entry == entry) refresh_head(slot);  // its head left: the next one is
  }
  if (by_tenant_)
    GPUFLEET_CHECK(by_tenant_queues_[j.tenant].erase(entry) == 1, "a dequeued job was in its tenant's queue");
  if (!indexes_.queue_buckets) return;
  const auto it = buckets_.find(QueueBucketKey{j.gpus, walltime_class(j.requested)});
  GPUFLEET_CHECK(it != buckets_.end() && it->second.erase(entry) == 1, "a dequeued job was in its bucket");
  if (it->second.empty()) buckets_.erase(it);
}

void ClusterState::add_running(std::uint32_t job) {
  ++running_count_;
  const Job& j = jobs_[job];
  if (j.workload >= usage_.size()) usage_.resize(j.workload + 1);
  UsageTally& u = usage_[j.workload];
  fold(u, j.start);
  u.running_gpus += j.gpus;
  UsageTally& tu = tenant_tally(j.tenant);
  fold(tu, j.start);
  tu.running_gpus += j.gpus;
  if (quotas_.enabled()) quotas_.take(quota_slot(j), j.gpus);
  if (!indexes_.running_by_end) return;
  running_.insert(RunningEntry{planned_end(j), job});
}

void ClusterState::remove_running(std::uint32_t job, Seconds at) {
  GPUFLEET_CHECK(running_count_ > 0, "a finishing job was running");
  --running_count_;
  const Job& j = jobs_[job];
  GPUFLEET_CHECK(j.workload < usage_.size() && usage_[j.workload].running_gpus >= j.gpus && at >= j.start,
                 "a job that stops running was counted as running, and stops after it started");
  UsageTally& u = usage_[j.workload];
  fold(u, at);
  u.running_gpus -= j.gpus;
  UsageTally& tu = tenant_tally(j.tenant);
  GPUFLEET_CHECK(tu.running_gpus >= j.gpus, "a finishing job was counted as running for its tenant");
  fold(tu, at);
  tu.running_gpus -= j.gpus;
  if (quotas_.enabled()) quotas_.give(quota_slot(j), j.gpus);
  if (!indexes_.running_by_end) return;
  const auto erased = running_.erase(RunningEntry{planned_end(j), job});
  GPUFLEET_CHECK(erased == 1, "a finishing job was in the running set");
}

WorkloadUsage ClusterState::usage(std::uint32_t workload, Seconds now) const {
  if (workload >= usage_.size()) return {};
  return read(usage_[workload], now);
}

WorkloadUsage ClusterState::tenant_usage(std::uint32_t tenant, Seconds now) const {
  const std::size_t i = tenant == kNoTenant ? 0 : std::size_t{tenant} + 1;
  if (i >= tenant_usage_.size()) return {};
  return read(tenant_usage_[i], now);
}

void ClusterState::begin_pass(WaitReason everyone) {
  ++pass_;
  previous_ = current_;
  current_ = PassRecord{everyone, pool_.capacity_gpus()};
}

void ClusterState::note_wait(std::uint32_t job, WaitReason reason) {
  Job& j = jobs_[job];
  if (j.restarts() > 0) return;  // it keeps the reason of its first wait; it now waits to run again
  j.wait_reason = reason;
  j.wait_pass = pass_;
}

WaitReason ClusterState::held_at(const Job& j, std::uint64_t pass) const {
  GPUFLEET_CHECK(pass + 1 >= pass_ && pass <= pass_, "wait reasons are kept for the last two passes");
  if (pass == 0) return WaitReason::kNone;
  if (j.wait_pass == pass) return j.wait_reason;
  const PassRecord& rec = pass == pass_ ? current_ : previous_;
  if (j.gpus > rec.online_gpus) return WaitReason::kNotOnline;
  return rec.everyone != WaitReason::kNone ? rec.everyone : WaitReason::kBehindHead;
}

void ClusterState::check_key(const QueueKey& key) {
  // A NaN would break the queue's ordering (std::set needs a strict weak order): a policy bug.
  GPUFLEET_CHECK(!std::isnan(key.primary) && !std::isnan(key.secondary), "a queue order's key is a number, never NaN");
}

std::uint8_t ClusterState::intern_start_label(const StartReason& reason) {
  for (std::size_t i = 0; i < start_labels_.size(); ++i)
    if (start_labels_[i] == reason.label) return static_cast<std::uint8_t>(i);
  bool ok = !reason.label.empty() && reason.kind != StartKind::kNone;
  for (char c : reason.label) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  GPUFLEET_CHECK(ok, "a start reason has a kind and a label of lower-case letters, digits and '_'");
  GPUFLEET_CHECK(start_labels_.size() < 255, "a cluster's policies use at most 255 start labels");
  start_labels_.emplace_back(reason.label);
  return static_cast<std::uint8_t>(start_labels_.size() - 1);
}

}  // namespace gpufleet
