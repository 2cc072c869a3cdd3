// What the rollout produced: daily per-operator counts, tranche delays, the
// summary section. Built from RolloutModel's log after the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpufleet/job.hpp"

namespace gpufleet {

class RolloutModel;
struct Scenario;

struct RolloutRow {
  Seconds t;
  std::uint32_t op;  // operator index, or operators.size() for the national total
  std::int64_t ordered, delivered, in_production, unallocated, online, waiting, installing;
  double raw_stacks;
};

struct OrderRow {
  std::uint32_t order, tranche;
  std::uint64_t gpus;
  Seconds due;
  Seconds delivered;  // < 0: not delivered by the end
};

struct SitePowerSeries {
  std::string name;                 // "operator/site"
  std::vector<double> daily_mw;     // facility power, mean of day d (d = 0, 1, ...)
  std::vector<double> capacity_mw;  // grid power available on day d (infinite: unlimited)
};

// The "rollout" section of summary.json as values (floats rounded to 6 decimals, as published;
// dates as simulated times, written as calendar dates). Key names: to_json below, docs/outputs.md.
struct RolloutGroup {  // an operator, or the nation
  std::int64_t ordered_gpus = 0, delivered_gpus = 0, online_gpus = 0, stranded_gpus = 0, to_deliver_gpus = 0;
  std::optional<Seconds> date_50pct_online, date_90pct_online, date_100pct_online;  // none: not reached
  double stranded_gpu_days = 0, hbm_stacks_consumed = 0, it_mwh = 0, facility_mwh = 0, peak_facility_mw = 0;
  std::optional<Seconds> peak_date;  // start of the day of peak facility power; none without power
};
struct OperatorRollout {
  std::string id;
  RolloutGroup group;
};
struct GpuModelRollout {  // the GPUs of one model (e.g. "when is the HBM4 fleet online")
  std::string id, hbm_generation;
  std::int64_t ordered_gpus = 0, delivered_gpus = 0, online_gpus = 0;
  std::optional<Seconds> date_50pct_online, date_90pct_online, date_100pct_online;
  double stranded_gpu_days = 0;
};
struct SiteRollout {
  std::string op, site;
  double pue = 1, it_mwh = 0, facility_mwh = 0, peak_facility_mw = 0;
  std::optional<Seconds> peak_date;
  std::optional<double> power_capacity_mw_then, power_capacity_mw_at_end;  // none: unlimited
};
struct RolloutSummary {
  std::string supply_policy;
  RolloutGroup national;
  std::vector<OperatorRollout> operators;   // parallel to Scenario::operators
  std::vector<GpuModelRollout> gpu_models;  // models with GPUs ordered, in model order
  std::vector<SiteRollout> sites;           // parallel to RolloutSpec::sites
};
// The section as written, dates as YYYY-MM-DD counted from `start_epoch_s`.
nlohmann::ordered_json to_json(const RolloutSummary& summary, std::int64_t start_epoch_s);

struct RolloutResult {
  std::vector<RolloutRow> rows;             // by date, then operator (national last)
  std::vector<SitePowerSeries> site_power;  // parallel to RolloutSpec::sites
  std::vector<OrderRow> orders;             // by order, then tranche
  RolloutSummary summary;                   // the "rollout" section of summary.json
};

RolloutResult build_rollout_result(const Scenario& scenario, const RolloutModel& model, Seconds end);

}  // namespace gpufleet
