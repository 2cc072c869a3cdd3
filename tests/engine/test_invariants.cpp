// A policy that breaks the rules must stop the run with an internal error that
// names the rule, never produce a result (the CLI maps it to exit 3).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "gpufleet/plan.hpp"
#include "gpufleet/policy_registry.hpp"
#include "policies/builtin.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;

namespace {

// Always node 0, whatever is free there: the second job on it double-books GPUs.
class OverbookingPlacement final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "overbooking"; }
  Placement place(const NodePool&, const Job& job) const override {
    const std::uint32_t gpus = job.gpus;
    Placement p;
    p.outcome = PlaceOutcome::kFits;
    p.slices = {NodeSlice{0, gpus}};
    return p;
  }
};

}  // namespace

TEST_CASE("a placement that double-books GPUs stops the run with the invariant it broke", "[engine][invariants]") {
  PolicyRegistry registry;
  register_builtin_policies(registry);
  registry.add_placement({PolicyKind::kPlacement, "overbooking", "test only: ignores what is free", {}},
                         [](const PolicyParams&) { return std::make_unique<OverbookingPlacement>(); });
  const auto doc = nlohmann::json::parse(R"({
    "format_version": 1, "name": "broken", "seed": 1, "start": "2025-01-01", "horizon_days": 1,
    "gpu_models": [{"id": "g"}],
    "operators": [{"id": "op", "sites": [{"id": "s", "clusters": [{"id": "c", "gpu_model": "g", "nodes": 4, "gpus_per_node": 8}]}]}],
    "workloads": [{"id": "w", "cluster": "c", "kind": "synthetic", "arrival": {"process": "interval", "interval_s": 10},
                   "count": 3, "gpus": {"dist": "fixed", "value": 8}, "duration_s": {"dist": "fixed", "value": 3600}}],
    "scheduling": {"placement": {"policy": "overbooking"}}
  })");
  LoadOptions lo;
  lo.registry = &registry;
  const Scenario sc = load_scenario_json(doc, "broken.json", ".", lo);
  try {
    run_scenario(sc);
    FAIL("expected InternalError");
  } catch (const InternalError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("no GPU is allocated twice"));
  }
}

namespace {

// The right number of GPUs in the wrong shape: one GPU on each of `gpus` nodes.
class ScatteringPlacement final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "scattering"; }
  Placement place(const NodePool& pool, const Job& job) const override {
    const std::uint32_t gpus = job.gpus;
    Placement p;
    p.outcome = PlaceOutcome::kFits;
    for (std::uint32_t n = 0; n < gpus && n < pool.node_count(); ++n) p.slices.push_back(NodeSlice{n, 1});
    return p;
  }
};

}  // namespace

TEST_CASE("a placement with the right GPU total but not the gang shape is refused where it enters the engine",
          "[engine][invariants]") {
  ClusterState state(NodePool(8, 8, 0));
  Job j;
  j.id = 1;
  j.gpus = 8;  // one whole node
  j.runtime = j.requested = 100;
  const auto idx = state.add_job(j);
  state.enqueue(idx, QueueKey{0, 0});
  const ScatteringPlacement scatter;
  Plan plan(state, scatter, 0);
  const QueueEntry entry = *state.queue().begin();
  CHECK_THROWS_WITH(plan.try_start(entry, kStartInOrder),
                    Catch::Contains("a placement has the gang shape: whole nodes, and the remainder on one node"));
  CHECK(state.job(idx).state == JobState::kQueued);  // refused before anything was allocated
  CHECK(state.pool().free_gpus() == 64);
  // The same job through a placement that keeps the contract starts.
  const policies::FirstFit first_fit;
  Plan ok(state, first_fit, 0);
  CHECK(ok.try_start(entry, kStartInOrder) == PlaceOutcome::kFits);
  CHECK(state.job(idx).alloc == std::vector<NodeSlice>{{0, 8}});
}

namespace {

// kNever for long jobs: a verdict that depends on more than the GPU count.
class WalltimeNever final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "walltime_never"; }
  Placement place(const NodePool& pool, const Job& job) const override {
    if (job.requested > 1000) return Placement{PlaceOutcome::kNever, {}, "too long"};
    return policies::FirstFit().place(pool, job);
  }
};

}  // namespace

TEST_CASE("a placement whose kNever depends on more than the GPU count is refused at the pass",
          "[engine][invariants]") {
  ClusterState state(NodePool(2, 8, 0));
  Job j;
  j.id = 1;
  j.gpus = 8;
  j.runtime = j.requested = 5000;  // the engine asked about 8 GPUs for a short job: fits
  const auto idx = state.add_job(j);
  state.enqueue(idx, QueueKey{0, 0});
  const WalltimeNever never;
  Plan plan(state, never, 0);
  CHECK_THROWS_WITH(plan.try_start(*state.queue().begin(), kStartInOrder),
                    Catch::Contains("a placement's kNever depends only on the GPU count"));
  CHECK(state.job(idx).state == JobState::kQueued);
}
