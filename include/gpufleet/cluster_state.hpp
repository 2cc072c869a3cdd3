// The scheduling state of one cluster: its nodes, its queue and its running jobs.
//
// Policies see it read-only (through a Plan); only ClusterSim and the Plan
// change it.
#pragma once

#include <algorithm>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gpufleet/job.hpp"
#include "gpufleet/node_pool.hpp"
#include "gpufleet/node_scratch.hpp"
#include "gpufleet/queue.hpp"
#include "gpufleet/quota.hpp"

namespace gpufleet {

struct RunningEntry {
  Seconds planned_end;  // start + requested walltime (what a scheduler knows)
  std::uint32_t job;
  auto operator<=>(const RunningEntry&) const = default;
};

// Which of the optional indexes a scheduler reads. Keeping them costs time on
// every start and completion, so ClusterState keeps only those asked for, and
// reading one that is not kept is an internal error, never a silent empty view.
struct StateIndexes {
  bool running_by_end = true;  // running() ordered by planned end
  bool queue_buckets = true;   // queue_buckets()
};

// GPU use of one workload's (or tenant's) jobs on this cluster (the input of fair-share orders).
struct WorkloadUsage {
  std::uint64_t running_gpus = 0;  // held now
  double gpu_seconds = 0;          // used from 0 to the time asked for, completed and running jobs
  double decayed_gpu_seconds = 0;  // the same with each GPU-second's weight halved every usage half-life
                                   // (equal to gpu_seconds when the state has no half-life)
};

// How the jobs of one tenant queue behind each other when the cluster admits by quota.
enum class TenantQueueing : std::uint8_t {
  kStrictFifo,      // only the tenant's first job (in queue order) may start
  kBestEffortFifo,  // when it cannot start now, the tenant's next job that can may start instead
};

// A workload's checkpoints and restarts (docs/scheduling.md, "Preemption"; docs/failures.md).
struct RunCosts {
  Seconds interval = 0;     // checkpoint every `interval` of work (0: none)
  Seconds write = 0;        // each checkpoint costs this much run time
  Seconds restart = 0;      // each run after the first begins with this much run time of no progress
  bool young_daly = false;  // interval: sqrt(2 write M) per job, M its expected time between failures
};

// What a ClusterState is built with besides its nodes.
struct StateSetup {
  StateIndexes indexes;
  QuotaBook quotas;  // empty: no quotas
  TenantQueueing queueing = TenantQueueing::kStrictFifo;
  Seconds usage_half_life = 0;  // 0: usage does not decay
  // Keep each tenant's queued jobs apart, for queue orders that order tenants (QueueOrder::
  // Keying::kByTenant): set_tenant_ranks() then moves only the jobs of tenants whose rank changed.
  bool by_tenant = false;
  std::uint32_t tenants = 0;           // the scenario's tenants (with by_tenant: every job has one of them)
  std::vector<RunCosts> run_costs{};   // by workload index (none: no checkpoints, no overheads)
  double node_failure_rate_per_s = 0;  // each node's failure rate (Young/Daly's M); 0: nodes never fail
};

class ClusterState {
 public:
  explicit ClusterState(NodePool pool, StateIndexes indexes = {}) : pool_(std::move(pool)), indexes_(indexes) {}
  ClusterState(NodePool pool, StateSetup setup);

  const NodePool& pool() const { return pool_; }
  NodePool& pool() { return pool_; }
  // Queued jobs in queue-policy order.
  const std::set<QueueEntry>& queue() const { return queue_; }
  // GPUs the queued jobs ask for, together.
  std::uint64_t queued_gpus() const { return queued_gpus_; }
  // The same queue, grouped by size and walltime class (ordered by GPUs, then class).
  const std::map<QueueBucketKey, std::set<QueueEntry>>& queue_buckets() const;
  // Running jobs by planned end, then job index.
  const std::set<RunningEntry>& running() const;
  std::size_t running_count() const { return running_count_; }
  const Job& job(std::uint32_t index) const { return jobs_[index]; }
  Job& job(std::uint32_t index) { return jobs_[index]; }
  const std::vector<Job>& jobs() const { return jobs_; }
  std::vector<Job>& jobs() { return jobs_; }

