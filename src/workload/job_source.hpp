// Where a cluster's jobs come from: synthetic generators and trace replays.
#pragma once

#include <memory>
#include <optional>

#include "core/rng.hpp"
#include "gpufleet/job.hpp"
#include "workload/workload_spec.hpp"

namespace gpufleet {

// Yields a workload's jobs in non-decreasing submit order, lazily.
class JobSource {
 public:
  virtual ~JobSource() = default;
  // The next job (submit time set, not yet admitted), or nothing when the
  // workload has ended or its next job would be submitted after `horizon`.
  virtual std::optional<Job> next() = 0;
  // Trace records never yielded because they come after the horizon.
  virtual std::uint64_t left_after_horizon() const { return 0; }
};

// What a source needs besides its workload's own spec.
struct JobSourceContext {
  std::uint64_t seed = 0;     // the scenario's seed
  Seconds horizon = 0;        // no job is submitted after it (infinity: none)
  double relative_speed = 1;  // of the cluster's GPU model: synthetic run times are divided by it
};

// A source of `spec`'s jobs (`spec` must outlive it); jobs carry `workload_index` (their index
// into Scenario::workloads). Random streams are named after the workload's id, so adding a
// workload does not change another's jobs.
std::unique_ptr<JobSource> make_job_source(const WorkloadSpec& spec, std::uint32_t workload_index,
                                           const JobSourceContext& context);

}  // namespace gpufleet
