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
  const std::vector<double> weights;
  const QueueContext context{0, state, weights};
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

TEST_CASE("fair_share: Slurm's classic factor 2^(-U/S) from decayed usage, worked by hand", "[policies][queue]") {
  // Tenants 0 and 1 of weights 1 and 3 (S = 1/4, 3/4). Tenant 0 holds 2 GPUs from t=0, tenant 1
  // 2 GPUs from t=0 to 100 and nothing after. Half-life 100 s.
  ClusterState state(NodePool(4, 1, 4), StateSetup{{}, QuotaBook(), TenantQueueing::kStrictFifo, 100.0});
  auto run = [&](std::uint32_t tenant, std::uint32_t node) {
    Job j;
    j.tenant = tenant;
    j.gpus = 1;
    j.start = 0;
    j.state = JobState::kRunning;
    j.alloc = {NodeSlice{node, 1}};
    state.pool().allocate(j.alloc);
    const auto i = state.add_job(j);
    state.add_running(i);
    return i;
  };
  run(0, 0), run(0, 1);
  const auto b1 = run(1, 2), b2 = run(1, 3);
  for (auto i : {b1, b2}) {
    state.job(i).end = 100;
    state.remove_running(i, 100);
  }
  const std::vector<double> weights = {1, 3};
  std::vector<double> f;
  // At t=100 both used 2 GPUs for 100 s: decayed usage 2 * (h / ln 2) * (1 - 1/2) each, so U = 1/2
  // each: F0 = 2^(-(1/2)/(1/4)) = 1/4, F1 = 2^(-(1/2)/(3/4)) = 2^(-2/3).
  FairShareOrder::factors(QueueContext{100, state, weights}, f);
  CHECK(f[0] == Approx(0.25).epsilon(1e-12));
  CHECK(f[1] == Approx(std::exp2(-2.0 / 3)).epsilon(1e-12));
  // At t=200 tenant 1's usage has halved, tenant 0's grew: u0 = 2 (h/ln2)(1 - 1/4), u1 = 2 (h/ln2)/4,
  // U0 = 3/4, U1 = 1/4: F0 = 2^-3, F1 = 2^(-1/3). Tenant 1 (higher F) goes first.
  FairShareOrder::factors(QueueContext{200, state, weights}, f);
  CHECK(f[0] == Approx(0.125).epsilon(1e-12));
  CHECK(f[1] == Approx(std::exp2(-1.0 / 3)).epsilon(1e-12));
  std::vector<double> keys;
  FairShareOrder(100).tenant_keys(QueueContext{200, state, weights}, keys);
  CHECK(keys[1] < keys[0]);
  // Nothing used: every factor 1.
  const ClusterState fresh(NodePool(1, 1, 1));
  FairShareOrder::factors(QueueContext{0, fresh, weights}, f);
  CHECK(f == std::vector<double>{1, 1});
}
