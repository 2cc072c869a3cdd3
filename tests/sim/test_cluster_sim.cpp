// ClusterSim driven by hand (no SimGrid): instants, zero-length jobs, rejections, samples.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "gpufleet/policy_registry.hpp"
#include "scenario/scenario_loader.hpp"
#include "sim/cluster_sim.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

Json one_cluster(const std::string& name, int nodes) { return test::one_cluster_scenario(name, nodes); }

// A swf trace workload reading `file`, with perfect walltime estimates.
Json trace_workload(const std::string& id, const std::string& file) {
  return {{"id", id}, {"cluster", "c"}, {"kind", "swf"}, {"path", file}, {"requested_time", "perfect"}};
}

Scenario trace_scenario(const test::TempDir& dir, const std::string& swf, const std::string& backfill, int nodes = 4) {
  test::write_text(dir.path() / "t.swf", swf);
  Json doc = one_cluster("cs", nodes);
  doc["workloads"] = Json::array({trace_workload("t", "t.swf")});
  doc["scheduling"] = {{"backfill", {{"policy", backfill}}}};
  doc["outputs"] = {{"timeseries_interval_s", 10}};
  return load_scenario_json(doc, "cs.json", dir.str());
}

std::string swf(long id, double submit, double run, int procs) {
  return std::to_string(id) + " " + std::to_string(submit) + " -1 " + std::to_string(run) + " " +
         std::to_string(procs) + " -1 -1 " + std::to_string(procs) + " -1 -1 1 1 1 -1 0 -1 -1 -1\n";
}

void drive(ClusterSim& sim) {
  for (Seconds t = sim.next_event_time(); t != ClusterSim::kNever; t = sim.next_event_time()) sim.advance_to(t);
}

}  // namespace

TEST_CASE("zero-length jobs start and end at one instant and free their GPUs for the next job", "[cluster_sim]") {
  test::TempDir dir("cs-zero");
  // 4 nodes. Job 1 takes all 4 for 0 s at t=5; job 2 (4 GPUs) submitted at 5 too must start at 5.
  const Scenario sc = trace_scenario(dir, swf(1, 5, 0, 4) + swf(2, 5, 30, 4) + swf(3, 6, 1, 1), "none");
  ClusterSim sim(sc, 0);
  drive(sim);
  sim.finish(100);
  const auto& jobs = sim.state().jobs();
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0].start == 5);
  CHECK(jobs[0].end == 5);
  CHECK(jobs[1].start == 5);
  CHECK(jobs[1].end == 35);
  CHECK(jobs[2].start == 35);
  for (const auto& j : jobs) CHECK(j.state == JobState::kCompleted);
}

TEST_CASE("trace jobs that can never run are rejected with their reason", "[cluster_sim]") {
  test::TempDir dir("cs-reject");
  const std::string unknown_size = "2 1 -1 10 -1 -1 -1 -1 -1 -1 1 1 1 -1 0 -1 -1 -1\n";
  const std::string unknown_run = "3 2 -1 -1 2 -1 -1 2 -1 -1 1 1 1 -1 0 -1 -1 -1\n";
  const Scenario sc = trace_scenario(dir, swf(1, 0, 10, 8) + unknown_size + unknown_run + swf(4, 3, 10, 4), "easy");
  ClusterSim sim(sc, 0);
  drive(sim);
  sim.finish(100);
  const auto& jobs = sim.state().jobs();
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[0].reject_reason == RejectReason::kTooLarge);
  CHECK(jobs[1].reject_reason == RejectReason::kUnknownSize);
  CHECK(jobs[2].reject_reason == RejectReason::kUnknownRuntime);
  for (int i = 0; i < 3; ++i) CHECK(jobs[i].state == JobState::kRejected);
  CHECK(jobs[3].state == JobState::kCompleted);
  CHECK(jobs[3].start == 3);
}

