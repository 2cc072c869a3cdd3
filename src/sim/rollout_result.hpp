// What the rollout produced: daily per-operator counts, tranche delays, the
// summary section. Built from RolloutModel's log after the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpufleet/job.hpp"
#include "gpufleet/results.hpp"

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
