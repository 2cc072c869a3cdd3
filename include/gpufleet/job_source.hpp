// Where a cluster's jobs come from: synthetic generators and trace replays.
#pragma once

#include <memory>
#include <optional>

#include "gpufleet/job.hpp"
#include "gpufleet/rng.hpp"
#include "gpufleet/scenario.hpp"

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

// `workload_index` indexes scenario.workloads. Random streams are named after
// the workload's id, so adding a workload does not change another's jobs.
std::unique_ptr<JobSource> make_job_source(const Scenario& scenario, std::uint32_t workload_index);

}  // namespace gpufleet
