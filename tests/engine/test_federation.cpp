// Federation through the engine: staging transfers as SimGrid Comms, checked against hand values
// of SimGrid's bandwidth sharing (CM02: max-min fair shares of each link, the route's latency once).
#include <catch2/catch.hpp>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "engine/engine.hpp"
#include "metrics/summary.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

// Sites s0..s{n-1}, one operator each, one cluster c<i> of one 8-GPU node per site, all members of a
// home_first federation; 10 GB of input per job; `trace` workloads as {home cluster index, jobs}, each
// job 8 GPUs for 1,000 s submitted at t = 0.
Scenario federation_scenario(const test::TempDir& dir, int sites, double uplink_gbps, double backbone_gbps,
                             const std::vector<std::pair<int, int>>& workloads, double horizon_days = 1) {
  Json doc = {{"format_version", 1},
              {"name", "fed"},
              {"seed", 1},
              {"start", "2026-01-01"},
              {"horizon_days", horizon_days},
              {"gpu_models", Json::array({{{"id", "g"}}})}};
  Json ops = Json::array(), members = Json::array();
  for (int i = 0; i < sites; ++i) {
    const std::string c = fmt::format("c{}", i);
    ops.push_back(
        {{"id", fmt::format("op{}", i)},
         {"sites",
          Json::array(
              {{{"id", fmt::format("s{}", i)},
                {"clusters", Json::array({{{"id", c}, {"gpu_model", "g"}, {"nodes", 1}, {"gpus_per_node", 8}}})}}})}});
    members.push_back(c);
  }
  doc["operators"] = ops;
  doc["federation"] = {
      {"policy", {{"policy", "home_first"}}},
      {"members", members},
      {"network", {{"backbone_gbps", backbone_gbps}, {"uplink_gbps", uplink_gbps}, {"latency_ms", 5}}}};
  Json wls = Json::array();
  for (std::size_t w = 0; w < workloads.size(); ++w) {
    std::string swf;
    for (int j = 1; j <= workloads[w].second; ++j)
      swf += fmt::format("{} 0 -1 1000 8 -1 -1 8 1000 -1 1 1 1 -1 0 -1 -1 -1\n", j);
    const std::string file = fmt::format("w{}.swf", w);
    test::write_text(dir.path() / file, swf);
    wls.push_back({{"id", fmt::format("w{}", w)},
                   {"cluster", fmt::format("c{}", workloads[w].first)},
                   {"kind", "swf"},
                   {"path", file},
                   {"federated", true},
                   {"input_gb", {{"dist", "fixed"}, {"value", 10}}}});
  }
  doc["workloads"] = wls;
  return load_scenario_json(doc, "fed.json", dir.str());
}

const Job& job_of(const RunResult& run, std::size_t workload, std::int64_t id) {
  for (const ClusterResult& c : run.clusters)
    for (const Job& j : c.jobs)
      if (j.workload == workload && j.id == id) return j;
  FAIL("no such job");
  return run.clusters[0].jobs[0];
}

}  // namespace

TEST_CASE("two staging transfers sharing one uplink each get half of it (hand value)", "[federation][engine]") {
  // Home c0 takes job 1; jobs 2 and 3 go to c1 and c2 at t = 0. Both transfers cross c0's uplink
  // (8 Gbit/s = 1 GB/s up), the backbone (100 Gbit/s) and their destination's uplink down: each gets
  // 0.5 GB/s, so 10 GB take 20 s, plus the route's 5 ms latency once. (Alone: 10.005 s.)
  test::TempDir dir("fed-uplink");
  const Scenario sc = federation_scenario(dir, 3, 8, 100, {{0, 3}});
  const RunResult run = run_scenario(sc);
  const Job& j1 = job_of(run, 0, 1);
  const Job& j2 = job_of(run, 0, 2);
  const Job& j3 = job_of(run, 0, 3);
  CHECK(j1.cluster == 0);
  CHECK(j1.staging_s == 0);
  CHECK(j1.first_start == 0);
  CHECK(j2.cluster == 1);
  CHECK(j3.cluster == 2);
  for (const Job* j : {&j2, &j3}) {
    CHECK(j->staging_s == Approx(20.005).epsilon(1e-9));
    CHECK(j->first_start == Approx(20.005).epsilon(1e-9));  // it starts as its data arrives
    CHECK(j->end == Approx(1020.005).epsilon(1e-9));
    CHECK(j->wait_reason == WaitReason::kStaging);
  }
  REQUIRE(run.federation);
  CHECK(run.federation->transfers == 2);
  CHECK(run.federation->transfers_done == 2);
  CHECK(run.federation->staged_gb == 20);
  CHECK(run.federation->in_transit_at_end == 0);
}

