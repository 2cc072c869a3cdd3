#include "my_policies.hpp"

#include <cstdint>
#include <memory>
#include <vector>

#include <gpufleet/cluster_state.hpp>
#include <gpufleet/node_pool.hpp>
#include <gpufleet/policy.hpp>

namespace my_policies {
namespace {

using gpufleet::Job;
using gpufleet::NodePool;
using gpufleet::NodeSlice;
using gpufleet::Placement;
using gpufleet::PlaceOutcome;
using gpufleet::QueueContext;
using gpufleet::QueueKey;

// Fair share between workloads: the workload that has used the fewest GPU-hours so far on this
// cluster goes first (then submit time). Usage changes as jobs run, so the key is recomputed
// before every scheduling pass (Keying::kEveryPass).
class FairShare final : public gpufleet::QueueOrder {
 public:
  std::string_view name() const override { return "workload_share"; }
  QueueKey key(const Job& job, const QueueContext& context) const override {
    const double used_gpu_hours = context.state.usage(job.workload, context.now).gpu_seconds / 3600.0;
    return {used_gpu_hours, job.submit};
  }
  Keying keying() const override { return Keying::kEveryPass; }
};

// Long jobs at the top of the cluster, short ones at the bottom (so that long jobs do not
// fragment the nodes short jobs cycle through): a job whose requested walltime is at least
// `long_hours` takes the highest-index nodes, any other job the lowest. The gang shape of the
// PlacementPolicy contract is kept: whole nodes, and the remainder on one more node.
// A plain node scan (O(nodes) per call): fine for an example, not for 32,500 nodes.
class WalltimeSplit final : public gpufleet::PlacementPolicy {
 public:
  explicit WalltimeSplit(double long_hours) : long_s_(long_hours * 3600.0) {}
  std::string_view name() const override { return "walltime_split"; }

  Placement place(const NodePool& pool, const Job& job) const override {
    const std::uint32_t per_node = pool.gpus_per_node();
    Placement p;
    // kNever may depend only on the GPU count and the pool's shape (the contract).
    if (job.gpus == 0 || job.gpus > std::uint64_t{pool.node_count()} * per_node) {
      p.outcome = PlaceOutcome::kNever;
      p.reason = "more GPUs than the cluster has";
      return p;
    }
    const std::uint32_t whole = job.gpus / per_node, remainder = job.gpus % per_node;
    const bool from_top = job.requested >= long_s_;
    const std::uint32_t n = pool.node_count();
    std::vector<bool> taken(n, false);
    for (std::uint32_t i = 0; i < n && p.slices.size() < whole; ++i) {
      const std::uint32_t node = from_top ? n - 1 - i : i;
      if (pool.free(node) == per_node) {
        p.slices.push_back(NodeSlice{node, per_node});
        taken[node] = true;
      }
    }
    if (p.slices.size() < whole) return p;  // kNotNow
    if (remainder > 0) {
      bool found = false;
      for (std::uint32_t i = 0; i < n && !found; ++i) {
        const std::uint32_t node = from_top ? n - 1 - i : i;
        if (!taken[node] && pool.free(node) >= remainder) {
          p.slices.push_back(NodeSlice{node, remainder});
          found = true;
        }
      }
      if (!found) {
        p.slices.clear();
        return p;  // kNotNow
      }
    }
    p.outcome = PlaceOutcome::kFits;
    return p;
  }

 private:
  double long_s_;
};

}  // namespace

void register_all(gpufleet::PolicyRegistry& registry) {
  registry.add_queue_order({gpufleet::PolicyKind::kQueueOrder,
                            "workload_share",
                            "the workload with the fewest GPU-hours used so far on the cluster first, then submit time",
                            {}},
                           [](const gpufleet::PolicyParams&) { return std::make_unique<FairShare>(); });
  registry.add_placement(
      {gpufleet::PolicyKind::kPlacement,
       "walltime_split",
       "jobs asking for at least long_hours take the highest-index nodes, others the lowest",
       {gpufleet::number_param("long_hours", 4.0, 0.0, 1e6, "requested walltime from which a job counts as long")}},
      [](const gpufleet::PolicyParams& params) {
        return std::make_unique<WalltimeSplit>(params.number("long_hours"));
      });
}

}  // namespace my_policies