  // GPU use of workload `workload`'s jobs up to `now` (>= every start and end so far).
  WorkloadUsage usage(std::uint32_t workload, Seconds now) const;
  // The same for tenant `tenant`'s jobs (kNoTenant: the jobs without a tenant).
  WorkloadUsage tenant_usage(std::uint32_t tenant, Seconds now) const;
  // Tenant quotas (QuotaBook::enabled() is false when the cluster has none) and, when it has,
  // each quota slot's queued jobs in queue order.
  const QuotaBook& quotas() const { return quotas_; }
  const std::vector<std::set<QueueEntry>>& tenant_queues() const { return tenant_queues_; }
  // Each quota slot's queue head with the fields quota admission sorts by, kept as the queues
  // change: a pass reads these instead of walking to every head's job record.
  struct TenantHead {
    QueueEntry entry{};
    std::int64_t id = 0;
    Seconds submit = 0;
    std::uint32_t gpus = 0;
    std::int32_t priority = 0;
    bool queued = false;  // the slot has a queued job (the fields above are its head's)
  };
  const std::vector<TenantHead>& tenant_heads() const { return tenant_heads_; }
  TenantQueueing tenant_queueing() const { return queueing_; }

  // Wait reasons (WaitReason). Each scheduling opportunity (a pass, or an instant at which the
  // pass was skipped because nothing could start) is numbered; `everyone` is the reason that held
  // every queued job when the pass was skipped (kNone when it ran).
  void begin_pass(WaitReason everyone);
  std::uint64_t pass() const { return pass_; }
  // Notes why a queued job is held at the current pass (the last note in a pass counts).
  void note_wait(std::uint32_t job, WaitReason reason);
  // Why queued job `j` was held at opportunity `pass` (the current one or the one before).
  WaitReason held_at(const Job& j, std::uint64_t pass) const;
  // The labels of the start reasons given so far (Job::start_label indexes them).
  const std::vector<std::string>& start_labels() const { return start_labels_; }

  // Appends a job record; returns its index.
  std::uint32_t add_job(Job job);
  void enqueue(std::uint32_t job, QueueKey key);
  // By value: the caller may pass a reference to the queued entry itself, which this erases.
  void dequeue(QueueEntry entry);
  // Recomputes every queued job's key (queue orders keyed on every pass); arrival order is kept
  // as the tie-break.
  // O(q) key computations; only the entries whose key changed move (O(log q) each, no allocation
  // once the state has seen its largest change).
  template <class KeyFn>
  void rekey(KeyFn&& key_of) {
    moved_.clear();
    for (const QueueEntry& e : queue_) {
      const QueueKey k = key_of(jobs_[e.job]);
      check_key(k);
      if (k.primary != e.primary || k.secondary != e.secondary) moved_.push_back({e, k});
    }
    for (const auto& [e, k] : moved_) move_entry(e, k);
  }
  // Under StateSetup::by_tenant, a queued job's key is {its tenant's rank, its own key}. Sets the
  // ranks (by tenant index; equal ranks interleave by the jobs' own keys) and moves the jobs of
  // the tenants whose rank changed.
  void set_tenant_ranks(const std::vector<double>& rank_by_tenant);
  // The rank a tenant's jobs are queued with now (0 before the first set_tenant_ranks).
  double tenant_rank(std::uint32_t tenant) const;
  // Tenants with queued jobs (under StateSetup::by_tenant), by tenant index: how many jobs each.
  std::size_t tenant_queued(std::uint32_t tenant) const;
  // Whether a tenant's queue went from empty to not empty since the last set_tenant_ranks.
  bool tenant_joined() const { return tenant_joined_; }
  // A running job (start set) and one that stops running at `at` (it ended, or was preempted).
  // A job's held_s, lost_s and preemptions do not change while it runs (planned_end reads them).
  void add_running(std::uint32_t job);
  void remove_running(std::uint32_t job, Seconds at);

