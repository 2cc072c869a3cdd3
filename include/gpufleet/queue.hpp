// How a cluster's queue is ordered and indexed: the queue order's key, the queue's entries, and
// the (GPUs, walltime class) buckets backfill searches use.
#pragma once

#include <compare>
#include <cstdint>

#include "gpufleet/job.hpp"

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

}  // namespace gpufleet
