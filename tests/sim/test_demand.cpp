// Demand over time (issue #12 item 6): a Poisson workload's rate set by a schedule of factors and by
// its cluster's share of GPUs online, drawn by thinning, with ClusterSim driven by hand (no SimGrid).
#include <catch2/catch.hpp>

#include <cmath>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "gpufleet/diagnostics.hpp"
#include "scenario/scenario_loader.hpp"
#include "sim/cluster_sim.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

constexpr double kDay = 86400;

// One cluster "c" of `nodes` one-GPU nodes (`online` of them at the start), 20 days; one workload of
// one-GPU 1-s jobs at 60 an hour with the given arrival extras.
Json demand_scenario(int nodes, int online, const Json& arrival_extra) {
  Json doc = test::one_cluster_scenario("demand", nodes);
  doc["horizon_days"] = 20;
  doc["operators"][0]["sites"][0]["clusters"][0]["online_nodes_at_start"] = online;
  Json arrival = {{"process", "poisson"}, {"rate_per_hour", 60}};
  arrival.update(arrival_extra);
  doc["workloads"] = Json::array({{{"id", "w"},
                                   {"cluster", "c"},
                                   {"kind", "synthetic"},
                                   {"arrival", arrival},
                                   {"gpus", {{"dist", "fixed"}, {"value", 1}}},
                                   {"duration_s", {{"dist", "fixed"}, {"value", 1}}}}});
  return doc;
}

// Jobs submitted in [from, to) days.
std::size_t submitted_between(const std::vector<Job>& jobs, double from, double to) {
  std::size_t n = 0;
  for (const Job& j : jobs) n += j.submit >= from * kDay && j.submit < to * kDay;
  return n;
}

// A Poisson count with mean m lies within 4.5 standard deviations of it.
void check_poisson(std::size_t n, double m) {
  INFO("count " << n << ", expected " << m);
  CHECK(std::abs(static_cast<double>(n) - m) <= 4.5 * std::sqrt(m));
}

void check_ids_dense(const std::vector<Job>& jobs) {
  for (std::size_t i = 0; i < jobs.size(); ++i) CHECK(jobs[i].id == static_cast<std::int64_t>(i + 1));
}

}  // namespace

TEST_CASE("a rate schedule sets the Poisson rate from each of its dates on", "[demand][sim]") {
  test::TempDir dir("demand-schedule");
  // Factor 1 before the first date (day 2), 0 from day 2, 2 from day 7, 0.5 from day 12.
  const Json steps = Json::array({{{"from", "2025-01-03"}, {"value", 0}},
                                  {{"from", "2025-01-08"}, {"value", 2}},
                                  {{"from", "2025-01-13"}, {"value", 0.5}}});
  const Scenario sc = load_scenario_json(demand_scenario(64, 64, {{"rate_schedule", steps}}), "d.json", dir.str());
  ClusterSim sim(sc, 0);
  for (Seconds t = sim.next_event_time(); t != ClusterSim::kNever; t = sim.next_event_time()) sim.advance_to(t);
  const auto& jobs = sim.state().jobs();
  check_poisson(submitted_between(jobs, 0, 2), 60 * 24 * 2);
  CHECK(submitted_between(jobs, 2, 7) == 0);
  check_poisson(submitted_between(jobs, 7, 12), 60 * 24 * 5 * 2.0);
  check_poisson(submitted_between(jobs, 12, 20), 60 * 24 * 8 * 0.5);
  check_ids_dense(jobs);
}

TEST_CASE("follow_online: the rate follows the share of the cluster's GPUs online", "[demand][sim]") {
  test::TempDir dir("demand-online");
  // 10 nodes, none online at first; 5 come online on day 5, the other 5 on day 10.
  const Scenario sc = load_scenario_json(demand_scenario(10, 0, {{"follow_online", true}}), "d.json", dir.str());
  ClusterSim sim(sc, 0);
  auto run_until = [&](Seconds end) {
    for (Seconds t = sim.next_event_time(); t != ClusterSim::kNever && t < end; t = sim.next_event_time())
      sim.advance_to(t);
  };
  run_until(5 * kDay);
  sim.add_nodes(5 * kDay, 5);
  sim.advance_to(5 * kDay);
  run_until(10 * kDay);
  sim.add_nodes(10 * kDay, 5);
  sim.advance_to(10 * kDay);
  run_until(ClusterSim::kNever);
  const auto& jobs = sim.state().jobs();
  CHECK(submitted_between(jobs, 0, 5) == 0);  // nothing online: no demand (not a backlog for later)
  check_poisson(submitted_between(jobs, 5, 10), 60 * 24 * 5 * 0.5);
  check_poisson(submitted_between(jobs, 10, 20), 60 * 24 * 10 * 1.0);
  check_ids_dense(jobs);
}

TEST_CASE("a thinned workload's count is of the jobs kept", "[demand][sim]") {
  test::TempDir dir("demand-count");
  Json doc = demand_scenario(64, 64, {{"rate_schedule", Json::array({{{"from", "2025-01-01"}, {"value", 0.25}}})}});
  doc["workloads"][0]["count"] = 500;
  const Scenario sc = load_scenario_json(doc, "d.json", dir.str());
  ClusterSim sim(sc, 0);
  for (Seconds t = sim.next_event_time(); t != ClusterSim::kNever; t = sim.next_event_time()) sim.advance_to(t);
  const auto& jobs = sim.state().jobs();
  REQUIRE(jobs.size() == 500);
  check_ids_dense(jobs);
  check_poisson(static_cast<std::size_t>(jobs.back().submit / 3600 * 15), 500);  // 15 an hour kept
}

TEST_CASE("bad demand-over-time input is reported at its pointers", "[demand][scenario]") {
  test::TempDir dir("demand-bad");
  auto errors_of = [&](const Json& doc) {
    try {
      load_scenario_json(doc, "d.json", dir.str());
    } catch (const InputError& e) {
      return e.diagnostics().to_string();
    }
    return std::string();
  };
  Json negative = demand_scenario(4, 4, {{"rate_schedule", Json::array({{{"from", "2025-01-02"}, {"value", -1}}})}});
  CHECK_THAT(errors_of(negative), Catch::Contains("/workloads/0/arrival/rate_schedule/0/value"));
  Json endless = demand_scenario(4, 4, {{"follow_online", true}});
  endless.erase("horizon_days");
  endless["workloads"][0]["count"] = 3;
  CHECK_THAT(errors_of(endless), Catch::Contains("/workloads/0/arrival: expected \"horizon_days\""));
  Json interval = demand_scenario(4, 4, Json::object());
  interval["workloads"][0]["arrival"] = {{"process", "interval"}, {"interval_s", 60}, {"follow_online", true}};
  CHECK_THAT(errors_of(interval), Catch::Contains("/workloads/0/arrival/follow_online"));
}