  // A job's runs (docs/scheduling.md, "Preemption"; docs/failures.md): a job whose run a
  // preemption or a failure ended keeps the work it had checkpointed and runs again from there,
  // after a restart overhead. A run does the work left in segments of `interval` of work, each
  // but the last followed by a checkpoint write. While it runs:
  //   work done before this run = held_s - lost_s (what the earlier runs checkpointed),
  //   this run's length = overhead + left + writes(left), left = runtime - work done, and it is
  //   planned to end at start + overhead + L + writes(L), L = max(0, requested - work done).
  // For a job never restarted, without checkpoint writes, these are 0, runtime and start + requested.
  Seconds run_overhead(const Job& j) const {
    return j.restarts() == 0 || j.workload >= run_costs_.size() ? 0.0 : run_costs_[j.workload].restart;
  }
  // The job's checkpoint interval (0: none) and write time.
  Seconds checkpoint_interval(const Job& j) const;
  Seconds checkpoint_write(const Job& j) const {
    return j.workload >= run_costs_.size() ? 0.0 : run_costs_[j.workload].write;
  }
  // Run time spent writing checkpoints while doing `work` of work.
  Seconds write_time(const Job& j, Seconds work) const;
  Seconds run_length(const Job& j) const {
    if (j.restarts() == 0 && checkpoint_write(j) == 0) return j.runtime;
    const Seconds left = j.runtime - (j.held_s - j.lost_s);
    return run_overhead(j) + left + write_time(j, left);
  }
  // What a scheduler plans a run of the job (started now, or at j.start) to last: its request for
  // the work left, plus the restart overhead and the checkpoint writes it will cost.
  Seconds planned_length(const Job& j) const {
    if (j.restarts() == 0 && checkpoint_write(j) == 0) return j.requested;
    const Seconds left = std::max(0.0, j.requested - (j.held_s - j.lost_s));
    return run_overhead(j) + left + write_time(j, left);
  }
  Seconds planned_end(const Job& j) const { return j.start + planned_length(j); }
  // A running job's current run up to `now`: the work it checkpointed in it and the run time it
  // spent on its restart overhead and on checkpoint writes.
  struct RunSplit {
    Seconds saved = 0;
    Seconds restart = 0;
    Seconds writes = 0;
  };
  RunSplit split_run(const Job& j, Seconds now) const;
  // The index of `reason`'s label among start_labels(), added if new. Checks the label's form
  // (StartReason) and the 255-label bound: InternalError naming the rule.
  std::uint8_t intern_start_label(const StartReason& reason);
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
  std::uint64_t queued_gpus_ = 0;
  mutable NodeScratch scratch_;
  // Integrated at every start and end (running GPUs x elapsed time), so a long-busy workload
  // carries no cancellation error (rather than sum(gpus x now) - sum(gpus x start)).
  struct UsageTally {
    std::uint64_t running_gpus = 0;
    double gpu_seconds = 0;  // at `at`
    double decayed = 0;      // decayed GPU-seconds at `at`
    Seconds at = 0;
  };
  std::vector<UsageTally> usage_;         // by workload index
  std::vector<UsageTally> tenant_usage_;  // by tenant index; the last entry: jobs without a tenant
  QuotaBook quotas_;
  TenantQueueing queueing_ = TenantQueueing::kStrictFifo;
  std::vector<std::set<QueueEntry>> tenant_queues_;  // by quota slot
  std::vector<TenantHead> tenant_heads_;             // by quota slot
  void refresh_head(std::uint32_t slot);
  Seconds half_life_ = 0;
  bool by_tenant_ = false;
  std::vector<std::set<QueueEntry>> by_tenant_queues_;  // by tenant index, under by_tenant_
  std::vector<double> tenant_rank_;                     // by tenant index, under by_tenant_
  bool tenant_joined_ = false;
  std::vector<std::pair<QueueEntry, QueueKey>> moved_;  // scratch of rekey / set_tenant_ranks
  std::uint64_t pass_ = 0;
  struct PassRecord {
    WaitReason everyone = WaitReason::kNone;
    std::uint64_t online_gpus = 0;
  };
  PassRecord current_, previous_;
  std::vector<std::string> start_labels_;
  std::vector<RunCosts> run_costs_;  // by workload
  double node_failure_rate_per_s_ = 0;
  void move_entry(const QueueEntry& from, const QueueKey& to);  // in every index that holds it
  std::uint32_t quota_slot(const Job& j) const;
  UsageTally& tenant_tally(std::uint32_t tenant);
  void fold(UsageTally& u, Seconds t) const;  // integrates u to t
  WorkloadUsage read(const UsageTally& u, Seconds now) const;
  static void check_key(const QueueKey& key);
};

}  // namespace gpufleet
