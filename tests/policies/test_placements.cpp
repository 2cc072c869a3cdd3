#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "gpufleet/policy_registry.hpp"
#include "policies/builtin.hpp"

using namespace gpufleet;
using namespace gpufleet::policies;

namespace {
std::vector<NodeSlice> slices(const Placement& p) { return p.slices; }
}  // namespace

TEST_CASE("placements on a literal pool: which nodes each policy picks", "[policies][placement]") {
  const FirstFit first_fit;
  const BestFit best_fit;
  const Pack pack;
  struct Case {
    const char* name;
    std::vector<std::uint32_t> free;  // free GPUs per node
    std::uint32_t rack_nodes;
    const PlacementPolicy* policy;
    std::uint32_t gpus;
    PlaceOutcome outcome;
    std::vector<NodeSlice> want;
  };
  const std::vector<Case> cases = {
      {"first_fit: small job on the lowest node with room",
       {2, 8, 5, 8},
       0,
       &first_fit,
       4,
       PlaceOutcome::kFits,
       {{1, 4}}},
      {"best_fit: small job on the fullest node with room",
       {2, 8, 5, 8},
       0,
       &best_fit,
       4,
       PlaceOutcome::kFits,
       {{2, 4}}},
      {"first_fit: gang = whole node + lowest node for remainder",
       {8, 6, 4, 8},
       0,
       &first_fit,
       12,
       PlaceOutcome::kFits,
       {{0, 8}, {1, 4}}},
      {"best_fit: gang = whole node + fullest node for remainder",
       {8, 6, 4, 8},
       0,
       &best_fit,
       12,
       PlaceOutcome::kFits,
       {{0, 8}, {2, 4}}},
      {"remainder may take a second whole node",
       {8, 3, 2, 8},
       0,
       &first_fit,
       12,
       PlaceOutcome::kFits,
       {{0, 8}, {3, 4}}},
      {"not now: one whole node free, two needed", {8, 6, 4, 7}, 0, &first_fit, 16, PlaceOutcome::kNotNow, {}},
      {"never: more GPUs than the cluster", {8, 8, 8, 8}, 0, &first_fit, 40, PlaceOutcome::kNever, {}},
      {"never: zero GPUs", {8, 8, 8, 8}, 0, &best_fit, 0, PlaceOutcome::kNever, {}},
      {"pack: gang in the rack with the fewest whole nodes that hold it",
       {8, 0, 8, 8, 8, 8, 0, 0},
       4,
       &pack,
       16,
       PlaceOutcome::kFits,
       {{4, 8}, {5, 8}}},
      {"first_fit: same gang on the lowest nodes across racks",
       {8, 0, 8, 8, 8, 8, 0, 0},
       4,
       &first_fit,
       16,
       PlaceOutcome::kFits,
       {{0, 8}, {2, 8}}},
      {"pack: gang larger than any rack takes the fullest racks first",
       {8, 0, 8, 8, 8, 8, 0, 0},
       4,
       &pack,
       40,
       PlaceOutcome::kFits,
       {{0, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}}},
      {"pack: small job goes best-fit", {8, 3, 8, 8}, 2, &pack, 2, PlaceOutcome::kFits, {{1, 2}}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const NodePool pool(c.free, 8, c.rack_nodes);
    const Placement p = c.policy->place(pool, test::job_with_gpus(c.gpus));
    CHECK(p.outcome == c.outcome);
    CHECK(slices(p) == c.want);
    if (p.outcome == PlaceOutcome::kNever) CHECK_FALSE(p.reason.empty());
  }
}

TEST_CASE("every placement honours the gang contract on random pools", "[policies][placement]") {
  // Every registered placement, not a list kept by hand: a new built-in is checked as it is added.
  std::vector<std::unique_ptr<PlacementPolicy>> placements;
  Diagnostics diags;
  for (const PolicyInfo& info : builtin_policy_registry().list())
    if (info.kind == PolicyKind::kPlacement)
      placements.push_back(
          builtin_policy_registry().make_placement(nlohmann::json{{"policy", info.name}}, "registry", "", diags));
  REQUIRE(diags.empty());
  REQUIRE(placements.size() >= 3);
  std::uint64_t x = 99;
  auto rnd = [&](std::uint32_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>((x >> 33) % n);
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<std::uint32_t> free(40);
    for (auto& f : free) f = rnd(3) == 0 ? 8 : rnd(9);
    const NodePool pool(free, 8, 5);
    const std::uint32_t gpus = 1 + rnd(60);
    for (const auto& policy : placements) {
      INFO(policy->name() << " gpus=" << gpus << " round=" << round);
      const Placement p = policy->place(pool, test::job_with_gpus(gpus));
      REQUIRE(p.outcome != PlaceOutcome::kNever);
      REQUIRE((p.outcome == PlaceOutcome::kFits) == pool.fits_now(gpus));
      if (p.outcome != PlaceOutcome::kFits) continue;
      std::uint32_t total = 0, whole = 0;
      std::vector<std::uint32_t> seen;
      for (const auto& s : p.slices) {
        REQUIRE(s.gpus <= pool.free(s.node));
        REQUIRE(std::find(seen.begin(), seen.end(), s.node) == seen.end());
        seen.push_back(s.node);
        total += s.gpus;
        if (s.gpus == 8) ++whole;
      }
      REQUIRE(total == gpus);
      REQUIRE(whole >= gpus / 8);
      REQUIRE(p.slices.size() == gpus / 8 + (gpus % 8 ? 1 : 0));
    }
  }
}
