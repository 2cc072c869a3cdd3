// Preemption and reclaim (docs/scheduling.md, "Preemption"), checked against cases computed by hand:
// who is preempted, when each job starts and ends, what work is lost.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "metrics/summary.hpp"
#include "scenario/scenario_loader.hpp"
#include "sim/cluster_sim.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

Json one_cluster(int nodes) { return test::one_cluster_scenario("preempt", nodes); }

std::string swf_group(long id, double submit, double run, int procs, int group) {
  return std::to_string(id) + " " + std::to_string(submit) + " -1 " + std::to_string(run) + " " +
         std::to_string(procs) + " -1 -1 " + std::to_string(procs) + " -1 -1 1 1 " + std::to_string(group) +
         " -1 0 -1 -1 -1\n";
}

struct Outcome {
  ClusterResult result;
  Summary summary;
};

Outcome run(const Scenario& sc, Seconds end) {
  ClusterSim sim(sc, 0);
  for (Seconds t = sim.next_event_time(); t != ClusterSim::kNever && t <= end; t = sim.next_event_time())
    sim.advance_to(t);
  RunResult rr;
  rr.clusters.push_back(sim.take_result(end));
  rr.end_time = end;
  Outcome o;
  o.summary = build_summary(sc, rr);
  o.result = std::move(rr.clusters[0]);
  return o;
}

// Tenants L and B, nominal 4 each in cohort k, on 8 one-GPU nodes; B's jobs checkpoint every hour
// and pay 360 s on each restart.
Scenario lender_borrower(const test::TempDir& dir, const std::string& reclaim) {
  //   1 B 4 GPUs at 0 for 10 h            within B's nominal
  //   2 B 4 GPUs at 0 for 10 h            borrows L's unused 4
  //   3 L 4 GPUs at 9,000 s for 3,600 s   L within its nominal, no GPU free: reclaims
  //   4 L 4 GPUs at 20,000 s for 1,000 s  reclaims again
  test::write_text(dir.path() / "t.swf", swf_group(1, 0, 36000, 4, 2) + swf_group(2, 0, 36000, 4, 2) +
                                             swf_group(3, 9000, 3600, 4, 1) + swf_group(4, 20000, 1000, 4, 1));
  Json doc = one_cluster(8);
  doc["tenants"] = {{{"id", "L"}}, {{"id", "B"}}};
  doc["operators"][0]["sites"][0]["clusters"][0]["quotas"] = {
      {"preemption", {{"reclaim_within_cohort", reclaim}}},
      {"tenants",
       {{{"tenant", "L"}, {"nominal_gpus", 4}, {"cohort", "k"}},
        {{"tenant", "B"}, {"nominal_gpus", 4}, {"cohort", "k"}}}}};
  doc["workloads"] = {{{"id", "t"},
                       {"cluster", "c"},
                       {"kind", "swf"},
                       {"path", "t.swf"},
                       {"requested_time", "perfect"},
                       {"checkpoint", {{"interval_s", 3600}, {"restart_overhead_s", 360}}},
                       {"tenant_map", {{"field", "group"}, {"values", {{"1", "L"}, {"2", "B"}}}}}}};
  doc["scheduling"] = {{"backfill", {{"policy", "none"}}}};
  return load_scenario_json(doc, "preempt.json", dir.str());
}

}  // namespace

