// A policy that breaks the rules must stop the run with an internal error that
// names the rule, never produce a result (the CLI maps it to exit 3).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gpufleet/engine.hpp"
#include "gpufleet/policy_registry.hpp"
#include "gpufleet/scenario_loader.hpp"

using namespace gpufleet;

namespace {

// Always node 0, whatever is free there: the second job on it double-books GPUs.
class OverbookingPlacement final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "overbooking"; }
  Placement place(const NodePool&, std::uint32_t gpus) const override {
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
                         [](detail::ObjectReader&) { return std::make_unique<OverbookingPlacement>(); });
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
