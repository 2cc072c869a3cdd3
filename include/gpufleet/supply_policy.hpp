// Supply allocation: which outstanding orders get this step's scarce HBM and packaging.
//
// Pure: demands and budgets in, GPUs per demand out. The caller guarantees the
// result is feasible by construction of the helpers below; policies differ only
// in the order (or proportion) in which they serve demands.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gpufleet/job.hpp"

namespace gpufleet {

struct SupplyDemand {
  std::uint32_t order = 0;             // index into RolloutSpec::orders
  std::uint64_t outstanding_gpus = 0;  // ordered (and due for supply) but not yet allocated
  Seconds ordered = 0;                 // order date
  Seconds next_due = 0;                // due date of the earliest tranche not yet covered
  std::int32_t priority = 0;
  std::uint64_t site_ready_gpus = 0;  // GPUs the destination site could power now beyond those already bound for it
  std::uint32_t generation = 0;       // HBM generation (index into the step's budget)
  std::uint32_t stacks_per_gpu = 1;
};

struct SupplyBudget {
  std::vector<double> good_stacks;  // per HBM generation, available this step
  double packaging_gpus = 0;        // GPUs the packaging stage can take this step (infinity: no limit)
};

class SupplyAllocationPolicy {
 public:
  virtual ~SupplyAllocationPolicy() = default;
  virtual std::string_view name() const = 0;
  // GPUs to build for each demand (same order as `demands`); never more than a
  // demand's outstanding GPUs, and within the budget in total.
  virtual std::vector<std::uint64_t> allocate(const std::vector<SupplyDemand>& demands,
                                              const SupplyBudget& budget) const = 0;
};

// Serves demands greedily in the given order of indices, each as far as its
// outstanding GPUs and the remaining budget allow. The building block of the
// ordered policies.
std::vector<std::uint64_t> allocate_in_order(const std::vector<SupplyDemand>& demands, const SupplyBudget& budget,
                                             const std::vector<std::size_t>& order);

}  // namespace gpufleet
