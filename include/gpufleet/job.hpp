// A job is a record, not an actor: the scheduler moves it through its states.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace gpufleet {

using Seconds = double;  // simulated time, seconds since the scenario's start

// GPUs of one node given to one job.
struct NodeSlice {
  std::uint32_t node;
  std::uint32_t gpus;
  bool operator==(const NodeSlice&) const = default;
};

enum class JobState : std::uint8_t {
  kQueued,     // submitted, waiting
  kRunning,    // holds its GPUs
  kCompleted,  // ran to its end
  kRejected,   // can never run on its cluster (see Job::reject_reason)
  kFailed,     // interrupted by node failures more often than its workload's max_retries allow
};
std::string_view to_string(JobState s);

// Why a job started when it did: a kind the engine understands and a label the policy supplies.
enum class StartKind : std::uint8_t {
  kNone,         // not started
  kInOrder,      // it was at the head of the queue (or the policy starts in queue order)
  kBackfill,     // it jumped ahead of queued jobs without delaying their reservations
  kReservation,  // its reservation (from a plan of every queued job) was now
};
std::string_view to_string(StartKind k);

// The reason a backfill policy gives Plan::start. `label` names the policy's own rule in
// jobs.csv (e.g. EASY's "backfill_short"): non-empty, lower-case letters, digits and '_' only,
// and it must outlive the run (give a string literal). A cluster holds at most 255 labels.
struct StartReason {
  StartKind kind = StartKind::kNone;
  std::string_view label;
  bool operator==(const StartReason& o) const { return kind == o.kind && label == o.label; }
};
inline constexpr StartReason kStartInOrder{StartKind::kInOrder, "in_order"};

enum class RejectReason : std::uint8_t {
  kNone,
  kNoGpus,          // asks for fewer than one GPU
  kTooLarge,        // more GPUs than the whole cluster has
  kPlacementNever,  // the placement policy says it can never be placed
  kUnknownSize,     // trace record without a usable processor count
  kUnknownRuntime,  // trace record without a usable run time
  kOverQuota,       // more GPUs than its tenant's nominal quota plus borrowing limit
  kOverCohort,      // more GPUs than its tenant's cohort could ever lend it
};
std::string_view to_string(RejectReason r);

// Why a queued job was held at a scheduling pass (jobs.csv's wait_reason: the reason at the last
// pass before it started, or before the horizon). docs/scheduling.md defines each.
enum class WaitReason : std::uint8_t {
  kNone,           // it did not wait
  kBehindHead,     // the pass did not reach it: jobs ahead of it in its queue held
  kNotOnline,      // its cluster had fewer GPUs online than it asks for
  kNoFreeGpus,     // fewer GPUs free than it asks for
  kFragmentation,  // enough GPUs free, but no placement of its shape
  kReservation,    // it fitted, but starting it would delay another job's reservation
  kQuota,          // its tenant's nominal quota plus borrowing limit would be exceeded
  kCohort,         // its tenant's cohort has no capacity left to lend it
  kPreempted,      // it was preempted and waits to run again (docs/scheduling.md, "Preemption")
  kStaging,        // its input data was on its way to the member cluster the federation sent it to
  kInterrupted,    // a node failure ended its run and it waits to run again (docs/failures.md)
};
std::string_view to_string(WaitReason r);
inline constexpr std::size_t kWaitReasons = 11;

// A job that belongs to no tenant (a scenario without tenants).
inline constexpr std::uint32_t kNoTenant = 0xFFFFFFFFu;

struct Job {
  std::int64_t id = 0;               // workload-local id (a trace's own id)
  std::uint32_t workload = 0;        // index into Scenario::workloads
  std::uint32_t cluster = 0;         // index into Scenario::clusters
  std::uint32_t tenant = kNoTenant;  // index into the scenario's tenants
  std::uint32_t preemptions = 0;     // times it was preempted (each ends one of its runs)
  std::uint32_t interruptions = 0;   // times a node failure ended one of its runs (docs/failures.md)
  Seconds submit = 0;
  Seconds start = -1;        // < 0: never started. The start of its current (or last) run: a preempted
                             // job runs again from a later start
  Seconds first_start = -1;  // the start of its first run (= start unless it was preempted)
  Seconds end = -1;          // < 0: not finished (completed, or failed)
  double held_s = 0;         // seconds it held its GPUs in the runs that a preemption ended
  double lost_s = 0;         // of those and of its current run: seconds that made no lasting progress
                             // (work since the last checkpoint, restart overheads, checkpoint writes;
                             // a failed job: all it held); docs/scheduling.md, docs/failures.md
  Seconds runtime = 0;       // actual run time once started (the work, without restart overheads)
  Seconds requested = 0;     // requested walltime: what schedulers plan with
  Seconds staging_s = 0;     // federation: seconds its input data took to reach the cluster it was sent
                             // to (part of its wait; still in transit at the end: the time so far)
  std::uint32_t gpus = 0;
  std::int32_t priority = 0;  // larger runs first under the `priority` queue order
  JobState state = JobState::kQueued;
  StartKind start_kind = StartKind::kNone;
  std::uint8_t start_label = 0;  // index into the cluster's start labels (ClusterState::start_labels)
  RejectReason reject_reason = RejectReason::kNone;
  WaitReason wait_reason = WaitReason::kNone;  // while queued: the last one noted (at pass wait_pass); once
                                               // started: why it was held at the last pass before
  std::uint64_t wait_pass = 0;
  std::vector<NodeSlice> alloc;  // held while running
  // Runs ended before the job's end (by a preemption or a failure): each later run restarts.
  std::uint32_t restarts() const { return preemptions + interruptions; }
};

}  // namespace gpufleet