TEST_CASE(
    "a lender reclaims what a borrower took: the borrower's latest job is preempted and loses its "
    "work since the last checkpoint plus a restart overhead",
    "[cluster_sim][preemption]") {
  test::TempDir dir("preempt-reclaim");
  const Scenario sc = lender_borrower(dir, "any");
  const Outcome o = run(sc, 100000);
  const auto& jobs = o.result.jobs;
  REQUIRE(jobs.size() == 4);
  for (const Job& j : jobs) CHECK(j.state == JobState::kCompleted);
  // Job 1: never touched (at 9,000 both of B's jobs started at 0: the later admitted one goes).
  CHECK(jobs[0].preemptions == 0);
  CHECK(jobs[0].start == 0);
  CHECK(jobs[0].end == 36000);
  CHECK(jobs[0].lost_s == 0);
  // Job 3: starts on arrival on job 2's GPUs.
  CHECK(jobs[2].start == 9000);
  CHECK(jobs[2].end == 12600);
  CHECK(o.result.start_labels.at(jobs[2].start_label) == "reclaim");
  // Job 2, first run [0, 9000): 2.5 h of progress, checkpoints at 1 h and 2 h: 1,800 s lost.
  // Queued again (B would borrow, the cohort is full) until job 3 ends at 12,600. Second run from
  // 12,600: 360 s of restart, then 7,040 s of progress by 20,000 (checkpoint at 3,600 s): 3,800 s
  // lost; job 1 started at 0, job 2 at 12,600, so job 2 is again the one preempted. Job 4 runs
  // [20,000, 21,000). Third run from 21,000: 360 + 36,000 - (7,200 + 3,600) = 25,560 s, to 46,560.
  CHECK(jobs[3].start == 20000);
  CHECK(jobs[3].end == 21000);
  const Job& b = jobs[1];
  CHECK(b.preemptions == 2);
  CHECK(b.first_start == 0);
  CHECK(b.start == 21000);
  CHECK(b.end == Approx(46560).epsilon(1e-12));
  CHECK(b.held_s == 16400);
  CHECK(b.lost_s == Approx(1800 + 3800 + 360).epsilon(1e-12));
  CHECK(b.wait_reason == WaitReason::kNone);  // its first wait: it started on arrival
  REQUIRE(o.result.preempted_runs.size() == 2);
  CHECK(o.result.preempted_runs[0].job == 1);
  CHECK(o.result.preempted_runs[0].start == 0);
  CHECK(o.result.preempted_runs[0].end == 9000);
  CHECK(o.result.preempted_runs[1].start == 12600);
  CHECK(o.result.preempted_runs[1].end == 20000);

  // The summary: 5,960 s x 4 GPUs lost = 6.622222 GPU-hours; B's GPU-time is its work plus that.
  CHECK(o.summary.total.preemptions == 2);
  CHECK(o.summary.total.lost_gpu_hours == Approx(5960.0 * 4 / 3600).margin(1e-6));
  const TenantSummary& tb = o.summary.tenants.at(1);
  CHECK(tb.id == "B");
  CHECK(tb.stats.preemptions == 2);
  CHECK(tb.stats.gpu_hours == Approx((36000.0 * 4 + (36000.0 + 5960) * 4) / 3600).margin(1e-6));
  // B waited only after the preemptions: 12,600 - 9,000 and 21,000 - 20,000 s, all "preempted".
  CHECK(tb.waited_s == Approx(3600 + 1000).margin(1e-6));
  CHECK(tb.wait_share[static_cast<std::size_t>(WaitReason::kPreempted)] == 1);
  // L never waited; what B borrowed L lent: [0,9000) 4 GPUs, [12600,20000) 4, [21000,36000) 4.
  const TenantSummary& tl = o.summary.tenants.at(0);
  CHECK(tl.waited_s == 0);
  CHECK(tb.borrowed_gpu_hours == Approx(4.0 * (9000 + 7400 + 15000) / 3600).margin(1e-6));
  CHECK(tl.lent_gpu_hours == Approx(tb.borrowed_gpu_hours).margin(1e-6));
}

TEST_CASE("without reclaim, or with reclaim of lower priorities only among equals, the lender waits",
          "[cluster_sim][preemption]") {
  for (const std::string reclaim : {"never", "lower_priority"}) {
    INFO(reclaim);
    test::TempDir dir("preempt-never");
    const Outcome o = run(lender_borrower(dir, reclaim), 100000);
    const auto& jobs = o.result.jobs;
    for (const Job& j : jobs) CHECK(j.preemptions == 0);
    CHECK(o.result.preempted_runs.empty());
    // Job 3 waits for B's jobs to end at 36,000; job 4, behind it, starts in the next pass of that
    // instant, borrowing B's now unused quota.
    CHECK(jobs[2].start == 36000);
    CHECK(jobs[3].start == 36000);
    CHECK(o.summary.total.lost_gpu_hours == 0);
  }
}

