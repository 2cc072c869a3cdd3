// The engine against queueing theory: M/M/c mean wait vs Erlang C, and
// Little's law on the written outputs. Each TEST_CASE runs one SimGrid engine
// (one per process: CTest runs every case in its own process).
#include <catch2/catch.hpp>

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "engine/engine.hpp"
#include "output/writers.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

namespace {

// Erlang C: probability that an arrival waits in M/M/c with offered load a = lambda/mu.
double erlang_c(int c, double a) {
  double term = 1, sum = 0;  // term = a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  return top / (sum + top);
}

// `replicas` independent M/M/c clusters (c single-GPU nodes each, FCFS), `jobs` jobs each.
Json mmc_scenario(int c, double rho, double mean_service_s, int jobs, int replicas, double sample_s) {
  const double lambda_per_hour = rho * c / mean_service_s * 3600.0;
  Json clusters = Json::array(), workloads = Json::array();
  for (int r = 0; r < replicas; ++r) {
    const std::string id = fmt::format("mmc{}", r);
    clusters.push_back({{"id", id}, {"gpu_model", "g"}, {"nodes", c}, {"gpus_per_node", 1}});
    workloads.push_back({{"id", fmt::format("w{}", r)},
                         {"cluster", id},
                         {"kind", "synthetic"},
                         {"count", jobs},
                         {"arrival", {{"process", "poisson"}, {"rate_per_hour", lambda_per_hour}}},
                         {"gpus", {{"dist", "fixed"}, {"value", 1}}},
                         {"duration_s", {{"dist", "exponential"}, {"mean", mean_service_s}}}});
  }
  return Json{{"format_version", 1},
              {"name", "mmc"},
              {"seed", 4242},
              {"start", "2025-01-01"},
              {"gpu_models", {{{"id", "g"}}}},
              {"operators", {{{"id", "op"}, {"sites", {{{"id", "s"}, {"clusters", clusters}}}}}}},
              {"workloads", workloads},
              {"scheduling", {{"queue", {{"policy", "fcfs"}}}, {"backfill", {{"policy", "none"}}}}},
              {"outputs", {{"timeseries_interval_s", sample_s}}}};
}

// Mean wait over all replicas, skipping each replica's first `warmup` fraction of jobs.
double mean_wait(const RunResult& run, double warmup) {
  double sum = 0;
  std::size_t n = 0;
  for (const auto& c : run.clusters) {
    const auto skip = static_cast<std::size_t>(warmup * static_cast<double>(c.jobs.size()));
    for (std::size_t i = skip; i < c.jobs.size(); ++i) {
      REQUIRE(c.jobs[i].state == JobState::kCompleted);
      sum += c.jobs[i].start - c.jobs[i].submit;
      ++n;
    }
  }
  return sum / static_cast<double>(n);
}

void check_erlang_c(double rho) {
  const int c = 16;
  const double service_s = 3600;
  const Json doc = mmc_scenario(c, rho, service_s, 250'000, 4, 86400);
  const Scenario sc = load_scenario_json(doc, "mmc.json", ".");
  const RunResult run = run_scenario(sc);
  const double a = rho * c;
  const double theory = erlang_c(c, a) / (c / service_s - a / service_s);
  const double sim = mean_wait(run, 0.05);
  INFO("rho " << rho << ": simulated mean wait " << sim << " s, Erlang C " << theory << " s");
  CHECK(std::fabs(sim - theory) / theory < 0.05);
}

}  // namespace

TEST_CASE("Erlang C formula sanity", "[theory]") {
  // M/M/1: C = rho. M/M/2 at a = 1: C = 1/3.
  CHECK(erlang_c(1, 0.5) == Approx(0.5));
  CHECK(erlang_c(2, 1.0) == Approx(1.0 / 3.0));
}

TEST_CASE("M/M/c mean wait matches Erlang C at utilisation 0.8", "[engine][theory]") { check_erlang_c(0.8); }

TEST_CASE("M/M/c mean wait matches Erlang C at utilisation 0.9", "[engine][theory]") { check_erlang_c(0.9); }

TEST_CASE("Little's law holds on the written outputs", "[engine][theory]") {
  // Queue length from timeseries.csv (sampled every 60 s) against arrival rate x mean wait from jobs.csv.
  const Json doc = mmc_scenario(8, 0.85, 3600, 40'000, 1, 60);
  const Scenario sc = load_scenario_json(doc, "mmc.json", ".");
  const RunResult run = run_scenario(sc);
  gpufleet::test::TempDir dir("little");
  write_results(dir.str(), sc, run);
  const auto jobs = gpufleet::test::parse_csv(gpufleet::test::read_text(dir.path() / "jobs.csv"));
  const auto ts = gpufleet::test::parse_csv(gpufleet::test::read_text(dir.path() / "timeseries.csv"));
  REQUIRE(jobs.size() == 40'001);
  double wait_sum = 0;
  for (std::size_t i = 1; i < jobs.size(); ++i) wait_sum += std::stod(jobs[i][8]);
  const double T = std::stod(ts.back()[0]);
  double queued_sum = 0;
  std::size_t samples = 0;
  for (std::size_t i = 1; i + 1 < ts.size(); ++i) {  // regular samples; the last one is the end-of-run sample
    queued_sum += std::stod(ts[i][6]);
    ++samples;
  }
  const double L = queued_sum / static_cast<double>(samples);
  const double lambda = 40'000.0 / T;
  const double W = wait_sum / 40'000.0;
  INFO("L = " << L << ", lambda W = " << lambda * W << " (T = " << T << " s)");
  CHECK(L > 1.0);  // a real queue formed
  CHECK(std::fabs(L - lambda * W) / (lambda * W) < 0.02);
}
