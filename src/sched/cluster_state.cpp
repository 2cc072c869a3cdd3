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
      half_life_(setup.usage_half_life) {
  GPUFLEET_CHECK(half_life_ >= 0, "a usage half-life is >= 0");
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
  const Seconds dt = t - u.decayed_at;
  if (dt <= 0) return;
  const double r = static_cast<double>(u.running_gpus);
  if (half_life_ > 0) {
    // Usage decays continuously: d(decayed)/dt = r - decayed * ln2 / half-life.
    const double keep = std::exp2(-dt / half_life_);
    u.decayed = u.decayed * keep + r * (half_life_ / std::numbers::ln2) * (1 - keep);
  } else {
    u.decayed += r * dt;
  }
  u.decayed_at = t;
}

WorkloadUsage ClusterState::read(const UsageTally& u, Seconds now) const {
  UsageTally at = u;
  fold(at, now);
  return {u.running_gpus, u.done_gpu_seconds + static_cast<double>(u.running_gpus) * now - u.running_gpu_start,
          at.decayed};
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
  if (indexes_.queue_buckets) buckets_[QueueBucketKey{jobs_[job].gpus, walltime_class(jobs_[job].requested)}].insert(e);
  if (quotas_.enabled()) tenant_queues_[quota_slot(jobs_[job])].insert(e);
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
  GPUFLEET_CHECK(queue_.erase(entry) == 1, "a dequeued job was queued");
  const Job& j = jobs_[entry.job];
  if (quotas_.enabled())
    GPUFLEET_CHECK(tenant_queues_[quota_slot(j)].erase(entry) == 1, "a dequeued job was in its tenant's queue");
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
  u.running_gpus += j.gpus;
  u.running_gpu_start += static_cast<double>(j.gpus) * j.start;
  UsageTally& tu = tenant_tally(j.tenant);
  fold(tu, j.start);
  tu.running_gpus += j.gpus;
  tu.running_gpu_start += static_cast<double>(j.gpus) * j.start;
  if (quotas_.enabled()) quotas_.take(quota_slot(j), j.gpus);
  if (!indexes_.running_by_end) return;
  running_.insert(RunningEntry{j.start + j.requested, job});
}

void ClusterState::remove_running(std::uint32_t job) {
  GPUFLEET_CHECK(running_count_ > 0, "a finishing job was running");
  --running_count_;
  const Job& j = jobs_[job];
  GPUFLEET_CHECK(j.workload < usage_.size() && usage_[j.workload].running_gpus >= j.gpus && j.end >= j.start,
                 "a finishing job was counted as running, with its end set");
  UsageTally& u = usage_[j.workload];
  u.running_gpus -= j.gpus;
  u.running_gpu_start -= static_cast<double>(j.gpus) * j.start;
  if (u.running_gpus == 0) u.running_gpu_start = 0;  // no rounding residue carried past an idle moment
  u.done_gpu_seconds += static_cast<double>(j.gpus) * (j.end - j.start);
  UsageTally& tu = tenant_tally(j.tenant);
  fold(tu, j.end);
  tu.running_gpus -= j.gpus;
  tu.running_gpu_start -= static_cast<double>(j.gpus) * j.start;
  if (tu.running_gpus == 0) tu.running_gpu_start = 0;
  tu.done_gpu_seconds += static_cast<double>(j.gpus) * (j.end - j.start);
  if (quotas_.enabled()) quotas_.give(quota_slot(j), j.gpus);
  if (!indexes_.running_by_end) return;
  const auto erased = running_.erase(RunningEntry{j.start + j.requested, job});
  GPUFLEET_CHECK(erased == 1, "a finishing job was in the running set");
}

WorkloadUsage ClusterState::usage(std::uint32_t workload, Seconds now) const {
  if (workload >= usage_.size()) return {};
  const UsageTally& u = usage_[workload];
  return {u.running_gpus, u.done_gpu_seconds + static_cast<double>(u.running_gpus) * now - u.running_gpu_start,
          u.done_gpu_seconds + static_cast<double>(u.running_gpus) * now - u.running_gpu_start};
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

void ClusterState::rebuild_tenant_queues() {
  for (auto& q : tenant_queues_) q.clear();
  for (const QueueEntry& e : queue_) tenant_queues_[quota_slot(jobs_[e.job])].insert(e);
}

void ClusterState::rebuild_buckets() {
  buckets_.clear();
  for (const QueueEntry& e : queue_)
    buckets_[QueueBucketKey{jobs_[e.job].gpus, walltime_class(jobs_[e.job].requested)}].insert(e);
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
