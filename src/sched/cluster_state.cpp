#include "gpufleet/cluster_state.hpp"

#include <cmath>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

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
  if (!indexes_.queue_buckets) return;
  const Job& j = jobs_[entry.job];
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
  if (!indexes_.running_by_end) return;
  const auto erased = running_.erase(RunningEntry{j.start + j.requested, job});
  GPUFLEET_CHECK(erased == 1, "a finishing job was in the running set");
}

WorkloadUsage ClusterState::usage(std::uint32_t workload, Seconds now) const {
  if (workload >= usage_.size()) return {};
  const UsageTally& u = usage_[workload];
  return {u.running_gpus, u.done_gpu_seconds + static_cast<double>(u.running_gpus) * now - u.running_gpu_start};
}

void ClusterState::check_key(const QueueKey& key) {
  // A NaN would break the queue's ordering (std::set needs a strict weak order): a policy bug.
  GPUFLEET_CHECK(!std::isnan(key.primary) && !std::isnan(key.secondary), "a queue order's key is a number, never NaN");
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
