#include "output/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "core/time_format.hpp"
#include "output/svg_chart.hpp"

namespace gpufleet {
namespace {

using svg::escape;
using svg::grouped;

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
.sub{color:#555;margin-top:4px}.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px 12px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}
.card b{display:block;font-size:1.35em}.card span{color:#555;font-size:.85em}
table{border-collapse:collapse;margin:8px 0 16px;font-size:.9em}th,td{border:1px solid #ddd;padding:3px 8px}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{max-width:100%;height:auto;display:block;margin:8px 0 20px}
.ct{font-size:15px;font-weight:600}.yt{font-size:11px;text-anchor:end;fill:#333}.xt{font-size:11px;text-anchor:middle;fill:#333}
.yl,.xl{font-size:12px;text-anchor:middle;fill:#333}.lg{font-size:12px}.bv{font-size:10px;text-anchor:middle;fill:#333}
.grid{stroke:#e5e5e5}.axis{stroke:#888}.na{font-size:14px;fill:#888}
code{background:#f5f5f5;padding:1px 4px}footer{margin-top:2em;color:#666;font-size:.85em}
)";

std::string num(double v, int decimals = 0) { return grouped(v, decimals); }

// A simulated time as the calendar date, "-" for none.
std::string date(const std::optional<Seconds>& t, double epoch) {
  return t ? escape(format_date(epoch + *t)) : std::string("-");
}

std::string duration(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  if (s < 3600) return fmt::format("{:.1f} min", s / 60);
  if (s < 2 * 86400) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} days", s / 86400);
}

std::string card(const std::string& value, const std::string& label) {
  return fmt::format("<div class=\"card\"><b>{}</b><span>{}</span></div>", value, escape(label));
}

struct Table {
  std::vector<std::string> head;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;  // cells already escaped
  std::string html() const {
    std::string out = "<table><thead><tr>";
    for (const auto& h : head) out += "<th>" + escape(h) + "</th>";
    out += "</tr></thead><tbody>";
    for (const auto& r : rows) {
      out += "<tr>";
      for (std::size_t i = 0; i < r.size(); ++i)
        out += (i < numeric.size() && numeric[i] ? "<td class=\"n\">" : "<td>") + r[i] + "</td>";
      out += "</tr>";
    }
    return out + "</tbody></table>";
  }
};

// Wait-time histogram over started jobs, in bins a reader can name.
svg::BarChart wait_histogram(const RunResult& run) {
  static const std::pair<double, const char*> kBins[] = {
      {0, "0"},          {60, "< 1 min"},      {600, "1-10 min"},  {3600, "10-60 min"}, {6 * 3600, "1-6 h"},
      {86400, "6-24 h"}, {7 * 86400, "1-7 d"}, {INFINITY, "> 7 d"}};
  std::vector<double> counts(std::size(kBins), 0);
  for (const auto& c : run.clusters)
    for (const Job& j : c.jobs) {
      if (j.first_start < 0) continue;
      const double w = j.first_start - j.submit;
      std::size_t b = 0;
      if (w > 0)
        while (b + 1 < std::size(kBins) && w >= kBins[b].first) ++b;
      counts[b] += 1;
    }
  svg::BarChart chart;
  chart.title = "Wait time of started jobs (submit to start)";
  chart.y_label = "jobs";
  for (std::size_t b = 0; b < std::size(kBins); ++b) chart.bars.push_back({kBins[b].second, counts[b]});
  return chart;
}

// The title, the period and seed, and a warning when the run was stopped early.
std::string header_html(const Scenario& sc, const RunResult& run) {
  const double epoch = static_cast<double>(sc.start_epoch_s);
  std::string b;
  b += fmt::format(
      "<header><h1>{}</h1><p class=\"sub\">{}</p><p class=\"sub\">Simulated {} to {} &#183; seed {} &#183; gpufleet "
      "{}</p></header>\n",
      escape(sc.name), escape(sc.description), format_date(epoch), format_date(epoch + run.end_time), sc.seed,
      GPUFLEET_VERSION);
  if (!run.complete)
    b += fmt::format(
        "<p class=\"warn\" id=\"incomplete\">This run was interrupted at {} (simulated); every number below covers "
        "only the time simulated so far.</p>\n",
        format_utc(epoch + run.end_time));
  return b;
}

// The cards at the top: size, jobs, wait, utilisation (and the rollout's two headline numbers).
std::string key_numbers_html(const Summary& summary, double epoch) {
  const JobStats& total = summary.total;
  std::string b;
  // Key numbers.
  b += "<section id=\"key-numbers\"><h2>Key numbers</h2><div class=\"cards\">";
  b += card(grouped(static_cast<double>(summary.total_gpus)), "GPUs in the scenario");
  b += card(grouped(static_cast<double>(total.submitted)), "jobs submitted");
  b += card(grouped(static_cast<double>(total.completed)), "jobs completed");
  b += card(duration(total.wait_s.mean), "mean wait (started jobs)");
  b += card(fmt::format("{:.1f} %", 100 * total.utilisation), "GPU utilisation (of online GPU-time)");
  if (summary.rollout) {
    const RolloutGroup& nat = summary.rollout->national;
    b += card(date(nat.date_90pct_online, epoch), "90 % of ordered GPUs online");
    b += card(grouped(nat.stranded_gpu_days), "GPU-days delivered but not online");
  }
  b += "</div></section>\n";
  return b;
}

// GPUs online per operator, the national pipeline, and the rollout table.
std::string rollout_html(const Scenario& sc, const RolloutResult& ro, double epoch) {
  std::string b;
  const std::size_t n_ops = sc.operators.size();
  b += "<section id=\"rollout\"><h2>Rollout</h2>";
  svg::LineChart online;
  online.title = "GPUs online per operator";
  online.y_label = "GPUs";
  for (std::size_t op = 0; op < n_ops; ++op) {
    svg::Series s{sc.operators[op].id, {}, {}};
    for (const RolloutRow& r : ro.rows)
      if (r.op == op) {
        s.x.push_back(epoch + r.t);
        s.y.push_back(static_cast<double>(r.online));
      }
    online.series.push_back(std::move(s));
  }
  b += svg::render(online);
  svg::LineChart nat;
  nat.title = "National pipeline: ordered, delivered, online, stranded (delivered, not online)";
  nat.y_label = "GPUs";
  svg::Series ordered{"ordered", {}, {}, true}, delivered{"delivered", {}, {}}, on{"online", {}, {}},
      stranded{"stranded", {}, {}};
  for (const RolloutRow& r : ro.rows)
    if (r.op == n_ops) {
      for (auto* s : {&ordered, &delivered, &on, &stranded}) s->x.push_back(epoch + r.t);
      ordered.y.push_back(static_cast<double>(r.ordered));
      delivered.y.push_back(static_cast<double>(r.delivered));
      on.y.push_back(static_cast<double>(r.online));
      stranded.y.push_back(static_cast<double>(r.delivered - r.online));
    }
  nat.series = {ordered, delivered, on, stranded};
  b += svg::render(nat);

  Table t{{"operator", "ordered GPUs", "online at end", "stranded at end", "50 % online", "90 % online", "100 % online",
           "stranded GPU-days", "energy (GWh)", "peak power (MW)"},
          {false, true, true, true, false, false, false, true, true, true},
          {}};
  auto add = [&](const std::string& name, const RolloutGroup& g) {
    t.rows.push_back({escape(name), num(static_cast<double>(g.ordered_gpus)), num(static_cast<double>(g.online_gpus)),
                      num(static_cast<double>(g.stranded_gpus)), date(g.date_50pct_online, epoch),
                      date(g.date_90pct_online, epoch), date(g.date_100pct_online, epoch), num(g.stranded_gpu_days),
                      grouped(g.facility_mwh / 1000, 1), num(g.peak_facility_mw, 1)});
  };
  for (const OperatorRollout& o : ro.summary.operators) add(o.id, o.group);
  add("all", ro.summary.national);
  b += t.html();
  b += "</section>\n";
  return b;
}

// Facility power per site and the site table.
std::string power_html(const RolloutResult& ro, double epoch) {
  std::string b;
  b += "<section id=\"power\"><h2>Power per site</h2>";
  svg::LineChart power;
  power.title = "Facility power per site (daily mean, MW)";
  power.y_label = "MW";
  for (const SitePowerSeries& sp : ro.site_power) {
    svg::Series s{sp.name, {}, {}};
    for (std::size_t d = 0; d < sp.daily_mw.size(); ++d) {
      s.x.push_back(epoch + static_cast<double>(d) * 86400);
      s.y.push_back(sp.daily_mw[d]);
    }
    power.series.push_back(std::move(s));
  }
  b += svg::render(power);
  Table st{{"site", "PUE", "peak facility MW", "on", "grid MW then", "grid MW at end", "energy (GWh)"},
           {false, true, true, false, true, true, true},
           {}};
  const auto mw = [](const std::optional<double>& v) { return v ? num(*v, 1) : std::string("unlimited"); };
  for (const SiteRollout& s : ro.summary.sites)
    st.rows.push_back({escape(s.op + "/" + s.site), num(s.pue, 2), num(s.peak_facility_mw, 1), date(s.peak_date, epoch),
                       mw(s.power_capacity_mw_then), mw(s.power_capacity_mw_at_end),
                       grouped(s.facility_mwh / 1000, 1)});
  b += st.html();
  b += "</section>\n";
  return b;
}

// Online and busy GPUs, the queue and the wait-time histogram, over all clusters.
std::string fleet_html(const RunResult& run, double epoch) {
  std::string b;
  // Utilisation and queues, summed over clusters per sample time.
  std::map<double, std::array<double, 3>> fleet;  // t -> online, busy, queued
  for (const auto& c : run.clusters)
    for (const TimeseriesRow& r : c.timeseries) {
      auto& v = fleet[r.t];
      v[0] += static_cast<double>(r.online_gpus);
      v[1] += static_cast<double>(r.busy_gpus);
      v[2] += static_cast<double>(r.queued_jobs);
    }
  b += "<section id=\"utilisation\"><h2>Online and busy GPUs</h2>";
  svg::LineChart util;
  util.title = "GPUs online and busy (all clusters)";
  util.y_label = "GPUs";
  svg::Series s_on{"online", {}, {}}, s_busy{"busy", {}, {}}, s_q{"queued jobs", {}, {}};
  for (const auto& [t, v] : fleet) {
    s_on.x.push_back(epoch + t);
    s_busy.x.push_back(epoch + t);
    s_q.x.push_back(epoch + t);
    s_on.y.push_back(v[0]);
    s_busy.y.push_back(v[1]);
    s_q.y.push_back(v[2]);
  }
  util.series = {s_on, s_busy};
  b += svg::render(util);
  b += "</section>\n<section id=\"queue\"><h2>Queue</h2>";
  svg::LineChart queue;
  queue.title = "Jobs waiting in queues (all clusters)";
  queue.y_label = "jobs";
  queue.series = {s_q};
  b += svg::render(queue);
  b += "</section>\n<section id=\"waits\"><h2>Wait times</h2>";
  b += svg::render(wait_histogram(run));
  b += "</section>\n";
  return b;
}

std::string clusters_html(const Summary& summary) {
  std::string b;
  b += "<section id=\"clusters\"><h2>Clusters</h2>";
  Table ct{{"cluster", "operator", "GPU model", "GPUs", "completed", "running", "queued", "rejected", "mean wait",
            "p95 wait", "utilisation", "policies"},
           {false, false, false, true, true, true, true, true, true, true, true, false},
           {}};
  for (const ClusterSummary& c : summary.clusters) {
    const JobStats& j = c.stats;
    ct.rows.push_back({escape(c.id), escape(c.op), escape(c.gpu_model), num(static_cast<double>(c.gpus)),
                       num(static_cast<double>(j.completed)), num(static_cast<double>(j.running)),
                       num(static_cast<double>(j.queued)), num(static_cast<double>(j.rejected)),
                       duration(j.wait_s.mean), duration(j.wait_s.p95), fmt::format("{:.1f} %", 100 * j.utilisation),
                       escape(c.queue + " / " + c.backfill + " / " + c.placement)});
  }
  b += ct.html();
  b += "<p>Jobs at the end: completed, still running, still queued, or rejected (they could never fit). Utilisation "
       "is GPU-time used over GPU-time online. Definitions: docs/outputs.md.</p></section>\n";
  return b;
}

std::string workloads_html(const Summary& summary) {
  std::string b;
  b += "<section id=\"workloads\"><h2>Workloads</h2>";
  Table wt{{"workload", "cluster", "kind", "submitted", "completed", "mean wait", "mean bounded slowdown"},
           {false, false, false, true, true, true, true},
           {}};
  for (const WorkloadSummary& w : summary.workloads)
    wt.rows.push_back({escape(w.id), escape(w.cluster), escape(w.kind), num(static_cast<double>(w.stats.submitted)),
                       num(static_cast<double>(w.stats.completed)), duration(w.stats.wait_s.mean),
                       num(w.stats.bounded_slowdown.mean, 2)});
  b += wt.html();
  b += "</section>\n";
  return b;
}

// One chart per operator: each tenant's GPUs in use on the operator's clusters (solid) against its
// entitlement there, its nominal quotas times each cluster's share of GPUs online (dashed).
std::string tenant_share_charts(const Scenario& sc, const RunResult& run, const std::vector<TenantSample>& rows,
                                double epoch) {
  std::string b;
  for (std::uint32_t op = 0; op < sc.operators.size(); ++op) {
    std::vector<std::uint32_t> order;                                            // tenants in order of first appearance
    std::map<std::uint32_t, std::map<double, std::array<double, 2>>> by_tenant;  // tenant -> t -> used, entitled
    std::map<std::uint32_t, bool> has_quota;
    for (const TenantSample& r : rows) {
      const ClusterSpec& spec = sc.clusters[r.cluster];
      if (spec.op != op) continue;
      if (!by_tenant.count(r.tenant)) order.push_back(r.tenant);
      auto& v = by_tenant[r.tenant][r.t];
      v[0] += static_cast<double>(r.used_gpus);
      if (r.nominal_gpus >= 0) {
        has_quota[r.tenant] = true;
        // The cluster's share of GPUs online at this sample (its timeseries has the same times).
        const auto& ts = run.clusters[r.cluster].timeseries;
        const auto it =
            std::lower_bound(ts.begin(), ts.end(), r.t, [](const TimeseriesRow& row, double t) { return row.t < t; });
        const double online = it != ts.end() && it->t == r.t ? static_cast<double>(it->online_gpus) : 0;
        v[1] += static_cast<double>(r.nominal_gpus) * online / static_cast<double>(spec.gpus());
      }
    }
    if (order.empty()) continue;
    svg::LineChart chart;
    chart.title = fmt::format("{}: GPUs in use by tenant (solid) and entitled (dashed)", sc.operators[op].id);
    chart.y_label = "GPUs";
    for (std::size_t k = 0; k < order.size(); ++k) {
      svg::Series used{sc.tenants[order[k]].id, {}, {}, false, static_cast<int>(k)};
      svg::Series entitled{sc.tenants[order[k]].id + " entitled", {}, {}, true, static_cast<int>(k)};
      for (const auto& [t, v] : by_tenant[order[k]]) {
        used.x.push_back(epoch + t);
        used.y.push_back(v[0]);
        entitled.x.push_back(epoch + t);
        entitled.y.push_back(v[1]);
      }
      chart.series.push_back(std::move(used));
      if (has_quota[order[k]]) chart.series.push_back(std::move(entitled));
    }
    chart.height = std::max(320, 40 + 18 * static_cast<int>(chart.series.size()));
    b += svg::render(chart);
  }
  return b;
}

// Who got the GPUs (scenarios with tenants): GPU-hours and shares against entitlement, waits in the
// ramp and once the clusters were 90 % online, and what the waiting time was spent on.
std::string tenants_html(const Scenario& sc, const RunResult& run, const Summary& summary,
                         const std::vector<TenantSample>& rows, double epoch) {
  if (summary.tenants.empty()) return "";
  std::string b;
  b += "<section id=\"tenants\"><h2>Tenants</h2>";
  b += tenant_share_charts(sc, run, rows, epoch);
  Table tt{{"tenant", "completed", "queued", "rejected", "GPU-hours", "share", "entitlement share", "borrowed GPU-h",
            "lent GPU-h", "mean wait (ramp)", "mean wait (steady)", "p99 wait", "preemptions", "staging"},
           {false, true, true, true, true, true, true, true, true, true, true, true, true, true},
           {}};
  for (const TenantSummary& t : summary.tenants) {
    const JobStats& j = t.stats;
    tt.rows.push_back({escape(t.id), num(static_cast<double>(j.completed)), num(static_cast<double>(j.queued)),
                       num(static_cast<double>(j.rejected)), num(j.gpu_hours), fmt::format("{:.1f} %", 100 * t.share),
                       fmt::format("{:.1f} %", 100 * t.entitlement_share), num(t.borrowed_gpu_hours),
                       num(t.lent_gpu_hours), j.wait_ramp_s.n ? duration(j.wait_ramp_s.mean) : "-",
                       j.wait_steady_s.n ? duration(j.wait_steady_s.mean) : "-",
                       j.wait_s.n ? duration(j.wait_s.p99) : "-", num(static_cast<double>(j.preemptions)),
                       t.staged_jobs ? fmt::format("{} jobs, {}", t.staged_jobs, duration(t.staging_hours * 3600))
                                     : std::string("-")});
  }
  b += tt.html();
  if (summary.fairness && summary.fairness->jain_index)
    b += fmt::format(
        "<p>Jain's index of share ÷ entitlement share over the {} tenants with demand: <b>{:.3f}</b> "
        "(1 = every tenant got exactly its entitlement).</p>",
        summary.fairness->tenants_with_demand, *summary.fairness->jain_index);
  // Where the waiting went: each tenant's waiting time by the reason that held its jobs.
  std::vector<std::size_t> used;
  for (std::size_t r = 1; r < kWaitReasons; ++r)
    for (const TenantSummary& t : summary.tenants)
      if (t.wait_share[r] > 0) {
        used.push_back(r);
        break;
      }
  if (!used.empty()) {
    Table rt{{"tenant", "waited"}, {false, true}, {}};
    for (std::size_t r : used) {
      rt.head.emplace_back(to_string(static_cast<WaitReason>(r)));
      rt.numeric.push_back(true);
    }
    for (const TenantSummary& t : summary.tenants) {
      std::vector<std::string> row{escape(t.id), duration(t.waited_s)};
      for (std::size_t r : used)
        row.push_back(t.wait_share[r] > 0 ? fmt::format("{:.1f} %", 100 * t.wait_share[r]) : "-");
      rt.rows.push_back(std::move(row));
    }
    b += "<h3>Why they waited</h3>";
    b += rt.html();
  }
  b += "<p>Charts: a tenant's GPUs in use on an operator's clusters at each sample, and its entitlement there (its "
       "nominal quotas times each cluster's share of GPUs online; tenants without quotas have none). "
       "Share: of all tenants' GPU-hours; entitlement share: of their entitled GPU-hours (nominal quota, or "
       "weight, times the GPUs online). Ramp: jobs submitted before their cluster was 90 % online. Waiting time by "
       "the reason that held each job at its last scheduling pass (docs/scheduling.md, \"Why a job waits\"). "
       "Definitions: docs/outputs.md.</p></section>\n";
  return b;
}

// The national queue (scenarios with a federation): where federated jobs ran and what staging cost.
std::string federation_html(const Summary& summary) {
  if (!summary.federation) return "";
  const FederationSummary& f = *summary.federation;
  std::string b;
  b += "<section id=\"federation\"><h2>Federation</h2>";
  b += fmt::format(
      "<p>Policy <code>{}</code>: {} federated jobs, {} of them sent away from their home cluster; "
      "{} input transfers, {} completed ({} GB), {} still in transit at the end.",
      escape(f.policy), num(static_cast<double>(f.jobs)), num(static_cast<double>(f.away)),
      num(static_cast<double>(f.transfers)), num(static_cast<double>(f.transfers_completed)), num(f.staged_gb),
      num(static_cast<double>(f.in_transit_at_end)));
  if (f.staging_s_mean)
    b += fmt::format(" Staging took {} on average (p95 {}, longest {}).", duration(*f.staging_s_mean),
                     duration(*f.staging_s_p95), duration(*f.staging_s_max));
  b += "</p>";
  Table mt{{"member cluster", "jobs", "from another home"}, {false, true, true}, {}};
  for (const FederationMemberSummary& m : f.members)
    mt.rows.push_back({escape(m.cluster), num(static_cast<double>(m.jobs)), num(static_cast<double>(m.away))});
  b += mt.html();
  b += "</section>\n";
  return b;
}

// Failures (docs/failures.md): what they cost, per operator and by cause.
std::string failures_html(const RunResult& run, const Summary& summary, double epoch) {
  if (!summary.failures) return "";
  const FailureSummary& fs = *summary.failures;
  const FailureGroup& n = fs.national;
  std::string b;
  b += "<section id=\"failures\"><h2>Failures</h2>";
  b += fmt::format(
      "<p>{} node failures ({} recovered automatically, {} by a technician's repair; {} spares swapped in), "
      "{} job runs interrupted, {} jobs failed after their retries. Of {} GPU-hours used, {} made lasting "
      "progress: <b>goodput {}</b>.</p>",
      num(static_cast<double>(n.node_failures)), num(static_cast<double>(n.automatic)),
      num(static_cast<double>(n.manual)), num(static_cast<double>(n.spares_used)),
      num(static_cast<double>(n.job_interruptions)), num(static_cast<double>(n.jobs_failed)), num(n.used_gpu_hours),
      num(n.useful_gpu_hours), n.goodput ? fmt::format("{:.1f} %", 100 * *n.goodput) : std::string("-"));
  // Failures per day and nodes down, over all clusters, from the cumulative counts of the samples.
  std::map<double, std::array<double, 2>> at;  // t -> failures so far, nodes down
  for (const auto& c : run.clusters)
    for (const TimeseriesRow& r : c.timeseries) {
      at[r.t][0] += static_cast<double>(r.node_failures);
      at[r.t][1] += static_cast<double>(r.down_nodes);
    }
  svg::LineChart per_day;
  per_day.title = "Node failures per day (all clusters)";
  per_day.y_label = "failures / day";
  svg::Series rate{"failures per day", {}, {}}, down{"nodes down", {}, {}};
  // Per simulated day: the count at the day's last sample less the one before the day (samples at
  // least daily; sparser samples give the mean per day of their interval).
  std::map<double, double> last_of_day;  // day start -> failures so far at its last sample
  for (const auto& [t, v] : at) {
    last_of_day[std::floor(t / 86400) * 86400] = v[0];
    down.x.push_back(epoch + t);
    down.y.push_back(v[1]);
  }
  double prev_day = 0, prev_n = 0;
  for (const auto& [day, cum] : last_of_day) {
    const double days = std::max(1.0, (day - prev_day) / 86400);
    rate.x.push_back(epoch + day);
    rate.y.push_back((cum - prev_n) / days);
    prev_day = day, prev_n = cum;
  }
  per_day.series = {rate};
  b += svg::render(per_day);
  svg::LineChart down_chart;
  down_chart.title = "Nodes down at each sample (all clusters)";
  down_chart.y_label = "nodes";
  down_chart.series = {down};
  b += svg::render(down_chart);
  Table ot{{"operator", "node failures", "interruptions", "jobs failed", "GPU-h used", "GPU-h lost", "goodput",
            "mean repair wait"},
           {false, true, true, true, true, true, true, true},
           {}};
  for (const FailureGroup& g : fs.operators) {
    if (g.node_failures == 0 && g.used_gpu_hours == 0) continue;
    ot.rows.push_back({escape(g.id), num(static_cast<double>(g.node_failures)),
                       num(static_cast<double>(g.job_interruptions)), num(static_cast<double>(g.jobs_failed)),
                       num(g.used_gpu_hours), num(g.lost_gpu_hours),
                       g.goodput ? fmt::format("{:.1f} %", 100 * *g.goodput) : std::string("-"),
                       g.repair_wait_s.n ? duration(g.repair_wait_s.mean) : std::string("-")});
  }
  b += ot.html();
  svg::BarChart causes;
  causes.title = "GPU-hours lost, by cause (all clusters)";
  causes.y_label = "GPU-hours";
  causes.bars = {{"work redone", n.redone_gpu_hours},
                 {"restart overheads", n.restart_gpu_hours},
                 {"checkpoint writes", n.checkpoint_gpu_hours},
                 {"failed jobs", n.failed_job_gpu_hours}};
  b += svg::render(causes);
  b += fmt::format(
      "<p>Lost: {} GPU-hours (work since the last checkpoint when a run was interrupted or preempted {}, restart "
      "overheads {}, checkpoint writes {}, work of jobs that failed {}). Nodes were down for {} GPU-hours. "
      "Definitions: docs/failures.md, docs/outputs.md.</p></section>\n",
      num(n.lost_gpu_hours), num(n.redone_gpu_hours), num(n.restart_gpu_hours), num(n.checkpoint_gpu_hours),
      num(n.failed_job_gpu_hours), num(n.down_gpu_hours));
  return b;
}

// Provenance: the version and the hashes of what ran.
std::string footer_html(const RunResult& run, const Summary& summary) {
  std::string b;
  b += "<footer id=\"provenance\"><p>Produced by gpufleet " GPUFLEET_VERSION ". ";
  if (summary.inputs) {
    b += fmt::format("Scenario (as run, in scenario.json) SHA-256 <code>{}</code>.",
                     escape(summary.inputs->scenario_sha256));
    for (const TraceHash& t : summary.inputs->traces)
      b += fmt::format(" Trace {} SHA-256 <code>{}</code>.", escape(t.file.path), escape(t.file.sha256));
  }
  b += " Numbers: summary.json; series: jobs.csv, timeseries.csv";
  if (!summary.tenants.empty()) b += ", tenants.csv";
  if (run.rollout) b += ", rollout.csv, orders.csv";
  b += ".</p></footer>";
  return b;
}

}  // namespace

std::string html_page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
      "<title>{}</title><style>{}</style></head><body>\n{}\n</body></html>\n",
      escape(title), kStyle, body);
}

std::string report_html(const Scenario& sc, const RunResult& run, const Summary& summary,
                        const std::vector<TenantSample>& tenant_rows) {
  const double epoch = static_cast<double>(sc.start_epoch_s);
  std::string b = header_html(sc, run) + key_numbers_html(summary, epoch);
  if (run.rollout) b += rollout_html(sc, *run.rollout, epoch) + power_html(*run.rollout, epoch);
  b += fleet_html(run, epoch) + clusters_html(summary) + tenants_html(sc, run, summary, tenant_rows, epoch) +
       federation_html(summary) + failures_html(run, summary, epoch) + workloads_html(summary) +
       footer_html(run, summary);
  return html_page(sc.name + " - gpufleet report", b);
}

}  // namespace gpufleet
