// The built-in federation policies, from literal member views (no SimGrid, no cluster).
#include <catch2/catch.hpp>

#include <limits>

#include <nlohmann/json.hpp>

#include "gpufleet/federation.hpp"
#include "gpufleet/policy_registry.hpp"

using namespace gpufleet;

namespace {

std::unique_ptr<FederationPolicy> make(const std::string& name) {
  Diagnostics diags;
  auto p = builtin_policy_registry().make_federation(nlohmann::ordered_json{{"policy", name}}, "t.json",
                                                     "/federation/policy", diags);
  REQUIRE(p);
  return p;
}

MemberView member(std::uint32_t cluster, bool home, std::uint64_t online, std::uint64_t free, std::uint64_t queued,
                  std::uint64_t headroom = ~std::uint64_t{0}, bool admissible = true) {
  MemberView v;
  v.cluster = cluster;
  v.home = home;
  v.online_gpus = online;
  v.free_gpus = free;
  v.queued_gpus = queued;
  v.quota_headroom_gpus = headroom;
  v.admissible = admissible;
  return v;
}

Job job(std::uint32_t gpus) {
  Job j;
  j.gpus = gpus;
  return j;
}

}  // namespace

TEST_CASE("member views: load, lendable GPUs and can_start", "[federation]") {
  const MemberView v = member(0, true, 100, 40, 20, 30);
  CHECK(v.load() == Approx((60.0 + 20.0) / 100.0));
  CHECK(v.lendable_gpus() == 30);
  CHECK(v.can_start(30));
  CHECK_FALSE(v.can_start(31));  // the quota headroom binds
  CHECK_FALSE(member(0, true, 100, 40, 0, ~std::uint64_t{0}, false).can_start(1));
  CHECK(member(0, true, 0, 0, 0).load() == std::numeric_limits<double>::infinity());
}

TEST_CASE("federation policy none: always the home cluster", "[federation]") {
  const auto p = make("none");
  CHECK(p->choose(job(8), {member(0, false, 100, 100, 0), member(1, true, 8, 0, 50)}) == 1);
}

TEST_CASE("federation policy home_first: home when it can start there, else the least loaded that can, else home",
          "[federation]") {
  const auto p = make("home_first");
  // Home can start it: home, though another member is emptier.
  CHECK(p->choose(job(8), {member(0, true, 16, 8, 0), member(1, false, 100, 100, 0)}) == 0);
  // Home is full: of the two that can start it, the less loaded (member 2: 0.5 against 0.75).
  CHECK(p->choose(job(8), {member(0, true, 16, 0, 8), member(1, false, 40, 10, 0), member(2, false, 40, 20, 0)}) == 2);
  // Member 2 has the free GPUs but its tenant's quota headroom is 4: member 1.
  CHECK(p->choose(job(8), {member(0, true, 16, 0, 8), member(1, false, 40, 10, 0), member(2, false, 40, 20, 0, 4)}) ==
        1);
  // Nobody can start it now: it waits at home.
  CHECK(p->choose(job(8), {member(0, true, 16, 0, 8), member(1, false, 40, 4, 0)}) == 0);
  // Home can never run it (too large, or no quota there): the least loaded member that can, though busy.
  CHECK(p->choose(job(64), {member(0, true, 16, 16, 0, ~std::uint64_t{0}, false), member(1, false, 100, 0, 200),
                            member(2, false, 100, 0, 100)}) == 2);
}

TEST_CASE(
    "federation policy most_lendable: the most GPUs the tenant could take now, ties to the home, then the lower load",
    "[federation]") {
  const auto p = make("most_lendable");
  CHECK(p->choose(job(1), {member(0, true, 16, 8, 0), member(1, false, 100, 50, 0, 20)}) == 1);  // 20 > 8
  CHECK(p->choose(job(1), {member(0, false, 100, 20, 0), member(1, true, 40, 20, 0)}) == 1);     // tie: home
  CHECK(p->choose(job(1), {member(0, false, 100, 20, 50), member(1, false, 100, 20, 0)}) == 1);  // tie: less load
  CHECK(p->choose(job(1), {member(0, true, 16, 16, 0, ~std::uint64_t{0}, false), member(1, false, 8, 0, 0)}) == 1);
}

TEST_CASE("federation policies are listed by the registry with their kind", "[federation][registry]") {
  int n = 0;
  for (const PolicyInfo& info : builtin_policy_registry().list())
    if (info.kind == PolicyKind::kFederation) ++n;
  CHECK(n == 3);
  CHECK(builtin_policy_registry().find(PolicyKind::kFederation, "home_first"));
  Diagnostics diags;
  CHECK_FALSE(builtin_policy_registry().make_federation(nlohmann::ordered_json{{"policy", "nearest"}}, "t.json",
                                                        "/federation/policy", diags));
  REQUIRE(diags.size() == 1);
}
