// NationalQueue driven by hand (no SimGrid): where each federated job goes, what it carries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "gpufleet/policy_registry.hpp"
#include "scenario/scenario_loader.hpp"
#include "sim/cluster_sim.hpp"
#include "sim/national_queue.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

// Two operators, one site each: "home" (1 node of 8 GPUs of speed 1) and "away" (1 node of 8 GPUs
// of speed 2), federated under `policy`; one federated workload of 8-GPU jobs of 1,000 s (on speed
// 1) submitted every second from t = 1, each with 10 GB of input data.
Json federated_pair(const std::string& policy, int jobs) {
  return Json::parse(R"({
    "format_version": 1, "name": "fed", "seed": 3, "start": "2026-01-01", "horizon_days": 1,
    "gpu_models": [{"id": "g1", "relative_speed": 1}, {"id": "g2", "relative_speed": 2}],
    "operators": [
      {"id": "pub", "sites": [{"id": "s1", "clusters": [{"id": "home", "gpu_model": "g1", "nodes": 1, "gpus_per_node": 8}]}]},
      {"id": "firm", "sites": [{"id": "s2", "clusters": [{"id": "away", "gpu_model": "g2", "nodes": 1, "gpus_per_node": 8}]}]}
    ],
    "federation": {"policy": {"policy": ")" +
                     policy + R"("}, "members": ["home", "away"],
                   "network": {"backbone_gbps": 100, "uplink_gbps": 8}},
    "workloads": [{"id": "w", "cluster": "home", "kind": "synthetic", "federated": true, "count": )" +
                     std::to_string(jobs) + R"(,
                   "arrival": {"process": "interval", "interval_s": 1}, "gpus": {"dist": "fixed", "value": 8},
                   "duration_s": {"dist": "fixed", "value": 1000}, "input_gb": {"dist": "fixed", "value": 10}}]
  })");
}

std::vector<std::unique_ptr<ClusterSim>> sims_of(const Scenario& sc) {
  std::vector<std::unique_ptr<ClusterSim>> sims;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) sims.push_back(std::make_unique<ClusterSim>(sc, c));
  return sims;
}

}  // namespace

TEST_CASE("the national queue sends a job home when it can start there, else where it can, else home",
          "[federation][sim]") {
  test::TempDir dir("nq");
  const Scenario sc = load_scenario_json(federated_pair("home_first", 3), "fed.json", dir.str());
  auto sims = sims_of(sc);
  NationalQueue q(sc, sims);
  REQUIRE(q.next_submit() == 1);
  CHECK_FALSE(q.next_due(0.5));

  // t = 1: home is free. It starts there, with no transfer (its data is at home).
  auto d1 = q.next_due(1);
  REQUIRE(d1);
  CHECK(d1->member == 0);
  CHECK_FALSE(d1->stage);
  CHECK(d1->input_gb == 10);
  sims[0]->deliver(1, std::move(d1->job));
  sims[0]->advance_to(1);
  CHECK(sims[0]->state().pool().free_gpus() == 0);
  CHECK_FALSE(q.next_due(1));

  // t = 2: home is full, "away" is free: it goes away, staged, and its run time is that of the same
  // work on GPUs twice as fast.
  auto d2 = q.next_due(2);
  REQUIRE(d2);
  CHECK(d2->member == 1);
  CHECK(d2->stage);
  CHECK(d2->home == 0);
  CHECK(d2->job.cluster == 1);
  CHECK(d2->job.runtime == 500);
  CHECK(d2->job.wait_reason == WaitReason::kStaging);

  // t = 3: "away" still has 8 GPUs free, but the job in transit to it will take them: nobody can
  // start this one now, so it waits at home.
  auto d3 = q.next_due(3);
  REQUIRE(d3);
  CHECK(d3->member == 0);
  CHECK_FALSE(d3->stage);
  CHECK(d3->job.runtime == 1000);

  q.transfer_done(*d2, 10.5);
  const FederationOutcome& o = q.outcome();
  CHECK(o.jobs_by_member == std::vector<std::uint64_t>{2, 1});
  CHECK(o.away_by_member == std::vector<std::uint64_t>{0, 1});
  CHECK(o.transfers == 1);
  CHECK(o.transfers_done == 1);
  CHECK(o.staged_gb == 10);
  CHECK(o.staging_s == std::vector<Seconds>{10.5});
  CHECK(q.next_submit() == ClusterSim::kNever);
}

TEST_CASE("federation policy none keeps every job at home and stages nothing", "[federation][sim]") {
  test::TempDir dir("nq-none");
  const Scenario sc = load_scenario_json(federated_pair("none", 3), "fed.json", dir.str());
  auto sims = sims_of(sc);
  NationalQueue q(sc, sims);
  for (Seconds t = 1; t <= 3; ++t) {
    auto d = q.next_due(t);
    REQUIRE(d);
    CHECK(d->member == 0);
    CHECK_FALSE(d->stage);
    sims[0]->deliver(t, std::move(d->job));
    sims[0]->advance_to(t);
  }
  CHECK(q.outcome().transfers == 0);
  CHECK(sims[0]->state().queued_gpus() == 16);
  CHECK(sims[1]->state().jobs().empty());
}

