// One cluster's discrete-event simulation, minus the clock.
//
// ClusterSim owns the cluster's state, its job sources and its own event queue
// (arrivals, completions, time-series samples). It does not advance time by
// itself: a driver (the SimGrid engine, or a test) asks next_event_time(),
// moves the clock there and calls advance_to(). At one instant, it processes
// every completion and arrival due, then runs a scheduling pass, and repeats
// until nothing more is due (a zero-length job started now ends now); samples
// are taken last, so they show the state after the instant's events.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/rng.hpp"
#include "gpufleet/cluster_state.hpp"
#include "gpufleet/federation.hpp"
#include "gpufleet/plan.hpp"
#include "scenario/scenario.hpp"
#include "workload/job_source.hpp"
#include "workload/thinning.hpp"

namespace gpufleet {

struct TimeseriesRow {
  Seconds t;
  std::uint64_t online_gpus;
  std::uint64_t busy_gpus;
  std::uint64_t queued_jobs;
  std::uint64_t running_jobs;
  std::uint32_t down_nodes = 0;       // online nodes that are down (failed, not yet back)
  std::uint32_t repairing_nodes = 0;  // failed nodes recovering (rebooting, in repair, or waiting for a technician)
  std::uint32_t spare_nodes = 0;      // warm spares ready
  std::uint64_t node_failures = 0;    // node failures so far (cumulative)
};

// A cluster's failures over a run (docs/failures.md; summary.json /failures/).
struct FailureCounts {
  std::vector<std::uint64_t> by_class;      // node failures, parallel to the model's failure classes
  std::uint64_t automatic = 0, manual = 0;  // how they recovered (or are recovering)
  std::uint64_t interruptions = 0;          // job runs a failure ended
  std::uint64_t jobs_failed = 0;            // jobs that ran out of retries
  std::uint64_t spares_used = 0;            // spare nodes swapped in
  std::uint64_t domain_failures = 0;        // failures that took down a whole rack (each node counts in by_class)
  std::uint64_t systematic_nodes = 0;       // bad nodes at the start (systematic failures)
  std::uint64_t systematic_found = 0;       // of those, found and replaced by the end
  std::vector<double> repair_waits_s;       // manual repairs: waits for a technician, in start order
  double down_gpu_s = 0;                    // GPU-seconds of online nodes that were down, over [0, end]
  double up_node_s = 0;                     // node-seconds of online nodes that were up (exposure)
  // Of jobs' GPU-seconds: lost by cause.
  double redone_gpu_s = 0, restart_gpu_s = 0, checkpoint_gpu_s = 0, failed_job_gpu_s = 0;
};

// A run of a job that a preemption ended (the job's last run is its start..end).
struct PreemptedRun {
  std::uint32_t job;  // index into ClusterResult::jobs
  Seconds start, end;
};

// One cluster's outcome at the end of a run.
struct ClusterResult {
  std::vector<Job> jobs;                     // admission order
  std::vector<PreemptedRun> preempted_runs;  // in the order they ended
  std::vector<std::string> start_labels;     // Job::start_label indexes them
  std::vector<TimeseriesRow> timeseries;
  std::uint64_t events = 0;
  std::uint64_t scheduling_passes = 0;
  std::uint64_t trace_records_after_horizon = 0;
  double busy_gpu_s = 0;                  // GPU-seconds held by jobs over [0, end]
  double online_gpu_s = 0;                // GPU-seconds online over [0, end]
  std::optional<Seconds> online_90pct;    // when 90 % of its nodes were first online (none: never)
  std::optional<FailureCounts> failures;  // its failure books (set by take_result)
  bool fails = false;                     // its GPU model fails, or it has a failure trace
};

// Optional hooks on what a ClusterSim decides, for logging: called synchronously, they see the
// job as it is then and must not change the simulation (outputs are identical with or without).
class ClusterObserver {
 public:
  virtual ~ClusterObserver() = default;
  // A job started at t (after its scheduling pass); `label` is its start reason's label.
  virtual void on_start(Seconds /*t*/, const Job& /*job*/, std::string_view /*label*/) {}
  // A job was rejected on arrival at t (job.reject_reason says why).
  virtual void on_reject(Seconds /*t*/, const Job& /*job*/) {}
  // A running job was preempted at t to make room for `by` (it is queued again).
  virtual void on_preempt(Seconds /*t*/, const Job& /*job*/, const Job& /*by*/) {}
  // Node `node` failed at t with failure class `cls` (its jobs are interrupted after this call).
  virtual void on_node_failure(Seconds /*t*/, std::uint32_t /*node*/, std::string_view /*cls*/) {}
  // Node `node`'s place is up again at t (its own node recovered, or a spare was swapped in).
  virtual void on_node_up(Seconds /*t*/, std::uint32_t /*node*/) {}
  // A failure ended a run of `job` at t (it is queued again, or failed: job.state says).
  virtual void on_interrupt(Seconds /*t*/, const Job& /*job*/) {}
};

class ClusterSim {
 public:
  static constexpr Seconds kNever = std::numeric_limits<Seconds>::infinity();

