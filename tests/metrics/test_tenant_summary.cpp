// summary.json's tenants and fairness sections on a run written by hand, every number worked out
// in the comments.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "metrics/summary.hpp"

using namespace gpufleet;

namespace {

Job job(std::int64_t id, std::uint32_t tenant, std::uint32_t gpus, Seconds submit, Seconds start, Seconds end,
        JobState state, WaitReason reason) {
  Job j;
  j.id = id;
  j.tenant = tenant;
  j.gpus = gpus;
  j.submit = submit;
  j.start = j.first_start = start;
  j.end = end;
  j.state = state;
  j.wait_reason = reason;
  return j;
}

}  // namespace

TEST_CASE("tenant GPU-hours, shares, borrowing, lending, wait reasons and Jain's index, by hand", "[summary][quota]") {
  // One cluster of 10 GPUs, cohort k: A nominal 6, B nominal 2, C nominal 2 with lending limit 1
  // (it withholds 1). The run ends at 300 s; all 10 GPUs are online throughout (3,000 GPU-s).
  Scenario sc;
  sc.tenants = {{"A", "tenant A", 1}, {"B", "tenant B", 1}, {"C", "tenant C", 1}};
  ClusterSpec c;
  c.id = "c";
  c.nodes = 10;
  c.gpus_per_node = 1;
  TenantQuota a{0, 6, kUnlimitedGpus, kUnlimitedGpus, 0}, b{1, 2, kUnlimitedGpus, kUnlimitedGpus, 0},
      cq{2, 2, kUnlimitedGpus, 1, 0};
  c.quotas.tenants = {a, b, cq};
  c.quotas.cohort_ids = {"k"};
  sc.clusters.push_back(c);
  RunResult run;
  run.end_time = 300;
  ClusterResult cr;
  // a1: 8 GPUs [0, 100): A borrows 2 for 100 s = 200 GPU-s. The cohort's lendable unused quota is
  //     B's 2 and C's 2 - 1 = 1: B lends 2/3 of 200, C 1/3.
  // a2: 4 GPUs, submitted at 50, [100, 300): waited 50 for free GPUs.
  // a3: 5 GPUs, submitted at 250, still queued at 300: waited 50 for free GPUs.
  // b1: 2 GPUs, submitted at 0, [100, 200): waited 100 for free GPUs.
  // b2: 1 GPU, submitted at 0, [200, 250): waited 200 for quota.
  cr.jobs = {job(1, 0, 8, 0, 0, 100, JobState::kCompleted, WaitReason::kNone),
             job(2, 0, 4, 50, 100, 300, JobState::kCompleted, WaitReason::kNoFreeGpus),
             job(3, 0, 5, 250, 0, 0, JobState::kQueued, WaitReason::kNoFreeGpus),
             job(4, 1, 2, 0, 100, 200, JobState::kCompleted, WaitReason::kNoFreeGpus),
             job(5, 1, 1, 0, 200, 250, JobState::kCompleted, WaitReason::kQuota)};
  cr.busy_gpu_s = 800 + 800 + 200 + 50;
  cr.online_gpu_s = 3000;
  run.clusters.push_back(cr);
  FairnessSummary fair;
  const std::vector<TenantSummary> t = build_tenant_summaries(sc, run, {0.0}, fair);
  REQUIRE(t.size() == 3);
  // A used 1,600 GPU-s, B 250, C nothing; the cohort 1,850.
  CHECK(t[0].stats.gpu_hours == Approx(1600.0 / 3600).margin(1e-6));
  CHECK(t[1].stats.gpu_hours == Approx(250.0 / 3600).margin(1e-6));
  CHECK(t[0].stats.completed == 2);
  CHECK(t[0].stats.queued == 1);
  CHECK(t[2].stats.submitted == 0);
  const TenantClusterSummary& ac = t[0].clusters.at(0);
  const TenantClusterSummary& bc = t[1].clusters.at(0);
  const TenantClusterSummary& cc = t[2].clusters.at(0);
  CHECK(ac.cohort == "k");
  CHECK(ac.nominal_gpus == 6u);
  // Shares of the cohort's GPU-time (32/37, 5/37, 0) against nominal / cohort nominal (6/10, 2/10, 2/10).
  CHECK(ac.share == Approx(32.0 / 37).margin(1e-6));
  CHECK(bc.share == Approx(5.0 / 37).margin(1e-6));
  CHECK(cc.share == 0);
  CHECK(ac.entitlement == Approx(0.6).margin(1e-6));
  CHECK(cc.entitlement == Approx(0.2).margin(1e-6));
  // Borrowed 200 GPU-s by A; lent 400/3 by B and 200/3 by C: what was borrowed was lent.
  CHECK(ac.borrowed_gpu_hours == Approx(200.0 / 3600).margin(1e-6));
  CHECK(bc.borrowed_gpu_hours == 0);
  CHECK(ac.lent_gpu_hours == 0);
  CHECK(bc.lent_gpu_hours == Approx(400.0 / 3 / 3600).margin(1e-6));
  CHECK(cc.lent_gpu_hours == Approx(200.0 / 3 / 3600).margin(1e-6));
  CHECK(t[2].lent_gpu_hours == cc.lent_gpu_hours);
  // Entitled GPU-time: nominal / cluster GPUs x online GPU-time: 1,800, 600 and 600 GPU-s;
  // utilisation of the entitlement 1600/1800 and 250/600.
  CHECK(t[0].entitled_gpu_hours == Approx(0.5).margin(1e-6));
  CHECK(t[2].entitled_gpu_hours == Approx(600.0 / 3600).margin(1e-6));
  CHECK(t[0].stats.utilisation == Approx(1600.0 / 1800).margin(1e-6));
  CHECK(t[1].stats.utilisation == Approx(250.0 / 600).margin(1e-6));
  // Waiting: A 50 + 50 s, all for free GPUs; B 100 s for free GPUs and 200 s for quota.
  const auto share = [](const TenantSummary& s, WaitReason r) { return s.wait_share[static_cast<std::size_t>(r)]; };
  CHECK(t[0].waited_s == 100);
  CHECK(share(t[0], WaitReason::kNoFreeGpus) == 1);
  CHECK(t[1].waited_s == 300);
  CHECK(share(t[1], WaitReason::kNoFreeGpus) == Approx(1.0 / 3).margin(1e-6));
  CHECK(share(t[1], WaitReason::kQuota) == Approx(2.0 / 3).margin(1e-6));
  CHECK(t[2].waited_s == 0);
  // Tenants with demand: A and B (C submitted nothing). Shares 32/37 and 5/37 of their GPU-time,
  // entitlements 1800/2400 and 600/2400; x = 128/111 and 60/111; Jain = (188/111)^2 / (2 (128^2 +
  // 60^2) / 111^2) = 35344 / 39968 = 2209 / 2498.
  CHECK(fair.tenants_with_demand == 2);
  CHECK(t[0].share == Approx(32.0 / 37).margin(1e-6));
  CHECK(t[0].entitlement_share == Approx(0.75).margin(1e-6));
  CHECK(t[2].share == 0);
  REQUIRE(fair.jain_index);
  CHECK(*fair.jain_index == Approx(2209.0 / 2498).margin(1e-6));
  // In summary.json: /tenants/<id>/..., every wait reason named, /tenants/<id>/clusters/<cluster>/...
  const nlohmann::json doc = nlohmann::json::parse(tenants_json(t).dump());
  CHECK(doc["B"]["wait_share_by_reason"]["quota"] == Approx(2.0 / 3).margin(1e-6));
  CHECK(doc["B"]["wait_share_by_reason"].size() == kWaitReasons - 1);
  CHECK(doc["C"]["clusters"]["c"]["lent_gpu_hours"] == Approx(200.0 / 3 / 3600).margin(1e-6));
  CHECK(doc["A"]["jobs"]["queued"] == 1);
}

