#include "gpufleet/cluster_state.hpp"

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

std::uint32_t ClusterState::add_job(Job job) {
  jobs_.push_back(std::move(job));
  return static_cast<std::uint32_t>(jobs_.size() - 1);
}

void ClusterState::enqueue(std::uint32_t job, QueueKey key) {
  queue_.insert(QueueEntry{key.primary, key.secondary, next_seq_++, job});
}

void ClusterState::add_running(std::uint32_t job) {
  const Job& j = jobs_[job];
  running_.insert(RunningEntry{j.start + j.requested, job});
}

void ClusterState::remove_running(std::uint32_t job) {
  const Job& j = jobs_[job];
  const auto erased = running_.erase(RunningEntry{j.start + j.requested, job});
  GPUFLEET_CHECK(erased == 1, "a finishing job was in the running set");
}

}  // namespace gpufleet
