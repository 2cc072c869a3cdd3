// Federation: which member cluster runs a job submitted to the national queue.
//
// A federated workload's jobs are submitted to a national queue, not to one cluster. At each
// submission the engine builds one view per member cluster (below) and asks the federation
// policy where the job goes; a job sent away from its home cluster first stages its input data
// over the national backbone (docs/scheduling.md, "Federation"). Pure: views in, an index out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gpufleet/job.hpp"

namespace gpufleet {

// One member cluster as the policy sees it when the job is submitted: the state after the last
// instant the member has processed (the submission instant, or an earlier one).
struct MemberView {
  std::uint32_t cluster = 0;      // index into the scenario's clusters
  bool home = false;              // the job's home cluster (its workload's "cluster")
  bool admissible = false;        // the job could ever run there: size, placement, its tenant's quota
  std::uint64_t online_gpus = 0;  // GPUs online now
  // Online and held by no job, less the GPUs of jobs already sent there whose data is in transit.
  std::uint64_t free_gpus = 0;    // free GPUs less those the jobs in transit to it will take
  std::uint64_t queued_gpus = 0;  // GPUs asked for by the jobs queued there, and by the jobs in transit
                                  // to it beyond its free GPUs (each GPU counted once)
  // How many more GPUs the job's tenant may start there now under the member's quotas (its nominal
  // quota plus borrowing limit, and what its cohort can still lend); kUnlimitedGpus (quota.hpp's
  // value, all ones) when the member does not admit by quota.
  std::uint64_t quota_headroom_gpus = ~std::uint64_t{0};

  // The job's GPUs are free there now and its tenant's quota allows them (placement may still find
  // the free GPUs fragmented).
  bool can_start(std::uint32_t gpus) const { return admissible && free_gpus >= gpus && quota_headroom_gpus >= gpus; }
  // GPUs the job's tenant could take there now: free GPUs within its quota headroom.
  std::uint64_t lendable_gpus() const { return free_gpus < quota_headroom_gpus ? free_gpus : quota_headroom_gpus; }
  // Work there per online GPU: (busy + queued GPUs) / online GPUs (infinity with none online).
  double load() const;
};

class FederationPolicy {
 public:
  virtual ~FederationPolicy() = default;
  virtual std::string_view name() const = 0;
  // The member that runs `job`: an index into `members` (one per member cluster, in the
  // scenario's order, exactly one of them the home). The engine refuses an index out of range
  // (an internal error); a member that is not admissible rejects the job there, as any cluster
  // rejects a job that can never run on it.
  virtual std::size_t choose(const Job& job, const std::vector<MemberView>& members) const = 0;
};

}  // namespace gpufleet
