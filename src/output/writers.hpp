// Result files (formats and formulas: docs/outputs.md). Each file is written
// atomically: it appears whole under its final name or not at all.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "metrics/summary.hpp"
#include "scenario/scenario.hpp"
#include "sim/run_result.hpp"

namespace gpufleet {

// jobs.csv: one row per job, sorted by submit time, then cluster, then admission order.
std::string jobs_csv(const Scenario& scenario, const RunResult& run);
// timeseries.csv: one row per cluster and sample time, sorted by time then cluster.
std::string timeseries_csv(const Scenario& scenario, const RunResult& run);
// tenants.csv: one row per tenant, cluster and sample time (tenant_timeseries), for scenarios with tenants.
std::string tenants_csv(const Scenario& scenario, const std::vector<TenantSample>& rows);
// rollout.csv (per day and operator, plus "all") and orders.csv (per tranche); only for rollout scenarios.
std::string rollout_csv(const Scenario& scenario, const RunResult& run);
std::string orders_csv(const Scenario& scenario, const RunResult& run);
// run.json: facts about this process's run that vary between runs (wall time, memory), and the
// SHA-256 of the scenario.json it ran (when not empty).
std::string run_json(const Scenario& scenario, const RunResult& run, const std::string& scenario_sha256 = {});

struct WriteOptions {
  nlohmann::ordered_json resolved_scenario;  // written as scenario.json when not null
  std::optional<Provenance> inputs;          // summary.json's "inputs" section when given
  bool report = true;                        // report.html
};

// Creates `dir` if needed and writes scenario.json, jobs.csv, timeseries.csv, tenants.csv, run.json,
// report.html (and rollout.csv, orders.csv), then summary.json last, with an "outputs" section
// listing every other file but run.json with its bytes and SHA-256; returns the summary (as
// written: to_json() of it is summary.json). Throws std::runtime_error when a file cannot be written.
Summary write_results(const std::string& dir, const Scenario& scenario, const RunResult& run,
                      const WriteOptions& options = {});

}  // namespace gpufleet
