// Supply allocation policies on hand-computable demands (no SimGrid).
#include <catch2/catch.hpp>

#include <limits>

#include "policies/builtin.hpp"

using namespace gpufleet;
using namespace gpufleet::policies;

namespace {

// Three orders of one HBM generation (8 stacks per GPU):
//   0: 1000 GPUs outstanding, ordered day 10, due day 100, priority 0, site ready for 100
//   1:  500 GPUs outstanding, ordered day  5, due day 200, priority 0, site ready for 0
//   2:  500 GPUs outstanding, ordered day 20, due day  50, priority 9, site ready for 2000
std::vector<SupplyDemand> demands() {
  std::vector<SupplyDemand> d(3);
  d[0] = {0, 1000, 10, 100, 0, 100, 0, 8};
  d[1] = {1, 500, 5, 200, 0, 0, 0, 8};
  d[2] = {2, 500, 20, 50, 9, 2000, 0, 8};
  return d;
}

SupplyBudget budget(double gpus, double packaging = std::numeric_limits<double>::infinity()) {
  return SupplyBudget{{gpus * 8}, packaging};
}

}  // namespace

TEST_CASE("supply policies divide 800 GPUs' worth of HBM among three orders", "[rollout][supply]") {
  using V = std::vector<std::uint64_t>;
  CHECK(FcfsOrders{}.allocate(demands(), budget(800)) == V{300, 500, 0});       // by order date: 1, then 0
  CHECK(PrioritySupply{}.allocate(demands(), budget(800)) == V{0, 300, 500});   // 2 first, then by date: 1
  CHECK(EarliestDueDate{}.allocate(demands(), budget(800)) == V{300, 0, 500});  // due 50, then 100
  CHECK(SiteReadyFirst{}.allocate(demands(), budget(800)) ==
        V{100, 200, 500});  // ready: 2 (500), 0 (100); rest by date: 1
  // Pro rata: 800 of 2000 outstanding = 40 % each.
  CHECK(ProRata{}.allocate(demands(), budget(800)) == V{400, 200, 200});
}

TEST_CASE("supply policies respect the packaging limit and never exceed demand", "[rollout][supply]") {
  using V = std::vector<std::uint64_t>;
  CHECK(FcfsOrders{}.allocate(demands(), budget(10'000, 600)) == V{100, 500, 0});
  CHECK(ProRata{}.allocate(demands(), budget(10'000, 600)) == V{300, 150, 150});
  CHECK(FcfsOrders{}.allocate(demands(), budget(10'000)) == V{1000, 500, 500});
  CHECK(ProRata{}.allocate(demands(), budget(10'000)) == V{1000, 500, 500});
  // Pro rata rounding: 7 GPUs over 3 equal demands: 2 each, the leftover one by order date.
  std::vector<SupplyDemand> eq = {{0, 10, 3, 0, 0, 0, 0, 1}, {1, 10, 1, 0, 0, 0, 0, 1}, {2, 10, 2, 0, 0, 0, 0, 1}};
  CHECK(ProRata{}.allocate(eq, SupplyBudget{{7}, std::numeric_limits<double>::infinity()}) == V{2, 3, 2});
}

TEST_CASE("supply budgets are per HBM generation", "[rollout][supply]") {
  using V = std::vector<std::uint64_t>;
  // Order 0 needs generation 0 (8 stacks/GPU), order 1 generation 1 (12 stacks/GPU).
  std::vector<SupplyDemand> d = {{0, 100, 1, 0, 0, 0, 0, 8}, {1, 100, 2, 0, 0, 0, 1, 12}};
  CHECK(FcfsOrders{}.allocate(d, SupplyBudget{{400, 1200}, std::numeric_limits<double>::infinity()}) == V{50, 100});
  CHECK(FcfsOrders{}.allocate(d, SupplyBudget{{0, 600}, std::numeric_limits<double>::infinity()}) == V{0, 50});
}