  ClusterSim(const Scenario& scenario, std::uint32_t cluster_index);

  // Time of the next due event, kNever when there is none (or the next one is past the horizon).
  Seconds next_event_time() const;
  // Processes everything due at t (t == next_event_time()).
  void advance_to(Seconds t);
  // Takes the final time-series sample at `end` (if not already taken) and
  // checks end-of-run invariants.
  void finish(Seconds end);
  // The end of a run at `end` (>= the last instant processed; the horizon, the instant a run
  // was stopped, or the last event): processes what is still due up to `end` (nodes a site
  // brought online at that instant after the cluster's driver had finished it), finish(end),
  // and hands the outcome over. The jobs are moved out: the ClusterSim is spent.
  ClusterResult take_result(Seconds end);
  // Federation: a job the national queue sent here arrives at t (>= the last instant processed;
  // the driver must then advance the cluster to t). Its submit time is its national one.
  void deliver(Seconds t, Job job);
  // The cluster as the federation policy sees it for `job` (MemberView::cluster and home unset).
  MemberView member_view(const Job& job);
  // Its GPUs online ÷ all its GPUs, as of the last instant processed (demand that follows online).
  double online_share() const;
  // Why `job` could never run here (its size, the placement, its tenant's quota), kNone if it could.
  RejectReason never_admits(const Job& job);
  // `nodes` more nodes come online at t (>= the last instant processed); the
  // driver must then advance the cluster to t.
  void add_nodes(Seconds t, std::uint32_t nodes);
  // Busy and online GPU-seconds from 0 to t (t >= the last instant processed).
  double busy_gpu_seconds_until(Seconds t) const { return busy_gpu_s_ + busy_now() * (t - integrated_to_); }
  double online_gpu_seconds_until(Seconds t) const {
    return online_gpu_s_ + static_cast<double>(state_.pool().capacity_gpus()) * (t - integrated_to_);
  }

  // Null (the default): no calls. The observer must outlive the ClusterSim's use.
  void set_observer(ClusterObserver* observer) { observer_ = observer; }
  const ClusterState& state() const { return state_; }
  ClusterState& state() { return state_; }
  const std::vector<TimeseriesRow>& timeseries() const { return samples_; }
  std::uint64_t events_processed() const { return events_; }
  Seconds last_time() const { return last_time_; }
  std::uint64_t scheduling_passes() const { return passes_; }
  std::uint64_t trace_records_after_horizon() const;

 private:
  // At one instant: nodes arrive, come back up and finish repairs, then jobs complete, then nodes
  // fail (a job that ends at the instant its node fails has completed), then jobs arrive.
  enum class Kind : std::uint8_t {
    kCapacity = 0,
    kNodeUp = 1,
    kRepairDone = 2,
    kCompletion = 3,
    kFailure = 4,
    kArrival = 5,
    kSample = 6
  };
  // Ordered by time, then kind, then insertion order; kind and sequence share
  // one word (kind in the top three bits) to keep the heap's elements small.
  struct Event {
    Seconds t;
    std::uint64_t order;  // kind << 61 | sequence
    std::uint32_t ref;    // job index (completion), source index (arrival), node (failure, node up), repair
    std::uint32_t run;    // completion: the job's restarts when its run started (an ended run's is stale)
    Kind kind() const { return static_cast<Kind>(order >> 61); }
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : order > o.order; }
  };

