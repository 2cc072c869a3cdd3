// The national queue of a federation, minus the network (docs/scheduling.md, "Federation").
//
// It owns the federated workloads' job sources and decides, at each submission, which member
// cluster runs the job: the federation policy chooses over one view per member, taken from the
// members' ClusterSims (jobs already sent to a member whose data is still in transit count there
// as queued, their GPUs as taken). It moves no data: a driver (the SimGrid engine, or a test)
// delivers each job at once, or stages its input data first and then reports the transfer done.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/rng.hpp"
#include "gpufleet/federation.hpp"
#include "scenario/scenario.hpp"
#include "sim/cluster_sim.hpp"
#include "sim/run_result.hpp"
#include "workload/job_source.hpp"
#include "workload/thinning.hpp"

namespace gpufleet {

class NationalQueue {
 public:
  // What the queue decided for one job.
  struct Dispatch {
    Job job;                 // its cluster is the member's; a synthetic run time is rescaled to its GPUs
    std::size_t member = 0;  // index into FederationSpec::members
    std::uint32_t home = 0;  // the job's home cluster (its workload's)
    double input_gb = 0;     // its input data (drawn for every job of a workload with input_gb)
    bool stage = false;      // its data crosses the backbone first: another site, and some data
  };

  // `sims` (one per cluster of `sc`) must outlive the queue.
  NationalQueue(const Scenario& sc, std::vector<std::unique_ptr<ClusterSim>>& sims);

  // The next submission time (ClusterSim::kNever when the federated workloads have ended).
  Seconds next_submit() const;
  // The next job submitted by `now` (in submit order; ties: the workload's order in the scenario),
  // with its member chosen; nothing when none is due. A staged job counts as in transit to its
  // member until transfer_done().
  std::optional<Dispatch> next_due(Seconds now);
  // A staged job's data arrived after `staging_s`.
  void transfer_done(const Dispatch& d, Seconds staging_s);
  // Jobs whose data was still in transit when the run ended.
  void in_transit_at_end(std::uint64_t jobs) { outcome_.in_transit_at_end += jobs; }
  const FederationOutcome& outcome() const { return outcome_; }

 private:
  struct Source {
    std::unique_ptr<JobSource> source;
    std::optional<Job> next;
    Rng input;
    std::uint32_t workload;
    std::optional<Thinner> thinning;  // a rate that changes over time (WorkloadSpec::thinned)
  };

  const Scenario& sc_;
  std::vector<std::unique_ptr<ClusterSim>>& sims_;
  std::vector<Source> sources_;
  std::vector<MemberView> views_;
  std::vector<std::uint64_t> inbound_gpus_;  // by member: GPUs of the jobs in transit to it
  FederationOutcome outcome_;
};

}  // namespace gpufleet
