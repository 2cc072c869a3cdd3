// Result files (formats and formulas: docs/outputs.md). Each file is written
// atomically: it appears whole under its final name or not at all.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "gpufleet/results.hpp"
#include "gpufleet/scenario.hpp"

namespace gpufleet {

// jobs.csv: one row per job, sorted by submit time, then cluster, then admission order.
std::string jobs_csv(const Scenario& scenario, const RunResult& run);
// timeseries.csv: one row per cluster and sample time, sorted by time then cluster.
std::string timeseries_csv(const Scenario& scenario, const RunResult& run);
// rollout.csv (per day and operator, plus "all") and orders.csv (per tranche); only for rollout scenarios.
std::string rollout_csv(const Scenario& scenario, const RunResult& run);
std::string orders_csv(const Scenario& scenario, const RunResult& run);
// run.json: facts about this process's run that vary between runs (wall time, memory).
std::string run_json(const Scenario& scenario, const RunResult& run);

// Creates `dir` if needed and writes summary.json, jobs.csv, timeseries.csv and run.json;
// returns the summary it wrote. Throws std::runtime_error when a file cannot be written.
nlohmann::ordered_json write_results(const std::string& dir, const Scenario& scenario, const RunResult& run);

}  // namespace gpufleet
