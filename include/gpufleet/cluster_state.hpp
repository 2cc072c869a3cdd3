// The scheduling state of one cluster: its nodes, its queue and its running jobs.
//
// Policies see it read-only (through a Plan); only ClusterSim and the Plan
// change it.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
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

// Queued jobs grouped by (GPUs, requested-walltime class), each group in queue
// order: lets a backfill policy find "the first queued job of g GPUs whose
// walltime is at most d" without scanning the whole queue. Class c >= 1 holds
// walltimes in [2^(c-1), 2^c) seconds; class 0 holds [0, 1).
struct QueueBucketKey {
  std::uint32_t gpus;
  int walltime_class;
  auto operator<=>(const QueueBucketKey&) const = default;
};
int walltime_class(Seconds requested);
// Walltimes in class c are >= walltime_class_low(c) and < walltime_class_high(c).
Seconds walltime_class_low(int c);
Seconds walltime_class_high(int c);

struct RunningEntry {
  Seconds planned_end;  // start + requested walltime (what a scheduler knows)
  std::uint32_t job;
  auto operator<=>(const RunningEntry&) const = default;
};

// Per-node scratch values for one scheduling pass, cleared in O(1): a value
// is present only if set since the last clear(). Lets a policy keep "free GPUs
// at time t" for the few nodes that differ from now without a hash map.
class NodeScratch {
 public:
  void clear(std::uint32_t node_count) {
    if (stamp_.size() != node_count) {
      stamp_.assign(node_count, 0);
      value_.assign(node_count, 0);
      epoch_ = 0;
    }
    if (++epoch_ == 0) {  // wrapped: really clear
      std::fill(stamp_.begin(), stamp_.end(), 0);
      epoch_ = 1;
    }
  }
  bool has(std::uint32_t node) const { return stamp_[node] == epoch_; }
  std::uint32_t get(std::uint32_t node) const { return value_[node]; }
  void set(std::uint32_t node, std::uint32_t v) {
    stamp_[node] = epoch_;
    value_[node] = v;
  }

 private:
  std::vector<std::uint32_t> stamp_, value_;
  std::uint32_t epoch_ = 0;
};

// Which of the optional indexes a scheduler reads. Keeping them costs time on
// every start and completion, so ClusterState keeps only those asked for, and
// reading one that is not kept is an internal error, never a silent empty view.
struct StateIndexes {
  bool running_by_end = true;  // running() ordered by planned end
  bool queue_buckets = true;   // queue_buckets()
};

class ClusterState {
 public:
  explicit ClusterState(NodePool pool, StateIndexes indexes = {}) : pool_(std::move(pool)), indexes_(indexes) {}

  const NodePool& pool() const { return pool_; }
  NodePool& pool() { return pool_; }
  // Queued jobs in queue-policy order.
  const std::set<QueueEntry>& queue() const { return queue_; }
  // The same queue, grouped by size and walltime class (ordered by GPUs, then class).
  const std::map<QueueBucketKey, std::set<QueueEntry>>& queue_buckets() const;
  // Running jobs by planned end, then job index.
  const std::set<RunningEntry>& running() const;
  std::size_t running_count() const { return running_count_; }
  const Job& job(std::uint32_t index) const { return jobs_[index]; }
  Job& job(std::uint32_t index) { return jobs_[index]; }
  const std::vector<Job>& jobs() const { return jobs_; }
  std::vector<Job>& jobs() { return jobs_; }

  // Appends a job record; returns its index.
  std::uint32_t add_job(Job job);
  void enqueue(std::uint32_t job, QueueKey key);
  void dequeue(const QueueEntry& entry);
  void add_running(std::uint32_t job);
  void remove_running(std::uint32_t job);
  // Scratch memory for the policy running the current pass (contents undefined between passes).
  NodeScratch& scratch() const { return scratch_; }

 private:
  NodePool pool_;
  std::vector<Job> jobs_;
  std::set<QueueEntry> queue_;
  std::map<QueueBucketKey, std::set<QueueEntry>> buckets_;
  std::set<RunningEntry> running_;
  StateIndexes indexes_;
  std::size_t running_count_ = 0;
  std::uint64_t next_seq_ = 0;
  mutable NodeScratch scratch_;
};

}  // namespace gpufleet