TEST_CASE("one staging transfer alone gets the whole uplink (hand value)", "[federation][engine]") {
  test::TempDir dir("fed-alone");
  const Scenario sc = federation_scenario(dir, 2, 8, 100, {{0, 2}});
  const RunResult run = run_scenario(sc);
  CHECK(job_of(run, 0, 2).cluster == 1);
  CHECK(job_of(run, 0, 2).staging_s == Approx(10.005).epsilon(1e-9));
}

TEST_CASE("the backbone is one link that transfers between different sites share, crossed once",
          "[federation][engine]") {
  // Uplinks 80 Gbit/s (10 GB/s), backbone 8 Gbit/s (1 GB/s). Workload 0 (home c0) sends its second
  // job to c1 (c0 is full; c1..c3 tie and c1 comes first); workload 1 (home c1) finds c1 taken by
  // that job in transit and sends its job to c2. The transfers c0 -> c1 and c1 -> c2 share only the
  // backbone: 0.5 GB/s each, 20.005 s (were the backbone counted twice per route, 40.005 s).
  test::TempDir dir("fed-backbone");
  const Scenario sc = federation_scenario(dir, 4, 80, 8, {{0, 2}, {1, 1}});
  const RunResult run = run_scenario(sc);
  const Job& a2 = job_of(run, 0, 2);
  const Job& b1 = job_of(run, 1, 1);
  CHECK(a2.cluster == 1);
  CHECK(b1.cluster == 2);
  CHECK(a2.staging_s == Approx(20.005).epsilon(1e-9));
  CHECK(b1.staging_s == Approx(20.005).epsilon(1e-9));
}

TEST_CASE("jobs whose data is still in transit at the horizon are queued there, waiting for staging",
          "[federation][engine]") {
  test::TempDir dir("fed-horizon");
  const Scenario sc = federation_scenario(dir, 3, 8, 100, {{0, 3}}, 10.0 / 86400);  // a 10 s horizon
  const RunResult run = run_scenario(sc);
  REQUIRE(run.federation);
  CHECK(run.federation->in_transit_at_end == 2);
  CHECK(run.federation->transfers_done == 0);
  std::uint64_t queued = 0, running = 0, jobs = 0;
  for (const ClusterResult& c : run.clusters)
    for (const Job& j : c.jobs) {
      ++jobs;
      if (j.state == JobState::kRunning) ++running;
      if (j.state == JobState::kQueued) {
        ++queued;
        CHECK(j.wait_reason == WaitReason::kStaging);
        CHECK(j.staging_s == Approx(10));
      }
    }
  CHECK(jobs == 3);  // every job in exactly one place
  CHECK(running == 1);
  CHECK(queued == 2);
}