TEST_CASE("a borrower beyond what its cohort could lend is an internal error of the quota engine", "[summary][quota]") {
  // Cohort of A (nominal 2) and B (nominal 2, lending limit 0): A using 3 borrows from a B that
  // lends nothing, which QuotaBook never admits.
  Scenario sc;
  sc.tenants = {{"A", "", 1}, {"B", "", 1}};
  ClusterSpec c;
  c.id = "c";
  c.nodes = 4;
  c.gpus_per_node = 1;
  c.quotas.tenants = {TenantQuota{0, 2, kUnlimitedGpus, kUnlimitedGpus, 0}, TenantQuota{1, 2, kUnlimitedGpus, 0, 0}};
  c.quotas.cohort_ids = {"k"};
  sc.clusters.push_back(c);
  RunResult run;
  run.end_time = 10;
  ClusterResult cr;
  cr.jobs = {job(1, 0, 3, 0, 0, 10, JobState::kCompleted, WaitReason::kNone)};
  cr.busy_gpu_s = 30;
  cr.online_gpu_s = 40;
  run.clusters.push_back(cr);
  FairnessSummary fair;
  CHECK_THROWS_WITH(build_tenant_summaries(sc, run, {0.0}, fair), Catch::Contains("borrow no more than"));
}

TEST_CASE("on a cluster without quotas the tenants that ran there share it by weight", "[summary][quota]") {
  Scenario sc;
  sc.tenants = {{"A", "", 1}, {"B", "", 3}, {"idle", "", 4}};
  ClusterSpec c;
  c.id = "c";
  c.nodes = 4;
  c.gpus_per_node = 1;
  sc.clusters.push_back(c);
  RunResult run;
  run.end_time = 100;
  ClusterResult cr;
  // A 1 GPU for 100 s, B 3 GPUs for 100 s: shares 1/4 and 3/4 against weights 1/4 and 3/4.
  cr.jobs = {job(1, 0, 1, 0, 0, 100, JobState::kCompleted, WaitReason::kNone),
             job(2, 1, 3, 0, 0, 100, JobState::kCompleted, WaitReason::kNone)};
  cr.busy_gpu_s = 400;
  cr.online_gpu_s = 400;
  run.clusters.push_back(cr);
  FairnessSummary fair;
  const auto t = build_tenant_summaries(sc, run, {0.0}, fair);
  REQUIRE(t[0].clusters.size() == 1);
  CHECK_FALSE(t[0].clusters[0].nominal_gpus);
  CHECK(t[0].clusters[0].entitlement == Approx(0.25).margin(1e-6));
  CHECK(t[1].clusters[0].share == Approx(0.75).margin(1e-6));
  CHECK(t[2].clusters.empty());  // ran nothing there: no entitlement on a cluster without quotas
  REQUIRE(fair.jain_index);
  CHECK(*fair.jain_index == Approx(1.0).margin(1e-6));
  CHECK(fair.tenants_with_demand == 2);
}