  void push(Seconds t, Kind kind, std::uint32_t ref, std::uint32_t run = 0);
  void pull_arrival(std::uint32_t source);
  static constexpr std::uint32_t kInbox = 0xFFFFFFFFu;  // an arrival event's ref for a delivered job
  void admit(Job job, Seconds now);
  void enqueue(std::uint32_t job, Seconds now, bool front = false);
  void complete(std::uint32_t job, Seconds t);
  // One scheduling pass; returns how many jobs it started.
  std::size_t schedule(Seconds now);
  // The engine's side of a start the pass decided: the completion event and the observer.
  void commit(const StartDecision& d, Seconds now);
  // After a pass: tenant queue heads that did not start preempt what the cluster's preemption
  // settings allow (docs/scheduling.md, "Preemption"); returns how many heads started.
  std::size_t preempt(Seconds now);
  // The running jobs a head of `slot` (g GPUs, priority) may preempt, in the order they are tried.
  void preemption_candidates(std::uint32_t slot, std::int32_t priority);
  // Takes a running job off its GPUs (tentatively: restore() puts it back unchanged).
  void lift(std::uint32_t job, Seconds now);
  void restore(std::uint32_t job);
  // A lifted job becomes a preempted one: it keeps its checkpointed work and is queued again.
  void requeue_preempted(std::uint32_t job, Seconds now);
  // The books of a run that ends before the job does (preempted, or interrupted by a failure);
  // the job is already off its GPUs.
  void end_run(std::uint32_t job, Seconds now);
  bool head_fits(const QueueEntry& head, std::uint32_t slot) const;
  // Failures (docs/failures.md).
  void schedule_failure(std::uint32_t node, Seconds now);
  // A failure event of `node`: `run` is the node's epoch when its clock was drawn, or kTraced | the
  // index of a traced failure.
  void fail_node(std::uint32_t node, std::uint32_t run, Seconds now);
  static constexpr std::uint32_t kTraced = 0x80000000u;
  // One node goes down with failure class `cls`: its jobs are interrupted and its recovery begins.
  void take_down(std::uint32_t node, std::size_t cls, bool automatic, Seconds duration, Seconds now);
  void node_up(std::uint32_t node, Seconds now);
  void repair_done(std::uint32_t ticket, Seconds now);
  void start_repairs(Seconds now);
  void give_spare(std::uint32_t node, Seconds now);
  void interrupt(std::uint32_t job, Seconds now);
  void place_on_nodes(std::uint32_t job);
  void off_nodes(std::uint32_t job);
  void note_quota_holds();
  void note_online(Seconds t);
  void rank_tenants(Seconds now);
  void sample(Seconds t);
  void integrate_to(Seconds t);
  // GPUs and jobs are conserved: every GPU free or held by one running job, no GPU on an
  // offline node held, every job in exactly one state. Throws InternalError naming the rule.
  void check_conservation() const;

 public:
  // (Public for tests that check it at every instant.)
  void check_invariants() const { check_conservation(); }

 private:
  double busy_now() const { return static_cast<double>(state_.pool().up_gpus() - state_.pool().free_gpus()); }

