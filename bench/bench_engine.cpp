// Engine benchmark: N synthetic jobs on a 260,000-GPU cluster (32,500 nodes of 8).
//
//   bench_engine [--jobs N] [--backfill none|easy|conservative] [--placement NAME] [--load RHO] [--write DIR]
//                [--tenants T [--quotas 0|1] [--queue fcfs|fair_share [--period S]]]
//
// With --tenants T the same load comes from T workloads of N/T jobs each, workload i for tenant
// t<i> (weight 1); --quotas 1 gives each tenant a nominal quota of 1/T of the GPUs, all in one
// cohort with unlimited borrowing (quota admission of docs/scheduling.md), --quotas 0 none.
//
// Prints one line of key=value facts: wall time of the simulation (scenario
// build, platform, run), jobs per second, events per second, peak memory, and
// the simulated utilisation (a check that the load is what was asked for).
// One engine per process (SimGrid), so bench/run.sh runs one configuration per call.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/process_info.hpp"
#include "engine/engine.hpp"
#include "metrics/summary.hpp"
#include "output/writers.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;

int main(int argc, char** argv) {
  long jobs = 1'000'000;
  std::string backfill = "none", placement = "first_fit", write_dir;
  double load = 1.0;
  long tenants = 0;
  bool quotas = false;
  std::string queue = "fcfs";
  double period = 0;  // fair_share's recompute_period_s
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--jobs")) jobs = std::stol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--tenants")) tenants = std::stol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--quotas")) quotas = std::stol(argv[i + 1]) != 0;
    else if (!std::strcmp(argv[i], "--queue")) queue = argv[i + 1];
    else if (!std::strcmp(argv[i], "--period")) period = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--backfill")) backfill = argv[i + 1];
    else if (!std::strcmp(argv[i], "--placement")) placement = argv[i + 1];
    else if (!std::strcmp(argv[i], "--load")) load = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--write")) write_dir = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  // Job sizes and durations: many small jobs, few large gangs (assumed mix, see docs/performance.md).
  const std::vector<double> sizes = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  const std::vector<double> weights = {30, 15, 15, 20, 8, 5, 3, 2, 1, 0.6, 0.4};
  double mean_gpus = 0, wsum = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    mean_gpus += sizes[i] * weights[i];
    wsum += weights[i];
  }
  mean_gpus /= wsum;
  const double median_s = 1800, sigma = 1.0;
  const double mean_s = median_s * std::exp(sigma * sigma / 2);
  const double gpus = 32'500.0 * 8;
  const double rate_per_hour = load * gpus / (mean_gpus * mean_s) * 3600.0;

  nlohmann::json doc = {
      {"format_version", 1},
      {"name", "bench-260k"},
      {"seed", 1},
      {"start", "2025-01-01"},
      // Just past the expected arrival span, so that all N jobs arrive and utilisation is measured under load.
      {"horizon_days", 1.01 * static_cast<double>(jobs) / rate_per_hour / 24.0},
      {"gpu_models", {{{"id", "H100"}}}},
      {"operators",
       {{{"id", "nation"},
         {"sites",
          {{{"id", "dc"},
            {"clusters",
             {{{"id", "fleet"},
               {"gpu_model", "H100"},
               {"nodes", 32'500},
               {"gpus_per_node", 8},
               {"rack_nodes", 9}}}}}}}}}},
      {"workloads",
       {{{"id", "mix"},
         {"cluster", "fleet"},
         {"kind", "synthetic"},
         {"count", jobs},
         {"arrival", {{"process", "poisson"}, {"rate_per_hour", rate_per_hour}}},
         {"gpus", {{"dist", "discrete"}, {"values", sizes}, {"weights", weights}}},
         {"duration_s", {{"dist", "lognormal"}, {"median", median_s}, {"sigma", sigma}}},
         {"walltime_factor", 1.5}}}},
      {"scheduling",
       {{"queue", {{"policy", queue}}}, {"backfill", {{"policy", backfill}}}, {"placement", {{"policy", placement}}}}},
      {"outputs", {{"timeseries_interval_s", 3600}}}};
  if (queue == "fair_share") doc["scheduling"]["queue"]["params"] = {{"recompute_period_s", period}};
  if (tenants > 0) {
    const nlohmann::json mix = doc["workloads"][0];
    doc["workloads"] = nlohmann::json::array();
    doc["tenants"] = nlohmann::json::array();
    nlohmann::json quota = nlohmann::json::array();
    for (long t = 0; t < tenants; ++t) {
      nlohmann::json w = mix;
      w["id"] = fmt::format("mix{}", t);
      w["tenant"] = fmt::format("t{}", t);
      w["count"] = jobs / tenants + (t < jobs % tenants ? 1 : 0);
      w["arrival"]["rate_per_hour"] = rate_per_hour / static_cast<double>(tenants);
      doc["workloads"].push_back(w);
      doc["tenants"].push_back({{"id", fmt::format("t{}", t)}});
      quota.push_back({{"tenant", fmt::format("t{}", t)},
                       {"nominal_gpus", static_cast<long>(gpus) / tenants},
                       {"cohort", "national"}});
    }
    if (quotas) doc["operators"][0]["sites"][0]["clusters"][0]["quotas"] = {{"tenants", quota}};
  }

  const auto t0 = std::chrono::steady_clock::now();
  const Scenario sc = load_scenario_json(doc, "bench", ".");
  const RunResult run = run_scenario(sc);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double write_s = 0;
  if (!write_dir.empty()) {
    const auto w0 = std::chrono::steady_clock::now();
    write_results(write_dir, sc, run);
    write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  }
  std::vector<const Job*> all;
  for (const auto& c : run.clusters)
    for (const auto& j : c.jobs) all.push_back(&j);
  std::vector<Seconds> steady_from;  // the bench's clusters are online from the start
  for (const auto& c : run.clusters) steady_from.push_back(c.online_90pct.value_or(INFINITY));
  const JobStats st = compute_job_stats(all, run.end_time, 10, gpus * run.end_time, steady_from);
  fmt::print(
      "queue={} period_s={} tenants={} quotas={} backfill={} placement={} jobs={} wall_s={:.2f} jobs_per_s={:.0f} "
      "events={} events_per_s={:.0f} "
      "peak_mib={:.0f} write_s={:.2f} sim_days={:.1f} utilisation={:.3f} completed={} mean_wait_s={:.0f}\n",
      queue, period, tenants, quotas ? 1 : 0, backfill, placement, jobs, wall, static_cast<double>(jobs) / wall,
      run.events, static_cast<double>(run.events) / wall, peak_memory_mib(), write_s, run.end_time / 86400,
      st.utilisation, st.completed, st.wait_s.mean);
  return 0;
}
