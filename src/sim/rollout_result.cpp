#include "sim/rollout_result.hpp"

#include <algorithm>
#include <cmath>

#include "core/time_format.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/supply_policy.hpp"
#include "scenario/scenario.hpp"
#include "sim/rollout_model.hpp"

namespace gpufleet {
namespace {

constexpr double kDay = 86400.0;

double r6(double x) {
  const double v = std::round(x * 1e6) / 1e6;
  return v == 0 ? 0.0 : v;
}

struct Counts {
  std::int64_t ordered = 0, allocated = 0, delivered = 0, installing = 0, online = 0;
  double raw_stacks = 0;
  void add(const RolloutLogEntry& e) {
    ordered += e.ordered;
    allocated += e.allocated;
    delivered += e.delivered;
    installing += e.installing;
    online += e.online;
    raw_stacks += e.raw_stacks;
  }
};

// Milestones and integrals of one group (an operator, or the nation).
struct Track {
  Counts c;
  double stranded_gpu_s = 0;
  Seconds last_t = 0;
  Seconds reached[3] = {-1, -1, -1};  // 50 %, 90 %, 100 % of the final order book online
  void advance(Seconds t) {
    stranded_gpu_s += static_cast<double>(c.delivered - c.online) * (t - last_t);
    last_t = t;
  }
  void check_milestones(Seconds t, std::int64_t final_ordered) {
    static const double kShare[3] = {0.5, 0.9, 1.0};
    for (int k = 0; k < 3; ++k)
      if (reached[k] < 0 && final_ordered > 0 &&
          static_cast<double>(c.online) >= kShare[k] * static_cast<double>(final_ordered))
        reached[k] = t;
  }
};

RolloutRow row(Seconds t, std::uint32_t op, const Counts& c) {
  return RolloutRow{t,
                    op,
                    c.ordered,
                    c.delivered,
                    c.allocated - c.delivered,
                    c.ordered - c.allocated,
                    c.online,
                    c.delivered - c.online - c.installing,
                    c.installing,
                    c.raw_stacks};
}

// Builds a RolloutResult from the model's log, section by section (each a member function named
// for its part of the result); the groups are each operator, the nation, then each GPU model.
struct RolloutBuilder {
  const Scenario& sc;
  const RolloutSpec& spec;
  const RolloutModel& model;
  Seconds end;
  std::size_t n_ops, n_models;
  RolloutResult out;
  std::vector<RolloutLogEntry> log;         // the model's log, by time
  std::vector<std::int64_t> final_ordered;  // per group: GPUs ordered by the end
  std::vector<Track> tracks;                // per group
  std::vector<double> op_it, op_fac;        // per group: IT and facility energy (J)
  std::vector<double> op_peak_w;            // per operator and the nation: peak daily-mean power
  std::vector<Seconds> op_peak_t;           // ... and the start of its day (-1: none)