namespace {

// A federation policy that keeps what it was shown and sends every job to the last member.
std::vector<MemberView> g_seen;
class LastMember final : public FederationPolicy {
 public:
  std::string_view name() const override { return "last_member"; }
  std::size_t choose(const Job&, const std::vector<MemberView>& members) const override {
    g_seen = members;
    return members.size() - 1;
  }
};

}  // namespace

TEST_CASE("a job in transit to a member takes its free GPUs in the next views, each GPU counted once",
          "[federation][sim]") {
  test::TempDir dir("nq-views");
  PolicyRegistry registry;
  register_builtin_policies(registry);
  registry.add_federation({PolicyKind::kFederation, "last_member", "test", {}},
                          [](const PolicyParams&) { return std::make_unique<LastMember>(); });
  LoadOptions options;
  options.registry = &registry;
  const Scenario sc = load_scenario_json(federated_pair("last_member", 3), "fed.json", dir.str(), options);
  auto sims = sims_of(sc);
  NationalQueue q(sc, sims);
  auto d1 = q.next_due(1);  // to "away" (8 GPUs), staged: in transit
  REQUIRE(d1);
  REQUIRE(d1->stage);
  REQUIRE(g_seen.size() == 2);
  CHECK(g_seen[1].free_gpus == 8);
  CHECK(g_seen[1].home == false);
  CHECK(g_seen[0].home == true);
  auto d2 = q.next_due(2);  // "away" seen with the first job's 8 GPUs taken: free 0, nothing queued
  REQUIRE(d2);
  CHECK(g_seen[1].free_gpus == 0);
  CHECK(g_seen[1].queued_gpus == 0);
  CHECK(g_seen[1].load() == 1.0);
  CHECK(g_seen[0].free_gpus == 8);  // home untouched
  auto d3 = q.next_due(3);          // now 16 GPUs on their way to 8 free: the other 8 count as queued
  REQUIRE(d3);
  CHECK(g_seen[1].free_gpus == 0);
  CHECK(g_seen[1].queued_gpus == 8);
  CHECK(g_seen[1].load() == 2.0);
  q.transfer_done(*d1, 10);  // its data arrived: no longer counted in transit
  CHECK(q.outcome().transfers_done == 1);
}

TEST_CASE("a federated workload's demand over time is thinned by the national queue, following its home",
          "[federation][demand][sim]") {
  // The home has 10 one-GPU nodes, none online until day 5; the workload asks 60 one-GPU jobs an hour
  // of the finished home, halved from day 10 by its schedule.
  constexpr double kDay = 86400;
  Json doc = federated_pair("none", 1);
  doc["horizon_days"] = 20;
  Json& home = doc["operators"][0]["sites"][0]["clusters"][0];
  home["nodes"] = 10;
  home["gpus_per_node"] = 1;
  home["online_nodes_at_start"] = 0;
  Json& w = doc["workloads"][0];
  w.erase("count");
  w["gpus"] = {{"dist", "fixed"}, {"value", 1}};
  w["arrival"] = {{"process", "poisson"},
                  {"rate_per_hour", 60},
                  {"follow_online", true},
                  {"rate_schedule", Json::array({{{"from", "2026-01-11"}, {"value", 0.5}}})}};
  test::TempDir dir("nq-demand");
  const Scenario sc = load_scenario_json(doc, "fed.json", dir.str());
  auto sims = sims_of(sc);
  NationalQueue q(sc, sims);
  std::vector<Seconds> submits;
  bool online = false;
  for (Seconds t = q.next_submit(); t != ClusterSim::kNever; t = q.next_submit()) {
    if (!online && t >= 5 * kDay) {
      sims[0]->add_nodes(5 * kDay, 10);
      sims[0]->advance_to(5 * kDay);
      online = true;
    }
    while (auto d = q.next_due(t)) {
      CHECK(d->job.id == static_cast<std::int64_t>(submits.size() + 1));  // kept jobs numbered 1, 2, ...
      submits.push_back(d->job.submit);
    }
  }
  auto between = [&](double from, double to) {
    return static_cast<double>(
        std::count_if(submits.begin(), submits.end(), [&](Seconds s) { return s >= from * kDay && s < to * kDay; }));
  };
  CHECK(between(0, 5) == 0);  // nothing online at home: no demand
  const double m1 = 60 * 24 * 5, m2 = 60 * 24 * 10 * 0.5;
  INFO("days 5-10: " << between(5, 10) << " of " << m1 << "; days 10-20: " << between(10, 20) << " of " << m2);
  CHECK(std::abs(between(5, 10) - m1) <= 4.5 * std::sqrt(m1));
  CHECK(std::abs(between(10, 20) - m2) <= 4.5 * std::sqrt(m2));
}
