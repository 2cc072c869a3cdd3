// Thinning of a workload whose arrival rate changes over time (docs/scenario-format.md, "Demand
// over time"; Lewis and Shedler 1979). Its JobSource draws candidates at the highest rate the
// schedule allows; whoever knows the cluster's state at a candidate's instant (ClusterSim, or the
// national queue for a federated workload) asks keep() once per candidate, in time order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/rng.hpp"
#include "workload/workload_spec.hpp"

namespace gpufleet {

class Thinner {
 public:
  Thinner(const WorkloadSpec& spec, std::uint64_t seed);

  // Whether the candidate at `t` is kept: with probability rate(t) ÷ the maximum rate, where
  // `online_share` (online ÷ all GPUs of the workload's cluster) counts only under follow_online.
  // One draw from the stream `workload/ID/thinning` per call, kept or not. `t` never decreases.
  bool keep(Seconds t, double online_share);
  // Jobs kept so far (they are numbered 1, 2, ... in this order).
  std::uint64_t kept() const { return kept_; }
  // Whether the workload's job count (WorkloadSpec::count), which counts kept jobs, is reached:
  // then no further candidate is drawn.
  bool done() const { return spec_->count && kept_ >= *spec_->count; }

 private:
  const WorkloadSpec* spec_;
  Rng rng_;
  double max_factor_;       // the schedule's maximum factor, computed once
  std::size_t cursor_ = 0;  // the first step of the schedule not yet in force
  double factor_ = 1;       // the factor in force at the last candidate (1 before the first step)
  std::uint64_t kept_ = 0;
};

}  // namespace gpufleet
