#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gpufleet/policy_registry.hpp"
#include "policies/builtin.hpp"

using namespace gpufleet;
using namespace gpufleet::policies;

namespace {
Job job(Seconds submit, Seconds requested, std::int32_t priority) {
  Job j;
  j.submit = submit;
  j.requested = requested;
  j.priority = priority;
  return j;
}
bool before(const QueueOrder& o, const Job& a, const Job& b) {
  const ClusterState state(NodePool(1, 8, 1));
  const QueueContext context{0, state};
  const QueueKey ka = o.key(a, context), kb = o.key(b, context);
  return std::tie(ka.primary, ka.secondary) < std::tie(kb.primary, kb.secondary);
}
}  // namespace

TEST_CASE("queue orders rank jobs by their documented keys", "[policies][queue]") {
  const Job early_long_low = job(0, 1000, 0);
  const Job late_short_high = job(10, 5, 9);
  const Job late_long_high = job(20, 1000, 9);
  CHECK(before(FcfsOrder{}, early_long_low, late_short_high));
  CHECK(before(SjfOrder{}, late_short_high, early_long_low));
  CHECK(before(SjfOrder{}, early_long_low, late_long_high));  // same walltime: earlier submit first
  CHECK(before(PriorityOrder{}, late_short_high, early_long_low));
  CHECK(before(PriorityOrder{}, late_short_high, late_long_high));  // same priority: earlier submit first
}

TEST_CASE("the registry lists every built-in and refuses duplicates", "[policies][registry]") {
  const auto list = builtin_policy_registry().list();
  std::vector<std::string> names;
  for (const auto& p : list) names.push_back(std::string(to_string(p.kind)) + ":" + p.name);
  for (const char* want : {"queue:fcfs", "queue:sjf", "queue:priority", "backfill:none", "backfill:easy",
                           "backfill:conservative", "placement:first_fit", "placement:best_fit", "placement:pack"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
  PolicyRegistry reg;
  register_builtin_policies(reg);
  CHECK_THROWS_AS(register_builtin_policies(reg), std::logic_error);
}

TEST_CASE("policy parameters are checked with their JSON pointer", "[policies][registry]") {
  Diagnostics diags;
  const auto& reg = builtin_policy_registry();
  CHECK(reg.make_backfill({{"policy", "conservative"}, {"params", {{"max_reservations", 5}}}}, "s.json",
                          "/scheduling/backfill", diags));
  CHECK(diags.empty());
  CHECK_FALSE(reg.make_backfill({{"policy", "conservative"}, {"params", {{"max_reservations", -1}}}}, "s.json",
                                "/scheduling/backfill", diags));
  CHECK_FALSE(
      reg.make_backfill({{"policy", "easy"}, {"params", {{"depth", 3}}}}, "s.json", "/scheduling/backfill", diags));
  CHECK_FALSE(reg.make_placement({{"policy", "worst_fit"}}, "s.json", "/scheduling/placement", diags));
  REQUIRE(diags.size() == 3);
  CHECK(diags.items()[0].location == "/scheduling/backfill/params/max_reservations");
  CHECK(diags.items()[1].location == "/scheduling/backfill/params/depth");
  CHECK(diags.items()[2].location == "/scheduling/placement/policy");
  CHECK_THAT(diags.items()[2].message, Catch::Contains("first_fit") && Catch::Contains("worst_fit"));
}
