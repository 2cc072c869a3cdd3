// The rollout part of a scenario: HBM supply, GPU orders, site build-out, disruptions.
//
// All dates are simulated seconds since the scenario start. Schedules are
// piecewise constant: a value holds from its date until the next one.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gpufleet/job.hpp"

namespace gpufleet {

class SupplyAllocationPolicy;

struct ScheduleStep {
  Seconds from;
  double value;
};

// Piecewise-constant value over time; `before` applies before the first step.
struct Schedule {
  std::vector<ScheduleStep> steps;  // sorted by `from`
  double before = 0;
  double at(Seconds t) const;
  bool empty() const { return steps.empty(); }
};

struct HbmSupplier {
  std::string id;
  std::map<std::string, Schedule> stacks_per_month;  // by HBM generation: good + bad stacks started per month
  Schedule yield;                                    // share of stacks that are good, in (0, 1]
  double programme_share = 1;                        // share of good output available to this programme
};

struct Tranche {
  std::uint64_t gpus = 0;
  Seconds due = 0;
};

struct Order {
  std::string id;
  std::uint32_t op = 0;
  std::uint32_t cluster = 0;      // destination (its site and GPU model)
  Seconds ordered = 0;            // from this date the order may be supplied
  std::int32_t priority = 0;      // larger first under the `priority` supply policy
  std::vector<Tranche> tranches;  // sorted by due date
};

struct SiteBuild {
  std::uint32_t op = 0, site = 0;  // indices into Scenario::operators / OperatorSpec::sites
  Schedule power_mw;               // grid capacity available to the site's IT + cooling
  double pue = 1.3;
  double install_gpus_per_day = 1e9;
  Seconds burn_in_s = 0;
};

struct Disruption {
  enum class Kind { kSupplierCapacity, kSupplierYield, kSitePowerDelay, kOrderChange };
  Kind kind = Kind::kSupplierCapacity;
  std::uint32_t target = 0;  // supplier, site (index into RolloutSpec::sites) or order
  Seconds from = 0;
  Seconds until = 0;            // supplier factors: end of the period
  double factor = 1;            // supplier factors
  Seconds delay_s = 0;          // site power: every power step shifted by this
  std::int64_t gpus_delta = 0;  // order change: added to the order's last tranche (negative cuts)
};

struct RolloutSpec {
  bool enabled = false;
  std::vector<HbmSupplier> suppliers;
  Schedule packaging_gpus_per_month;  // empty: no packaging limit
  Seconds build_lead_s = 0;           // from HBM allocation to a finished GPU
  Seconds ship_lead_s = 0;            // from finished GPU to delivery at the site
  Seconds supply_step_s = 7 * 86400.0;
  // A tranche is supplied no earlier than this long before it is due, lead times
  // included (infinity: as soon as it is ordered).
  Seconds supply_window_s = std::numeric_limits<double>::infinity();
  std::shared_ptr<const SupplyAllocationPolicy> allocation;
  std::vector<Order> orders;
  std::vector<SiteBuild> sites;
  std::vector<Disruption> disruptions;
};

}  // namespace gpufleet
