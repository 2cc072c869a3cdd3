// ClusterSim driven by hand (no SimGrid): instants, zero-length jobs, rejections, samples.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "sim/cluster_sim.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

Scenario trace_scenario(const test::TempDir& dir, const std::string& swf, const std::string& backfill,
                        int nodes = 4) {
  test::write_text(dir.path() / "t.swf", swf);
  Json doc = {{"format_version", 1},
              {"name", "cs"},
              {"seed", 1},
              {"start", "2025-01-01"},
              {"gpu_models", {{{"id", "g"}}}},
              {"operators",
               {{{"id", "o"},
                 {"sites", {{{"id", "s"}, {"clusters", {{{"id", "c"}, {"gpu_model", "g"}, {"nodes", nodes}, {"gpus_per_node", 1}}}}}}}}}},
              {"workloads", {{{"id", "t"}, {"cluster", "c"}, {"kind", "swf"}, {"path", "t.swf"}, {"requested_time", "perfect"}}}},
              {"scheduling", {{"backfill", {{"policy", backfill}}}}},
              {"outputs", {{"timeseries_interval_s", 10}}}};
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