TEST_CASE("samples show the state after each instant settles", "[cluster_sim]") {
  test::TempDir dir("cs-samples");
  // 2 nodes: jobs of 2 GPUs at t=0 (25 s) and t=10 (5 s): the second waits until 25.
  const Scenario sc = trace_scenario(dir, swf(1, 0, 25, 2) + swf(2, 10, 5, 2), "none", 2);
  ClusterSim sim(sc, 0);
  drive(sim);
  sim.finish(sim.state().job(1).end);
  std::vector<std::tuple<double, std::uint64_t, std::uint64_t, std::uint64_t>> got;  // t, busy, queued, running
  for (const auto& r : sim.timeseries()) got.emplace_back(r.t, r.busy_gpus, r.queued_jobs, r.running_jobs);
  const std::vector<std::tuple<double, std::uint64_t, std::uint64_t, std::uint64_t>> want = {
      {0, 2, 0, 1}, {10, 2, 1, 1}, {20, 2, 1, 1}, {30, 0, 0, 0}};
  CHECK(got == want);
  CHECK(sim.state().job(1).start == 25);
}

namespace {

// Least GPU-seconds used by the job's workload first, then submit time; keyed every pass or once.
class UsageOrder final : public QueueOrder {
 public:
  explicit UsageOrder(Keying keying) : keying_(keying) {}
  std::string_view name() const override { return "usage"; }
  QueueKey key(const Job& job, const QueueContext& c) const override {
    return {c.state.usage(job.workload, c.now).gpu_seconds, job.submit};
  }
  Keying keying() const override { return keying_; }

 private:
  Keying keying_;
};

}  // namespace

TEST_CASE("a queue order keyed on every pass sees the usage of the moment, one keyed on arrival does not",
          "[cluster_sim][queue]") {
  test::TempDir dir("cs-rekey");
  // One 1-GPU node; workload a submits three 10-s jobs at t=0, workload b three at t=1.
  test::write_text(dir.path() / "a.swf", swf(1, 0, 10, 1) + swf(2, 0, 10, 1) + swf(3, 0, 10, 1));
  test::write_text(dir.path() / "b.swf", swf(1, 1, 10, 1) + swf(2, 1, 10, 1) + swf(3, 1, 10, 1));
  PolicyRegistry reg;
  register_builtin_policies(reg);
  reg.add_queue_order({PolicyKind::kQueueOrder, "usage_every_pass", "test", {}},
                      [](const PolicyParams&) { return std::make_unique<UsageOrder>(QueueOrder::Keying::kEveryPass); });
  reg.add_queue_order({PolicyKind::kQueueOrder, "usage_on_arrival", "test", {}},
                      [](const PolicyParams&) { return std::make_unique<UsageOrder>(QueueOrder::Keying::kOnArrival); });
  auto starts = [&](const std::string& order) {
    Json doc = one_cluster("rekey", 1);
    doc["workloads"] = {trace_workload("a", "a.swf"), trace_workload("b", "b.swf")};
    doc["scheduling"] = {{"queue", {{"policy", order}}}};
    LoadOptions lo;
    lo.registry = &reg;
    const Scenario sc = load_scenario_json(doc, "rekey.json", dir.str(), lo);
    ClusterSim sim(sc, 0);
    drive(sim);
    std::vector<std::pair<Seconds, std::string>> out;
    for (const Job& j : sim.state().jobs()) out.push_back({j.start, sc.workloads[j.workload].id});
    std::sort(out.begin(), out.end());
    std::string seq;
    for (const auto& [t, w] : out) seq += w;
    return seq;
  };
  // Every pass: at t=10 a has used 10 GPU-s, b none: b goes; at t=20 they tie and a's earlier
  // submit wins; and so on. On arrival every key is 0 (no use yet): submit order.
  CHECK(starts("usage_every_pass") == "ababab");
  CHECK(starts("usage_on_arrival") == "aaabbb");
  CHECK(starts("fcfs") == "aaabbb");
}

namespace {

// An swf line of `procs` processors for `run` s, submitted at `submit`, in group `group` (field 13).
std::string swf_group(long id, double submit, double run, int procs, int group) {
  return std::to_string(id) + " " + std::to_string(submit) + " -1 " + std::to_string(run) + " " +
         std::to_string(procs) + " -1 -1 " + std::to_string(procs) + " -1 -1 1 1 " + std::to_string(group) +
         " -1 0 -1 -1 -1\n";
}

}  // namespace