  const Scenario& scenario_;
  const SchedulingSetup& policies_;
  const PreemptionSpec& preemption_;
  Seconds horizon_;
  ClusterState state_;
  NodePool empty_pool_;  // the cluster with every GPU free: admission asks placement "ever?" here
  std::unordered_map<std::uint32_t, bool> never_fits_;  // that answer, per job size (it depends on nothing else)
  std::vector<std::unique_ptr<JobSource>> sources_;
  std::vector<Job> pending_;  // next job of each source
  // A source whose rate changes over time (WorkloadSpec::thinned): its candidates are kept with
  // probability rate(t) / its maximum rate, from its own stream, and renumbered 1, 2, ...
  std::vector<std::optional<Thinner>> thinning_;  // parallel to sources_
  std::deque<Job> inbox_;                         // delivered jobs, in the order of their arrival events
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_queue_;
  std::uint64_t seq_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t passes_ = 0;
  std::uint64_t non_sample_events_ = 0;  // queued events other than samples
  std::vector<TimeseriesRow> samples_;
  Seconds last_time_ = 0;
  std::optional<Seconds> online_90pct_;
  std::optional<Seconds> keyed_at_;                             // when the queue order last recomputed its keys
  std::vector<double> tenant_weights_;                          // by tenant index
  std::vector<std::pair<double, std::uint32_t>> tenant_order_;  // rank_tenants' scratch
  std::vector<double> ranks_, tenant_keys_;                     // rank_tenants' scratch
  struct Level {
    std::size_t first, last;  // in tenant_order_
    double weight;            // queued jobs
    double rank;              // its tenants' common rank (NaN: they differ)
    bool keep;
  };
  std::vector<Level> levels_;  // rank_tenants' scratch
  std::vector<double> chain_;
  std::vector<std::ptrdiff_t> prev_;
  std::vector<std::set<std::uint32_t>> running_of_slot_;  // under preemption: running jobs by quota slot
  struct Candidate {
    bool borrowed;  // of another tenant that is borrowing (reclaim), else of the head's own tenant
    std::int32_t priority;
    Seconds start;
    std::uint32_t job;
  };
  std::vector<Candidate> candidates_;  // preemption_candidates' result
  std::vector<QueueEntry> heads_;      // preempt's scratch (it runs after every pass)
  std::vector<std::uint32_t> lifted_;  // preempt's scratch
  std::vector<PreemptedRun> preempted_runs_;
  double busy_gpu_s_ = 0, online_gpu_s_ = 0;
  Seconds integrated_to_ = 0;
  ClusterObserver* observer_ = nullptr;
  // Failures: null `failure_` when the cluster's GPU model does not fail.
  const FailureSpec* failure_ = nullptr;
  RepairSpec repair_;
  double node_mean_ttf_s_ = 0;  // mean up time of a node between failures
  // A place (a node index) is up, waits for its own node to recover (or for a spare), or has a
  // spare being swapped in.
  enum class NodeState : std::uint8_t { kUp, kAwaitingRepair, kSwapping };
  std::vector<NodeState> node_state_;                // by node (online ones)
  std::vector<std::uint32_t> node_epoch_;            // by node: failures so far (stales older clocks)
  std::vector<std::vector<std::uint32_t>> on_node_;  // running jobs by node
  struct Ticket {                                    // a failed node's recovery
    std::uint32_t node;                              // the place it failed in
    Seconds duration, queued_at;
    bool automatic;  // a reboot: no technician
  };
  std::vector<Ticket> tickets_;             // recoveries, in the order of the failures
  std::vector<std::uint32_t> own_ticket_;   // by node: the repair it waits for in place (kNoJob: none)
  std::deque<std::uint32_t> repair_queue_;  // tickets waiting for a technician
  std::deque<std::uint32_t> waiting_;       // nodes waiting for a repair in place, by failure time
  std::uint32_t technicians_busy_ = 0, spares_ = 0, repairing_ = 0;
  std::optional<Rng> ttf_rng_, class_rng_, repair_rng_, domain_rng_;
  std::vector<double> node_factor_;           // systematic failures: each place's rate factor (empty: none)
  std::vector<std::uint32_t> node_failures_;  // systematic failures: failures of each place's bad node
  FailureCounts failures_;
  std::uint32_t cluster_ = 0;                      // its index in Scenario::clusters
  [[maybe_unused]] std::uint64_t checked_at_ = 0;  // debug builds: events_ / 65536 at the last conservation check
};

}  // namespace gpufleet