TEST_CASE("within a tenant a higher priority preempts a lower one, which restarts from scratch",
          "[cluster_sim][preemption]") {
  test::TempDir dir("preempt-prio");
  // Tenant A, nominal 4 (no cohort), 4 one-GPU nodes. Low priority: job 1, 4 GPUs at 0 for 1,000 s,
  // no checkpoints. High priority (5): job 7, 2 GPUs at 100 for 50 s. A is at its nominal: job 7
  // may start within it only without job 1, which is preempted at 100 (100 s x 4 GPUs lost) and
  // runs again from scratch at 150, when job 7 ends: [150, 1,150).
  test::write_text(dir.path() / "low.swf", swf_group(1, 0, 1000, 4, 1));
  test::write_text(dir.path() / "high.swf", swf_group(7, 100, 50, 2, 1));
  Json doc = one_cluster(4);
  doc["tenants"] = {{{"id", "A"}}};
  doc["operators"][0]["sites"][0]["clusters"][0]["quotas"] = {{"preemption", {{"within_tenant", "lower_priority"}}},
                                                              {"tenants", {{{"tenant", "A"}, {"nominal_gpus", 4}}}}};
  auto trace = [](const std::string& id, const std::string& file, int priority) {
    return Json{{"id", id},
                {"cluster", "c"},
                {"kind", "swf"},
                {"path", file},
                {"tenant", "A"},
                {"priority", priority},
                {"requested_time", "perfect"}};
  };
  doc["workloads"] = {trace("low", "low.swf", 0), trace("high", "high.swf", 5)};
  doc["scheduling"] = {{"backfill", {{"policy", "none"}}}};
  const Scenario sc = load_scenario_json(doc, "prio.json", dir.str());
  const Outcome o = run(sc, 5000);
  const auto& jobs = o.result.jobs;
  REQUIRE(jobs.size() == 2);
  const Job& low = jobs[0].id == 1 ? jobs[0] : jobs[1];
  const Job& high = jobs[0].id == 7 ? jobs[0] : jobs[1];
  CHECK(high.start == 100);
  CHECK(high.end == 150);
  CHECK(o.result.start_labels.at(high.start_label) == "preempt_lower_priority");
  CHECK(low.preemptions == 1);
  CHECK(low.first_start == 0);
  CHECK(low.start == 150);
  CHECK(low.end == 1150);
  CHECK(low.lost_s == 100);
  CHECK(o.summary.total.lost_gpu_hours == Approx(400.0 / 3600).margin(1e-6));
  // GPU-time used: the work once (4,000 + 100) plus the 400 lost.
  CHECK(o.summary.total.gpu_hours == Approx(4500.0 / 3600).margin(1e-6));
}

TEST_CASE("a job preempted and still queued at the end reports it, and its earlier run counts as GPU-time",
          "[cluster_sim][preemption]") {
  test::TempDir dir("preempt-end");
  // As the first case, but the run ends at 10,000, while job 2 waits after its first preemption.
  const Outcome o = run(lender_borrower(dir, "any"), 10000);
  const Job& b = o.result.jobs[1];
  CHECK(b.state == JobState::kQueued);
  CHECK(b.wait_reason == WaitReason::kPreempted);
  CHECK(b.held_s == 9000);
  CHECK(o.summary.total.queued == 1);
  // Held GPU-time: job 1 [0,10000) x4, job 2 [0,9000) x4, job 3 [9000,10000) x4.
  CHECK(o.summary.total.gpu_hours == Approx(4.0 * (10000 + 9000 + 1000) / 3600).margin(1e-6));
  CHECK(o.summary.total.lost_gpu_hours == Approx(4.0 * 1800 / 3600).margin(1e-6));
  // B's wait: none before job 2's first start, then queued again from 9,000 to the end, as preempted.
  const TenantSummary& tb = o.summary.tenants.at(1);
  CHECK(tb.waited_s == Approx(1000).margin(1e-6));
  CHECK(tb.wait_share[static_cast<std::size_t>(WaitReason::kPreempted)] == 1);
}