TEST_CASE("under quotas each job waits for the reason that held it at the last pass before it started",
          "[cluster_sim][quota]") {
  test::TempDir dir("cs-reasons");
  // 10 one-GPU nodes. Cohort k of capacity 8: A (nominal 4, lending limit 0: its 4 are withheld
  // whether it uses them or not) and B (nominal 4, borrowing unlimited), so B can use 4 at most.
  // C (nominal 2) is in no cohort: it uses at most its nominal. Two GPUs are in no one's quota.
  //   j1 B 4 GPUs [0,100)      cohort max(0,4)+4 = 8 <= 8: starts at 0
  //   j2 B 2 GPUs at 0         cohort 4+6 = 10 > 8 with 4 GPUs free: cohort_exhausted, starts at 100
  //   j3 C 2 GPUs [0,30)       C at its nominal
  //   j4 C 1 GPU at 10         C 2+1 > 2: quota, starts at 30 when j3 ends
  //   j5 A 4 GPUs [20,30)      A within nominal, 4 GPUs free: no wait
  //   j6 A 4, j7 C 2, j8 B 4 at 200 for 100 s: all start (cohort max(4,4)+4 = 8), the cluster is full
  //   j9 B 1 GPU at 210        cohort 4+5 > 8 and no GPU free: no_free_gpus, starts at 300
  //   j10 B 1 GPU at 210       behind j9 (strict FIFO): at t=300's first pass j9 is B's head and
  //                            starts; j10 starts in the second pass: behind_queue_head
  std::string log = swf_group(1, 0, 100, 4, 2) + swf_group(2, 0, 50, 2, 2) + swf_group(3, 0, 30, 2, 3) +
                    swf_group(4, 10, 10, 1, 3) + swf_group(5, 20, 10, 4, 1) + swf_group(6, 200, 100, 4, 1) +
                    swf_group(7, 200, 100, 2, 3) + swf_group(8, 200, 100, 4, 2) + swf_group(9, 210, 10, 1, 2) +
                    swf_group(10, 210, 10, 1, 2);
  test::write_text(dir.path() / "t.swf", log);
  Json doc = one_cluster("reasons", 10);
  doc["tenants"] = {{{"id", "A"}}, {{"id", "B"}}, {{"id", "C"}}};
  doc["operators"][0]["sites"][0]["clusters"][0]["quotas"] = {
      {"tenants",
       {{{"tenant", "A"}, {"nominal_gpus", 4}, {"lending_limit_gpus", 0}, {"cohort", "k"}},
        {{"tenant", "B"}, {"nominal_gpus", 4}, {"cohort", "k"}},
        {{"tenant", "C"}, {"nominal_gpus", 2}}}}};
  Json w = trace_workload("t", "t.swf");
  w["tenant_map"] = {{"field", "group"}, {"values", {{"1", "A"}, {"2", "B"}, {"3", "C"}}}};
  doc["workloads"] = Json::array({w});
  doc["scheduling"] = {{"backfill", {{"policy", "none"}}}};
  const Scenario sc = load_scenario_json(doc, "reasons.json", dir.str());
  ClusterSim sim(sc, 0);
  drive(sim);
  sim.finish(400);
  const auto& jobs = sim.state().jobs();
  REQUIRE(jobs.size() == 10);
  const std::vector<std::pair<Seconds, std::string>> want = {{0, ""},
                                                             {100, "cohort_exhausted"},
                                                             {0, ""},
                                                             {30, "quota"},
                                                             {20, ""},
                                                             {200, ""},
                                                             {200, ""},
                                                             {200, ""},
                                                             {300, "no_free_gpus"},
                                                             {300, "behind_queue_head"}};
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    INFO("job " << jobs[i].id);
    CHECK(jobs[i].state == JobState::kCompleted);
    CHECK(jobs[i].start == want[i].first);
    CHECK(std::string(to_string(jobs[i].wait_reason)) == want[i].second);
  }
}