TEST_CASE("lending to a national tenant: it never holds more than the lending limit, and GPU-hours are conserved",
          "[federation][engine][tenants]") {
  // c0 (public, no quotas) is the academic tenant's home; c1 (a firm, 16 GPUs) has quotas in one
  // cohort: "firm" nominal 16 lending at most 4, "aca" nominal 0 (it may only borrow), and the firm
  // reclaims what is borrowed. Both loads exceed their clusters, so academia always looks for room
  // away and the firm always wants its GPUs back.
  test::TempDir dir("fed-lend");
  Json doc = Json::parse(R"({
    "format_version": 1, "name": "lend", "seed": 5, "start": "2026-01-01", "horizon_days": 20,
    "gpu_models": [{"id": "g"}],
    "tenants": [{"id": "aca"}, {"id": "firm"}],
    "operators": [
      {"id": "pub", "sites": [{"id": "s", "clusters": [{"id": "c0", "gpu_model": "g", "nodes": 1, "gpus_per_node": 8}]}]},
      {"id": "corp", "sites": [{"id": "s", "clusters": [{"id": "c1", "gpu_model": "g", "nodes": 2, "gpus_per_node": 8,
        "quotas": {"tenants": [{"tenant": "firm", "nominal_gpus": 16, "lending_limit_gpus": 4, "cohort": "k"},
                               {"tenant": "aca", "nominal_gpus": 0, "cohort": "k"}],
                   "preemption": {"reclaim_within_cohort": "any"}}}]}]}
    ],
    "federation": {"policy": {"policy": "most_lendable"}, "members": ["c0", "c1"],
                   "network": {"backbone_gbps": 100, "uplink_gbps": 10, "latency_ms": 2}},
    "workloads": [
      {"id": "academia", "cluster": "c0", "kind": "synthetic", "tenant": "aca", "federated": true,
       "arrival": {"process": "poisson", "rate_per_hour": 3}, "gpus": {"dist": "discrete", "values": [1, 2, 4], "weights": [1, 1, 1]},
       "duration_s": {"dist": "exponential", "mean": 7200}, "input_gb": {"dist": "exponential", "mean": 20},
       "checkpoint": {"interval_s": 1800, "restart_overhead_s": 60}},
      {"id": "internal", "cluster": "c1", "kind": "synthetic", "tenant": "firm",
       "arrival": {"process": "poisson", "rate_per_hour": 4}, "gpus": {"dist": "discrete", "values": [2, 4, 8], "weights": [1, 1, 1]},
       "duration_s": {"dist": "exponential", "mean": 7200}}
    ]
  })");
  const Scenario sc = load_scenario_json(doc, "lend.json", dir.str());
  const RunResult run = run_scenario(sc);
  REQUIRE(run.federation);
  CHECK(run.federation->away_by_member[1] > 50);  // academia did run on the firm's cluster
  // Academia's GPUs on c1 over time (every run of every job, preempted runs included) never exceed
  // the firm's lending limit, so the firm always had at least nominal - 4 = 12 GPUs within reach.
  const ClusterResult& c1 = run.clusters[1];
  std::vector<std::pair<Seconds, std::int64_t>> steps;
  auto add_run = [&](const Job& j, Seconds from, Seconds to) {
    if (j.tenant != 0) return;
    steps.emplace_back(from, j.gpus);
    steps.emplace_back(to, -static_cast<std::int64_t>(j.gpus));
  };
  for (const PreemptedRun& r : c1.preempted_runs) add_run(c1.jobs[r.job], r.start, r.end);
  for (const Job& j : c1.jobs)
    if (j.state == JobState::kRunning || j.state == JobState::kCompleted)
      add_run(j, j.start, j.state == JobState::kCompleted ? j.end : run.end_time);
  std::sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second < b.second;  // ends before starts
  });
  std::int64_t held = 0, peak = 0;
  for (const auto& [t, d] : steps) peak = std::max(peak, held += d);
  CHECK(peak > 0);
  CHECK(peak <= 4);
  std::uint64_t preemptions = 0;
  for (const Job& j : c1.jobs) preemptions += j.preemptions;
  CHECK(preemptions > 0);  // the firm took GPUs back
  // Conservation: every job in exactly one cluster's list; tenants' GPU-hours sum to the busy GPU-hours.
  const Summary s = build_summary(sc, run);
  std::uint64_t submitted = 0;
  double tenant_hours = 0, busy_hours = 0;
  for (const TenantSummary& t : s.tenants) {
    submitted += t.stats.submitted;
    tenant_hours += t.stats.gpu_hours;
    CHECK(t.stats.submitted == t.stats.completed + t.stats.running + t.stats.queued + t.stats.rejected);
  }
  for (const ClusterResult& c : run.clusters) busy_hours += c.busy_gpu_s / 3600;
  CHECK(submitted == s.total.submitted);
  CHECK(tenant_hours == Approx(busy_hours).epsilon(1e-6));
}
