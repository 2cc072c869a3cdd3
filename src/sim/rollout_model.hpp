// The national rollout, minus the clock: HBM supply, orders, shipments, site
// installation and burn-in, energy. Driven by the engine's supply actor
// (supply_step) and one actor per site (site_step); testable by hand.
//
// Accounting, per order and so per operator, holds at every instant:
//   ordered = delivered + to_deliver,  delivered = online + stranded,
// where stranded GPUs are delivered and waiting for power, installers or
// burn-in. Every change is logged with its time, and the outputs are rebuilt
// from the log.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "scenario/scenario.hpp"

namespace gpufleet {

// One change to one order's counts, in GPUs (deltas).
struct RolloutLogEntry {
  Seconds t;
  std::uint32_t order;
  std::int64_t ordered = 0;     // order placed or changed
  std::int64_t allocated = 0;   // HBM and packaging allocated: in production from now
  std::int64_t delivered = 0;   // arrived at the site
  std::int64_t installing = 0;  // installers started (+), or whole nodes came online (-)
  std::int64_t online = 0;      // whole nodes online
  double raw_stacks = 0;        // HBM stacks consumed (good ones plus the yield loss behind them)
};

struct NodesOnline {
  std::uint32_t cluster;
  std::uint32_t nodes;
};

struct SiteEnergy {
  double it_j = 0;                   // IT energy so far
  double facility_j = 0;             // IT energy x PUE
  double peak_w = 0;                 // highest daily-mean facility power
  Seconds peak_t = 0;                // start of that day
  std::vector<double> daily_mean_w;  // facility power, mean of each day in order (day d: [d, d+1) days)
};

// GPU-seconds of one cluster over an interval (from ClusterSim's integrals).
struct ClusterUse {
  double busy_gpu_s = 0;
  double online_gpu_s = 0;
};

class RolloutModel {
 public:
  explicit RolloutModel(const Scenario& scenario);

  // Allocates one supply step starting at t to the orders that are due for
  // supply, and ships what is built (it arrives at t + build + ship lead).
  void supply_step(Seconds t);
  // One day of site `site` ending at t: shipments that arrived by t join the
  // stranded GPUs; GPUs whose burn-in ended by t come online (whole nodes);
  // installers start on what power and their daily rate allow. `use` gives the
  // site's clusters' GPU-seconds over the day, for energy. Returns the nodes to
  // bring online now.
  std::vector<NodesOnline> site_step(std::uint32_t site, Seconds t, const std::vector<ClusterUse>& use);

  const std::vector<RolloutLogEntry>& log() const { return log_; }
  const std::vector<SiteEnergy>& energy() const { return energy_; }
  // GPUs of tranche k of order o: as ordered, except the last, which absorbs every change to the order.
  std::uint64_t tranche_gpus(std::uint32_t o, std::size_t k) const;
  // Facility watts one installed GPU of this cluster draws at full load.
  double facility_w_per_gpu(std::uint32_t cluster) const;
  double power_mw_at(std::uint32_t site, Seconds t) const;
  // GPUs delivered to `site` that its last site_step left uninstalled for want of power (installers
  // and the day's rate would have taken them): 0 when power did not bind that day.
  std::uint64_t waiting_for_power(std::uint32_t site) const { return waiting_for_power_[site]; }

 private:
  struct Shipment {
    Seconds arrive;
    std::uint32_t order;
    std::uint64_t gpus;
  };
  struct BurnIn {
    Seconds ready;
    std::uint32_t order;
    std::uint64_t gpus;
  };
  void deliver(const Shipment& s);
  std::uint32_t site_of_cluster(std::uint32_t cluster) const { return cluster_site_[cluster]; }
  double site_installed_w(std::uint32_t site) const;

  const Scenario& sc_;
  const RolloutSpec& spec_;
  std::vector<std::uint32_t> cluster_site_;      // rollout site index of each cluster
  std::vector<std::uint32_t> model_generation_;  // HBM generation index of each GPU model
  std::vector<std::string> generations_;
  std::vector<double> pool_good_, pool_raw_;  // per generation, carried between steps
  std::vector<std::uint64_t> total_, allocated_, delivered_;
  std::vector<bool> change_applied_;
  std::vector<std::deque<Shipment>> in_transit_;  // per site, by arrival
  std::vector<std::uint64_t> stranded_;           // per order: delivered, not yet installing
  std::vector<std::deque<BurnIn>> burn_in_;       // per site, by ready time
  std::vector<std::uint64_t> ready_remainder_;    // per order: burnt-in GPUs short of a whole node
  std::vector<std::uint64_t> installing_;         // per order: installed, burning in or short of a whole node
  std::vector<SiteEnergy> energy_;
  std::vector<std::uint64_t> waiting_for_power_;  // per site, as of its last site_step
  std::vector<RolloutLogEntry> log_;
};

}  // namespace gpufleet
