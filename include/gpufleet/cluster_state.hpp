// The scheduling state of one cluster: its nodes, its queue and its running jobs.
//
// Policies see it read-only (through a Plan); only ClusterSim and the Plan
// change it.
#pragma once

#include <compare>
#include <cstdint>
#include <set>
#include <vector>

#include "gpufleet/job.hpp"
#include "gpufleet/node_pool.hpp"

namespace gpufleet {

// Sort key given by the queue-order policy; ties are broken by arrival order.
struct QueueKey {
  double primary = 0;
  double secondary = 0;
};

struct QueueEntry {
  double primary;
  double secondary;
  std::uint64_t seq;  // arrival order in this cluster
  std::uint32_t job;  // index into ClusterState::jobs()
  auto operator<=>(const QueueEntry&) const = default;
};

struct RunningEntry {
  Seconds planned_end;  // start + requested walltime (what a scheduler knows)
  std::uint32_t job;
  auto operator<=>(const RunningEntry&) const = default;
};

class ClusterState {
 public:
  explicit ClusterState(NodePool pool) : pool_(std::move(pool)) {}

  const NodePool& pool() const { return pool_; }
  NodePool& pool() { return pool_; }
  // Queued jobs in queue-policy order.
  const std::set<QueueEntry>& queue() const { return queue_; }
  // Running jobs by planned end, then job index.
  const std::set<RunningEntry>& running() const { return running_; }
  const Job& job(std::uint32_t index) const { return jobs_[index]; }
  Job& job(std::uint32_t index) { return jobs_[index]; }
  const std::vector<Job>& jobs() const { return jobs_; }
  std::vector<Job>& jobs() { return jobs_; }

  // Appends a job record; returns its index.
  std::uint32_t add_job(Job job);
  void enqueue(std::uint32_t job, QueueKey key);
  void dequeue(const QueueEntry& entry) { queue_.erase(entry); }
  void add_running(std::uint32_t job);
  void remove_running(std::uint32_t job);
  std::uint64_t arrivals() const { return next_seq_; }

 private:
  NodePool pool_;
  std::vector<Job> jobs_;
  std::set<QueueEntry> queue_;
  std::set<RunningEntry> running_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace gpufleet
