#include "sim/rollout_model.hpp"

#include <algorithm>
#include <cmath>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/supply_policy.hpp"

namespace gpufleet {
namespace {
constexpr double kDay = 86400.0;
constexpr double kMonth = 30.436875 * kDay;  // mean Gregorian month
}  // namespace

double Schedule::at(Seconds t) const {
  double v = before;
  for (const auto& s : steps) {
    if (s.from > t) break;
    v = s.value;
  }
  return v;
}

RolloutModel::RolloutModel(const Scenario& sc)
    : sc_(sc),
      spec_(sc.rollout),
      cluster_site_(sc.clusters.size(), 0),
      model_generation_(sc.gpu_models.size(), 0),
      total_(spec_.orders.size(), 0),
      allocated_(spec_.orders.size(), 0),
      delivered_(spec_.orders.size(), 0),
      change_applied_(spec_.disruptions.size(), false),
      in_transit_(spec_.sites.size()),
      stranded_(spec_.orders.size(), 0),
      burn_in_(spec_.sites.size()),
      ready_remainder_(spec_.orders.size(), 0),
      installing_(spec_.orders.size(), 0),
      energy_(spec_.sites.size()),
      waiting_for_power_(spec_.sites.size(), 0) {
  for (std::uint32_t s = 0; s < spec_.sites.size(); ++s)
    for (std::uint32_t c : sc.operators[spec_.sites[s].op].sites[spec_.sites[s].site].clusters) cluster_site_[c] = s;
  for (std::uint32_t m = 0; m < sc.gpu_models.size(); ++m) {
    const std::string& g = sc.gpu_models[m].hbm_generation;
    auto it = std::find(generations_.begin(), generations_.end(), g);
    if (it == generations_.end()) {
      generations_.push_back(g);
      it = generations_.end() - 1;
    }
    model_generation_[m] = static_cast<std::uint32_t>(it - generations_.begin());
  }
  pool_good_.assign(generations_.size(), 0);
  pool_raw_.assign(generations_.size(), 0);
  for (std::uint32_t o = 0; o < spec_.orders.size(); ++o) {
    const Order& ord = spec_.orders[o];
    for (const auto& tr : ord.tranches) total_[o] += tr.gpus;
    RolloutLogEntry e{ord.ordered, o};
    e.ordered = static_cast<std::int64_t>(total_[o]);
    log_.push_back(e);
  }
}

std::uint64_t RolloutModel::tranche_gpus(std::uint32_t o, std::size_t k) const {
  const auto& tr = spec_.orders[o].tranches;
  if (k + 1 < tr.size()) return tr[k].gpus;
  std::uint64_t others = 0;
  for (std::size_t i = 0; i + 1 < tr.size(); ++i) others += tr[i].gpus;
  return total_[o] > others ? total_[o] - others : 0;  // a cut deeper than the last tranche empties it
}

double RolloutModel::facility_w_per_gpu(std::uint32_t cluster) const {
  const GpuModel& m = sc_.gpu_models[sc_.clusters[cluster].gpu_model];
  return m.tdp_w * m.host_overhead * spec_.sites[cluster_site_[cluster]].pue;
}

double RolloutModel::power_mw_at(std::uint32_t site, Seconds t) const { return spec_.sites[site].power_mw.at(t); }

double RolloutModel::site_installed_w(std::uint32_t site) const {
  double w = 0;
  for (std::uint32_t o = 0; o < spec_.orders.size(); ++o)
    if (cluster_site_[spec_.orders[o].cluster] == site)
      w += static_cast<double>(delivered_[o] - stranded_[o] + installing_[o]) *
           facility_w_per_gpu(spec_.orders[o].cluster);
  return w;
}

void RolloutModel::supply_step(Seconds t) {
  // Order changes due by now.
  for (std::size_t i = 0; i < spec_.disruptions.size(); ++i) {
    const Disruption& d = spec_.disruptions[i];
    if (d.kind != Disruption::Kind::kOrderChange || change_applied_[i] || d.from > t) continue;
    change_applied_[i] = true;
    const std::uint32_t o = d.target;
    // GPUs already allocated (in production or delivered) cannot be cut.
    const std::int64_t floor_total = static_cast<std::int64_t>(allocated_[o]);
    const std::int64_t new_total = std::max(floor_total, static_cast<std::int64_t>(total_[o]) + d.gpus_delta);
    const std::int64_t delta = new_total - static_cast<std::int64_t>(total_[o]);
    total_[o] = static_cast<std::uint64_t>(new_total);
    const Seconds when = std::max(t, spec_.orders[o].ordered);
    RolloutLogEntry e{when, o};
    e.ordered = delta;
    log_.push_back(e);
  }
  // This step's good HBM stacks per generation, and the raw stacks behind them.
  const double months = spec_.supply_step_s / kMonth;
  for (std::uint32_t s = 0; s < spec_.suppliers.size(); ++s) {
    const HbmSupplier& sup = spec_.suppliers[s];
    double cap_factor = 1, yield_factor = 1;
    for (const Disruption& d : spec_.disruptions) {
      if (d.target != s || t < d.from || t >= d.until) continue;
      if (d.kind == Disruption::Kind::kSupplierCapacity) cap_factor *= d.factor;
      if (d.kind == Disruption::Kind::kSupplierYield) yield_factor *= d.factor;
    }
    const double yield = std::clamp(sup.yield.at(t) * yield_factor, 0.0, 1.0);
    for (std::uint32_t g = 0; g < generations_.size(); ++g) {
      auto it = sup.stacks_per_month.find(generations_[g]);
      if (it == sup.stacks_per_month.end()) continue;
      const double raw = it->second.at(t) * cap_factor * sup.programme_share * months;
      pool_raw_[g] += raw;
      pool_good_[g] += raw * yield;
    }
  }
  SupplyBudget budget;
  budget.good_stacks = pool_good_;
  budget.packaging_gpus = spec_.packaging_gpus_per_month.empty() ? std::numeric_limits<double>::infinity()
                                                                 : spec_.packaging_gpus_per_month.at(t) * months;
  // Site readiness: power headroom beyond the GPUs installed or already bound for the site.
  std::vector<double> site_ready(spec_.sites.size(), 0);
  std::vector<double> bound(spec_.sites.size(), 0);
  for (std::uint32_t o = 0; o < spec_.orders.size(); ++o)
    bound[cluster_site_[spec_.orders[o].cluster]] +=
        static_cast<double>(allocated_[o] - (delivered_[o] - stranded_[o] + installing_[o])) *
        facility_w_per_gpu(spec_.orders[o].cluster);
  for (std::uint32_t s = 0; s < spec_.sites.size(); ++s)
    site_ready[s] = std::max(0.0, power_mw_at(s, t) * 1e6 - site_installed_w(s) - bound[s]);

  std::vector<SupplyDemand> demands;
  const Seconds lead = spec_.build_lead_s + spec_.ship_lead_s;
  for (std::uint32_t o = 0; o < spec_.orders.size(); ++o) {
    const Order& ord = spec_.orders[o];
    if (ord.ordered > t || allocated_[o] >= total_[o]) continue;
    // GPUs whose tranche is inside the supply window (a change to the order moves its last tranche).
    std::uint64_t eligible = 0;
    for (std::size_t k = 0; k < ord.tranches.size(); ++k)
      if (ord.tranches[k].due - lead - spec_.supply_window_s <= t) eligible += tranche_gpus(o, k);
    eligible = std::min(eligible, total_[o]);
    if (eligible <= allocated_[o]) continue;
    SupplyDemand d;
    d.order = o;
    d.outstanding_gpus = eligible - allocated_[o];
    d.ordered = ord.ordered;
    d.priority = ord.priority;
    std::uint64_t cum = 0;
    d.next_due = ord.tranches.empty() ? ord.ordered : ord.tranches.back().due;
    for (std::size_t k = 0; k < ord.tranches.size(); ++k) {
      cum += tranche_gpus(o, k);
      if (cum > allocated_[o]) {
        d.next_due = ord.tranches[k].due;
        break;
      }
    }
    const auto site = cluster_site_[ord.cluster];
    d.site_ready_gpus = static_cast<std::uint64_t>(site_ready[site] / facility_w_per_gpu(ord.cluster));
    const GpuModel& m = sc_.gpu_models[sc_.clusters[ord.cluster].gpu_model];
    d.generation = model_generation_[sc_.clusters[ord.cluster].gpu_model];
    d.stacks_per_gpu = m.hbm_stacks_per_gpu;
    demands.push_back(d);
  }
  if (demands.empty()) return;
  const std::vector<std::uint64_t> got = spec_.allocation->allocate(demands, budget);
  GPUFLEET_CHECK(got.size() == demands.size(), "the supply policy answers every demand");
  for (std::size_t i = 0; i < demands.size(); ++i) {
    if (got[i] == 0) continue;
    const SupplyDemand& d = demands[i];
    GPUFLEET_CHECK(got[i] <= d.outstanding_gpus, "no order gets more GPUs than it has outstanding");
    const double good = static_cast<double>(got[i]) * d.stacks_per_gpu;
    GPUFLEET_CHECK(good <= pool_good_[d.generation] * (1 + 1e-12) + 1e-6, "HBM stacks are not over-allocated");
    const double raw = pool_good_[d.generation] > 0 ? good * pool_raw_[d.generation] / pool_good_[d.generation] : good;
    pool_good_[d.generation] = std::max(0.0, pool_good_[d.generation] - good);
    pool_raw_[d.generation] = std::max(0.0, pool_raw_[d.generation] - raw);
    allocated_[d.order] += got[i];
    RolloutLogEntry e{t, d.order};
    e.allocated = static_cast<std::int64_t>(got[i]);
    e.raw_stacks = raw;
    log_.push_back(e);
    const Order& ord = spec_.orders[d.order];
    in_transit_[cluster_site_[ord.cluster]].push_back(
        Shipment{t + spec_.build_lead_s + spec_.ship_lead_s, d.order, got[i]});
  }
}

void RolloutModel::deliver(const Shipment& s) {
  delivered_[s.order] += s.gpus;
  stranded_[s.order] += s.gpus;
  RolloutLogEntry e{s.arrive, s.order};
  e.delivered = static_cast<std::int64_t>(s.gpus);
  log_.push_back(e);
}

std::vector<NodesOnline> RolloutModel::site_step(std::uint32_t site, Seconds t, const std::vector<ClusterUse>& use) {
  const SiteBuild& sb = spec_.sites[site];
  std::vector<NodesOnline> out;
  // Energy of the day that ends now (clusters' use, plus GPUs burning in at full power).
  {
    double it_j = 0;
    const auto& clusters = sc_.operators[sb.op].sites[sb.site].clusters;
    for (std::size_t i = 0; i < clusters.size() && i < use.size(); ++i) {
      const GpuModel& m = sc_.gpu_models[sc_.clusters[clusters[i]].gpu_model];
      it_j += (use[i].busy_gpu_s * m.tdp_w + (use[i].online_gpu_s - use[i].busy_gpu_s) * m.idle_w) * m.host_overhead;
    }
    for (const BurnIn& b : burn_in_[site]) {
      const GpuModel& m = sc_.gpu_models[sc_.clusters[spec_.orders[b.order].cluster].gpu_model];
      it_j += static_cast<double>(b.gpus) * m.tdp_w * m.host_overhead * kDay;
    }
    SiteEnergy& e = energy_[site];
    e.it_j += it_j;
    e.facility_j += it_j * sb.pue;
    const double mean_w = it_j * sb.pue / kDay;
    if (t > 0) e.daily_mean_w.push_back(mean_w);
    if (mean_w > e.peak_w) {
      e.peak_w = mean_w;
      e.peak_t = t - kDay;
    }
  }
  // Shipments that arrived by now.
  auto& transit = in_transit_[site];
  while (!transit.empty() && transit.front().arrive <= t) {
    deliver(transit.front());
    transit.pop_front();
  }
  // Burn-in finished: whole nodes come online.
  auto& burning = burn_in_[site];
  std::vector<std::uint64_t> ready(spec_.orders.size(), 0);
  while (!burning.empty() && burning.front().ready <= t) {
    ready[burning.front().order] += burning.front().gpus;
    burning.pop_front();
  }
  for (std::uint32_t o = 0; o < spec_.orders.size(); ++o) {
    if (ready[o] == 0) continue;
    const std::uint32_t cluster = spec_.orders[o].cluster;
    const std::uint32_t g = sc_.clusters[cluster].gpus_per_node;
    ready_remainder_[o] += ready[o];
    const auto nodes = static_cast<std::uint32_t>(ready_remainder_[o] / g);
    if (nodes == 0) continue;
    ready_remainder_[o] -= std::uint64_t{nodes} * g;
    const std::uint64_t gpus = std::uint64_t{nodes} * g;
    stranded_[o] -= gpus;
    installing_[o] -= gpus;
    RolloutLogEntry e{t, o};
    e.online = static_cast<std::int64_t>(gpus);
    e.installing = -static_cast<std::int64_t>(gpus);
    log_.push_back(e);
    out.push_back(NodesOnline{cluster, nodes});
  }
  // Installation: today's installer capacity, within the site's power.
  double budget_gpus = sb.install_gpus_per_day;
  double power_left_w = power_mw_at(site, t) * 1e6 - site_installed_w(site);
  waiting_for_power_[site] = 0;
  for (std::uint32_t o = 0; o < spec_.orders.size() && budget_gpus >= 1; ++o) {
    const std::uint32_t cluster = spec_.orders[o].cluster;
    if (cluster_site_[cluster] != site) continue;
    const std::uint64_t waiting = stranded_[o] - installing_[o];
    const double fw = facility_w_per_gpu(cluster);
    const double by_power = std::floor(std::max(0.0, power_left_w) / fw);
    const double without_power = std::min(static_cast<double>(waiting), std::floor(budget_gpus));
    const auto n = static_cast<std::uint64_t>(std::min(without_power, by_power));
    if (by_power < without_power) waiting_for_power_[site] += static_cast<std::uint64_t>(without_power) - n;
    if (n == 0) continue;
    burning.push_back(BurnIn{t + sb.burn_in_s, o, n});
    budget_gpus -= static_cast<double>(n);
    power_left_w -= static_cast<double>(n) * fw;
    installing_[o] += n;
    RolloutLogEntry e{t, o};
    e.installing = static_cast<std::int64_t>(n);
    log_.push_back(e);
  }
  return out;
}

}  // namespace gpufleet