  RolloutBuilder(const Scenario& scenario, const RolloutModel& m, Seconds end_time)
      : sc(scenario),
        spec(scenario.rollout),
        model(m),
        end(end_time),
        n_ops(scenario.operators.size()),
        n_models(scenario.gpu_models.size()),
        log(m.log()) {
    std::stable_sort(log.begin(), log.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
  }

  static std::optional<Seconds> reached(Seconds t) { return t < 0 ? std::nullopt : std::optional<Seconds>(t); }

  // The daily rows (rollout.csv) and each group's counts and milestones, walking the log.
  void daily_rows() {
    // Groups: each operator, the nation, then each GPU model (for "when is the HBM4 fleet online").
    auto model_group = [&](const RolloutLogEntry& e) {
      return static_cast<std::uint32_t>(n_ops + 1 + sc.clusters[spec.orders[e.order].cluster].gpu_model);
    };
    final_ordered.assign(n_ops + 1 + n_models, 0);
    for (const auto& e : log)
      if (e.t <= end) {
        final_ordered[spec.orders[e.order].op] += e.ordered;
        final_ordered[n_ops] += e.ordered;
        final_ordered[model_group(e)] += e.ordered;
      }

    tracks.assign(n_ops + 1 + n_models, Track{});
    auto emit = [&](Seconds t) {
      for (std::uint32_t op = 0; op <= n_ops; ++op) {
        const RolloutRow r = row(t, op, tracks[op].c);
        // GPU conservation along the pipeline, on every row: none online that was not delivered, none
        // delivered that was not made, none made that was not ordered; nothing waits or installs twice.
        GPUFLEET_CHECK(r.online >= 0 && r.online <= r.delivered && r.delivered >= 0 && r.in_production >= 0 &&
                           r.unallocated >= 0 && r.waiting >= 0 && r.installing >= 0 &&
                           r.waiting + r.installing + r.online == r.delivered &&
                           r.delivered + r.in_production + r.unallocated == r.ordered,
                       "rollout GPUs are conserved: ordered = delivered + in production + unallocated, "
                       "delivered = online + waiting + installing, none negative");
        out.rows.push_back(r);
      }
    };
    std::size_t i = 0;
    const auto days = static_cast<std::int64_t>(std::floor(end / kDay));
    for (std::int64_t d = 0; d <= days + 1; ++d) {
      const Seconds boundary = d <= days ? static_cast<double>(d) * kDay : end;
      if (d == days + 1 && boundary == static_cast<double>(days) * kDay) break;  // end is a day boundary
      for (; i < log.size() && log[i].t <= boundary; ++i) {
        const auto& e = log[i];
        for (std::uint32_t op : {spec.orders[e.order].op, static_cast<std::uint32_t>(n_ops), model_group(e)}) {
          tracks[op].advance(e.t);
          tracks[op].c.add(e);
          tracks[op].check_milestones(e.t, final_ordered[op]);
        }
      }
      emit(boundary);
    }
    for (auto& tr : tracks) tr.advance(end);
  }

  // orders.csv: when each tranche was delivered.
  void tranche_deliveries() {
    // A tranche is delivered when the order's deliveries first cover it and every tranche before it,
    // with the tranches as they stand at the end (changes to the order resize its last tranche).
    std::vector<std::vector<std::pair<Seconds, std::int64_t>>> arrivals(spec.orders.size());
    for (const auto& e : log)
      if (e.delivered > 0 && e.t <= end) arrivals[e.order].emplace_back(e.t, e.delivered);
    for (std::uint32_t o = 0; o < spec.orders.size(); ++o) {
      std::uint64_t need = 0;
      std::size_t a = 0;
      std::uint64_t got = 0;
      for (std::uint32_t k = 0; k < spec.orders[o].tranches.size(); ++k) {
        need += model.tranche_gpus(o, k);
        Seconds when = -1;
        while (got < need && a < arrivals[o].size()) got += static_cast<std::uint64_t>(arrivals[o][a++].second);
        if (got >= need) when = need == 0 ? 0 : arrivals[o][a - 1].first;
        out.orders.push_back(OrderRow{o, k, model.tranche_gpus(o, k), spec.orders[o].tranches[k].due, when});
      }
    }
  }

  // Energy, power series and the summary of each site.
  void sites() {
    op_it.assign(n_ops + 1 + n_models, 0);
    op_fac.assign(n_ops + 1 + n_models, 0);
    for (std::uint32_t s = 0; s < spec.sites.size(); ++s) {
      const SiteBuild& sb = spec.sites[s];
      const SiteEnergy& e = model.energy()[s];
      op_it[sb.op] += e.it_j;
      op_fac[sb.op] += e.facility_j;
      op_it[n_ops] += e.it_j;
      op_fac[n_ops] += e.facility_j;
      const double cap = model.power_mw_at(s, e.peak_t), cap_end = model.power_mw_at(s, end);
      SitePowerSeries series;
      series.name = sc.operators[sb.op].id + "/" + sc.operators[sb.op].sites[sb.site].id;
      for (std::size_t d = 0; d < e.daily_mean_w.size(); ++d) {
        series.daily_mw.push_back(e.daily_mean_w[d] / 1e6);
        series.capacity_mw.push_back(model.power_mw_at(s, static_cast<double>(d) * kDay));
      }
      out.site_power.push_back(std::move(series));
      SiteRollout site;
      site.op = sc.operators[sb.op].id;
      site.site = sc.operators[sb.op].sites[sb.site].id;
      site.pue = r6(sb.pue);
      site.it_mwh = r6(e.it_j / 3.6e9);
      site.facility_mwh = r6(e.facility_j / 3.6e9);
      site.peak_facility_mw = r6(e.peak_w / 1e6);
      if (e.peak_w > 0) site.peak_date = reached(e.peak_t);
      if (std::isfinite(cap)) site.power_capacity_mw_then = r6(cap);
      if (std::isfinite(cap_end)) site.power_capacity_mw_at_end = r6(cap_end);
      out.summary.sites.push_back(std::move(site));
    }
  }

  void group_peaks() {
    // Peak facility power of a group of sites: the highest daily mean of their summed power.
    op_peak_w.assign(n_ops + 1, 0);
    op_peak_t.assign(n_ops + 1, -1);
    {
      std::size_t days_recorded = 0;
      for (const auto& e : model.energy()) days_recorded = std::max(days_recorded, e.daily_mean_w.size());
      for (std::size_t d = 0; d < days_recorded; ++d) {
        std::vector<double> sum(n_ops + 1, 0);
        for (std::uint32_t s = 0; s < spec.sites.size(); ++s) {
          const auto& w = model.energy()[s].daily_mean_w;
          const double v = d < w.size() ? w[d] : 0;
          sum[spec.sites[s].op] += v;
          sum[n_ops] += v;
        }
        for (std::size_t g = 0; g <= n_ops; ++g)
          if (sum[g] > op_peak_w[g]) {
            op_peak_w[g] = sum[g];
            op_peak_t[g] = static_cast<double>(d) * kDay;
          }
      }
    }
  }

  RolloutGroup group(std::uint32_t op) const {
    const Track& tr = tracks[op];
    RolloutGroup g;
    g.ordered_gpus = tr.c.ordered;
    g.delivered_gpus = tr.c.delivered;
    g.online_gpus = tr.c.online;
    g.stranded_gpus = tr.c.delivered - tr.c.online;
    g.to_deliver_gpus = tr.c.ordered - tr.c.delivered;
    g.date_50pct_online = reached(tr.reached[0]);
    g.date_90pct_online = reached(tr.reached[1]);
    g.date_100pct_online = reached(tr.reached[2]);
    g.stranded_gpu_days = r6(tr.stranded_gpu_s / kDay);
    g.hbm_stacks_consumed = r6(tr.c.raw_stacks);
    g.it_mwh = r6(op_it[op] / 3.6e9);
    g.facility_mwh = r6(op_fac[op] / 3.6e9);
    g.peak_facility_mw = r6(op_peak_w[op] / 1e6);
    g.peak_date = reached(op_peak_t[op]);
    return g;
  }

  // The summary's national, operator and GPU-model sections.
  void groups() {
    out.summary.supply_policy = std::string(spec.allocation->name());
    out.summary.national = group(static_cast<std::uint32_t>(n_ops));
    for (std::uint32_t op = 0; op < n_ops; ++op) out.summary.operators.push_back({sc.operators[op].id, group(op)});
    for (std::uint32_t m = 0; m < n_models; ++m) {
      const Track& tr = tracks[n_ops + 1 + m];
      if (final_ordered[n_ops + 1 + m] == 0) continue;
      GpuModelRollout gm;
      gm.id = sc.gpu_models[m].id;
      gm.hbm_generation = sc.gpu_models[m].hbm_generation;
      gm.ordered_gpus = tr.c.ordered;
      gm.delivered_gpus = tr.c.delivered;
      gm.online_gpus = tr.c.online;
      gm.date_50pct_online = reached(tr.reached[0]);
      gm.date_90pct_online = reached(tr.reached[1]);
      gm.date_100pct_online = reached(tr.reached[2]);
      gm.stranded_gpu_days = r6(tr.stranded_gpu_s / kDay);
      out.summary.gpu_models.push_back(std::move(gm));
    }
  }
};

}  // namespace

RolloutResult build_rollout_result(const Scenario& sc, const RolloutModel& model, Seconds end) {
  RolloutBuilder b(sc, model, end);
  b.daily_rows();
  b.tranche_deliveries();
  b.sites();
  b.group_peaks();
  b.groups();
  return std::move(b.out);
}

nlohmann::ordered_json to_json(const RolloutSummary& s, std::int64_t start_epoch_s) {
  using OJson = nlohmann::ordered_json;
  const auto date = [&](const std::optional<Seconds>& t) {
    return t ? OJson(format_date(static_cast<double>(start_epoch_s) + *t)) : OJson();
  };
  const auto mw = [](const std::optional<double>& v) { return v ? OJson(*v) : OJson(); };
  const auto group = [&](const RolloutGroup& g) {
    OJson j;
    j["ordered_gpus"] = g.ordered_gpus;
    j["delivered_gpus"] = g.delivered_gpus;
    j["online_gpus"] = g.online_gpus;
    j["stranded_gpus"] = g.stranded_gpus;
    j["to_deliver_gpus"] = g.to_deliver_gpus;
    j["date_50pct_online"] = date(g.date_50pct_online);
    j["date_90pct_online"] = date(g.date_90pct_online);
    j["date_100pct_online"] = date(g.date_100pct_online);
    j["stranded_gpu_days"] = g.stranded_gpu_days;
    j["hbm_stacks_consumed"] = g.hbm_stacks_consumed;
    j["it_mwh"] = g.it_mwh;
    j["facility_mwh"] = g.facility_mwh;
    j["peak_facility_mw"] = g.peak_facility_mw;
    j["peak_date"] = date(g.peak_date);
    return j;
  };
  OJson out;
  out["supply_policy"] = s.supply_policy;
  out["national"] = group(s.national);
  auto& ops = out["operators"] = OJson::array();
  for (const OperatorRollout& o : s.operators) {
    OJson j;
    j["id"] = o.id;
    j.update(group(o.group));
    ops.push_back(std::move(j));
  }
  auto& models = out["gpu_models"] = OJson::array();
  for (const GpuModelRollout& m : s.gpu_models)
    models.push_back({{"id", m.id},
                      {"hbm_generation", m.hbm_generation},
                      {"ordered_gpus", m.ordered_gpus},
                      {"delivered_gpus", m.delivered_gpus},
                      {"online_gpus", m.online_gpus},
                      {"date_50pct_online", date(m.date_50pct_online)},
                      {"date_90pct_online", date(m.date_90pct_online)},
                      {"date_100pct_online", date(m.date_100pct_online)},
                      {"stranded_gpu_days", m.stranded_gpu_days}});
  auto& sites = out["sites"] = OJson::array();
  for (const SiteRollout& site : s.sites)
    sites.push_back({{"operator", site.op},
                     {"site", site.site},
                     {"pue", site.pue},
                     {"it_mwh", site.it_mwh},
                     {"facility_mwh", site.facility_mwh},
                     {"peak_facility_mw", site.peak_facility_mw},
                     {"peak_date", date(site.peak_date)},
                     {"power_capacity_mw_then", mw(site.power_capacity_mw_then)},
                     {"power_capacity_mw_at_end", mw(site.power_capacity_mw_at_end)}});
  return out;
}

}  // namespace gpufleet
