#include "metrics/summary.hpp"

#include <algorithm>
#include <cmath>

#include "core/time_format.hpp"
#include "gpufleet/diagnostics.hpp"

namespace gpufleet {
namespace detail {

// Fixed precision for floats in summary.json: rounded to 6 decimal places.
double r6(double x) {
  const double v = std::round(x * 1e6) / 1e6;
  return v == 0 ? 0.0 : v;  // no "-0"
}

Quantiles rounded(Quantiles q) {
  q.mean = r6(q.mean);
  q.p50 = r6(q.p50);
  q.p95 = r6(q.p95);
  q.p99 = r6(q.p99);
  q.max = r6(q.max);
  return q;
}

// The statistics as published: every float rounded to 6 decimal places.
JobStats rounded(JobStats s) {
  s.wait_s = rounded(s.wait_s);
  s.wait_ramp_s = rounded(s.wait_ramp_s);
  s.wait_steady_s = rounded(s.wait_steady_s);
  s.bounded_slowdown = rounded(s.bounded_slowdown);
  s.turnaround_s = rounded(s.turnaround_s);
  s.gpu_hours = r6(s.gpu_hours);
  s.lost_gpu_hours = r6(s.lost_gpu_hours);
  s.makespan_s = r6(s.makespan_s);
  s.utilisation = r6(s.utilisation);
  return s;
}

nlohmann::ordered_json quantiles_json(const Quantiles& q) {
  nlohmann::ordered_json j;
  j["n"] = q.n;
  j["mean"] = q.mean;
  j["p50"] = q.p50;
  j["p95"] = q.p95;
  j["p99"] = q.p99;
  j["max"] = q.max;
  return j;
}

nlohmann::ordered_json stats_json(const JobStats& s) {
  nlohmann::ordered_json j;
  j["jobs"] = {{"submitted", s.submitted}, {"completed", s.completed}, {"running", s.running},
               {"queued", s.queued},       {"rejected", s.rejected},   {"failed", s.failed}};
  j["wait_s"] = quantiles_json(s.wait_s);
  j["wait_ramp_s"] = quantiles_json(s.wait_ramp_s);
  j["wait_steady_s"] = quantiles_json(s.wait_steady_s);
  j["turnaround_s"] = quantiles_json(s.turnaround_s);
  j["bounded_slowdown"] = quantiles_json(s.bounded_slowdown);
  j["gpu_hours"] = s.gpu_hours;
  j["preemptions"] = s.preemptions;
  j["interruptions"] = s.interruptions;
  j["lost_gpu_hours"] = s.lost_gpu_hours;
  j["utilisation"] = s.utilisation;
  j["makespan_s"] = s.makespan_s;
  return j;
}

double held_gpu_seconds(const Job& j, Seconds end) {
  // Runs a preemption or a failure ended (all before the end), then its current or last run.
  const double before = static_cast<double>(j.gpus) * j.held_s;
  if (j.state != JobState::kCompleted && j.state != JobState::kRunning) return before;
  const Seconds until = j.state == JobState::kCompleted ? std::min(j.end, end) : end;
  return before + static_cast<double>(j.gpus) * std::max(0.0, until - j.start);
}

}  // namespace detail

using detail::r6;
using detail::rounded;
using detail::stats_json;

Quantiles quantiles(std::vector<double>& v) {
  Quantiles q;
  q.n = v.size();
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  q.mean = sum / static_cast<double>(v.size());
  auto rank = [&](double p) {
    auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(k, 1, v.size()) - 1];
  };
  q.p50 = rank(0.50);
  q.p95 = rank(0.95);
  q.p99 = rank(0.99);
  q.max = v.back();
  return q;
}

namespace {

FederationSummary federation_summary(const Scenario& sc, const FederationOutcome& o) {
  FederationSummary f;
  f.policy = std::string(sc.federation.policy->name());
  for (std::size_t k = 0; k < sc.federation.members.size(); ++k) {
    f.members.push_back({sc.clusters[sc.federation.members[k]].id, o.jobs_by_member[k], o.away_by_member[k]});
    f.jobs += o.jobs_by_member[k];
    f.away += o.away_by_member[k];
  }
  f.transfers = o.transfers;
  f.transfers_completed = o.transfers_done;
  f.in_transit_at_end = o.in_transit_at_end;
  f.staged_gb = r6(o.staged_gb);
  std::vector<double> staging = o.staging_s;
  if (!staging.empty()) {
    const Quantiles q = quantiles(staging);
    f.staging_s_mean = r6(q.mean);
    f.staging_s_p95 = r6(q.p95);
    f.staging_s_max = r6(q.max);
  }
  return f;
}

// Adds a cluster's failure books (and its jobs' GPU-hours) into a group.
void add_failures(FailureGroup& g, const Scenario& sc, std::size_t cluster, const ClusterResult& c,
                  const JobStats& stats, std::vector<double>& waits) {
  const FailureCounts& f = *c.failures;
  const auto& classes = sc.gpu_models[sc.clusters[cluster].gpu_model].failures.classes;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    g.node_failures += f.by_class[k];
    auto it =
        std::find_if(g.by_class.begin(), g.by_class.end(), [&](const auto& p) { return p.first == classes[k].id; });
    if (it == g.by_class.end()) g.by_class.emplace_back(classes[k].id, f.by_class[k]);
    else it->second += f.by_class[k];
  }
  g.automatic += f.automatic;
  g.manual += f.manual;
  g.job_interruptions += f.interruptions;
  g.jobs_failed += f.jobs_failed;
  g.spares_used += f.spares_used;
  g.domain_failures += f.domain_failures;
  g.systematic_nodes += f.systematic_nodes;
  g.systematic_found += f.systematic_found;
  waits.insert(waits.end(), f.repair_waits_s.begin(), f.repair_waits_s.end());
  g.node_hours_up += f.up_node_s / 3600.0;
  g.down_gpu_hours += f.down_gpu_s / 3600.0;
  g.used_gpu_hours += stats.gpu_hours;
  g.lost_gpu_hours += stats.lost_gpu_hours;
  g.redone_gpu_hours += f.redone_gpu_s / 3600.0;
  g.restart_gpu_hours += f.restart_gpu_s / 3600.0;
  g.checkpoint_gpu_hours += f.checkpoint_gpu_s / 3600.0;
  g.failed_job_gpu_hours += f.failed_job_gpu_s / 3600.0;
}

FailureGroup finish_failures(FailureGroup g, std::vector<double>& waits) {
  g.repair_wait_s = quantiles(waits);
  g.useful_gpu_hours = g.used_gpu_hours - g.lost_gpu_hours;
  if (g.used_gpu_hours > 0) g.goodput = g.useful_gpu_hours / g.used_gpu_hours;
  // Published rounded, as every float of the summary.
  for (double* x : {&g.node_hours_up, &g.down_gpu_hours, &g.used_gpu_hours, &g.useful_gpu_hours, &g.lost_gpu_hours,
                    &g.redone_gpu_hours, &g.restart_gpu_hours, &g.checkpoint_gpu_hours, &g.failed_job_gpu_hours})
    *x = r6(*x);
  if (g.goodput) g.goodput = r6(*g.goodput);
  for (double* x :
       {&g.repair_wait_s.mean, &g.repair_wait_s.p50, &g.repair_wait_s.p95, &g.repair_wait_s.p99, &g.repair_wait_s.max})
    *x = r6(*x);
  return g;
}

}  // namespace

JobStats compute_job_stats(const std::vector<const Job*>& jobs, Seconds end, Seconds tau, double online_gpu_seconds,
                           const std::vector<Seconds>& steady_from) {
  JobStats s;
  std::vector<double> waits, ramp, steady, bsld, turnaround;
  double gpu_seconds = 0, lost_gpu_seconds = 0;
  double min_submit = INFINITY, max_end = -INFINITY;
  for (const Job* j : jobs) {
    ++s.submitted;
    switch (j->state) {
      case JobState::kRejected: ++s.rejected; continue;
      case JobState::kQueued: ++s.queued; break;
      case JobState::kRunning: ++s.running; break;
      case JobState::kCompleted: ++s.completed; break;
      case JobState::kFailed: ++s.failed; break;
    }
    s.interruptions += j->interruptions;
    // Preempted jobs: their preemptions, and the GPU-time that made no lasting progress.
    s.preemptions += j->preemptions;
    lost_gpu_seconds += static_cast<double>(j->gpus) * j->lost_s;
    gpu_seconds += detail::held_gpu_seconds(*j, end);  // a queued job held GPUs if it was preempted
    if (j->state == JobState::kQueued) continue;
    waits.push_back(j->first_start - j->submit);
    GPUFLEET_CHECK(j->cluster < steady_from.size(), "every job's cluster has a steady-from time");
    (j->submit >= steady_from[j->cluster] ? steady : ramp).push_back(j->first_start - j->submit);
    if (j->state == JobState::kCompleted) {
      // Its run time: one run from start to end, or its work when preemptions split it into runs.
      const Seconds run = j->restarts() == 0 ? j->end - j->start : j->runtime;
      const Seconds t = j->end - j->submit;
      turnaround.push_back(t);
      bsld.push_back(std::max(1.0, t / std::max(run, tau)));
      min_submit = std::min(min_submit, j->submit);
      max_end = std::max(max_end, j->end);
    }
  }
  s.wait_s = quantiles(waits);
  s.wait_ramp_s = quantiles(ramp);
  s.wait_steady_s = quantiles(steady);
  s.bounded_slowdown = quantiles(bsld);
  s.turnaround_s = quantiles(turnaround);
  s.gpu_hours = gpu_seconds / 3600.0;
  s.lost_gpu_hours = lost_gpu_seconds / 3600.0;
  s.makespan_s = s.completed ? max_end - min_submit : 0;
  s.utilisation = online_gpu_seconds > 0 ? gpu_seconds / online_gpu_seconds : 0;
  return s;
}

Summary build_summary(const Scenario& sc, const RunResult& run) {
  Summary out;
  out.scenario = {sc.name, sc.seed, sc.start_epoch_s,
                  sc.horizon_s ? std::optional<Seconds>(r6(*sc.horizon_s)) : std::nullopt};
  out.run.complete = run.complete;
  out.run.stop_reason = run.stop_reason;
  out.run.end_time_s = r6(run.end_time);
  out.run.end_date = format_utc(static_cast<double>(sc.start_epoch_s) + run.end_time);
  out.run.events_processed = run.events;
  for (const auto& c : run.clusters) {
    out.run.trace_records_after_horizon += c.trace_records_after_horizon;
    out.run.scheduling_passes += c.scheduling_passes;
  }
  out.bsld_tau_s = r6(sc.bsld_tau_s);
  out.timeseries_interval_s = r6(sc.timeseries_interval_s);

  const Seconds end = run.end_time;
  const Seconds tau = sc.bsld_tau_s;
  std::vector<Seconds> steady_from;  // by cluster; infinity: never 90 % online
  for (const ClusterResult& c : run.clusters) steady_from.push_back(c.online_90pct.value_or(INFINITY));
  std::vector<const Job*> all;
  std::vector<std::vector<const Job*>> by_cluster(sc.clusters.size()), by_workload(sc.workloads.size()),
      by_operator(sc.operators.size());
  std::vector<double> op_capacity(sc.operators.size(), 0), op_online_s(sc.operators.size(), 0);
  double total_capacity = 0, total_online_s = 0;
  for (std::size_t c = 0; c < run.clusters.size(); ++c) {
    op_capacity[sc.clusters[c].op] += static_cast<double>(sc.clusters[c].gpus());
    total_capacity += static_cast<double>(sc.clusters[c].gpus());
    op_online_s[sc.clusters[c].op] += run.clusters[c].online_gpu_s;
    total_online_s += run.clusters[c].online_gpu_s;
    for (const Job& j : run.clusters[c].jobs) {
      all.push_back(&j);
      by_cluster[c].push_back(&j);
      by_workload[j.workload].push_back(&j);
      by_operator[sc.clusters[c].op].push_back(&j);
    }
  }
  out.total = rounded(compute_job_stats(all, end, tau, total_online_s, steady_from));
  out.total_gpus = static_cast<std::uint64_t>(total_capacity);
  for (std::size_t o = 0; o < sc.operators.size(); ++o)
    out.operators.push_back({sc.operators[o].id, static_cast<std::uint64_t>(op_capacity[o]),
                             rounded(compute_job_stats(by_operator[o], end, tau, op_online_s[o], steady_from))});
  for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
    const ClusterSpec& cl = sc.clusters[c];
    ClusterSummary cs;
    cs.id = cl.id;
    cs.op = sc.operators[cl.op].id;
    cs.site = sc.operators[cl.op].sites[cl.site].id;
    cs.gpu_model = sc.gpu_models[cl.gpu_model].id;
    cs.nodes = cl.nodes;
    cs.gpus_per_node = cl.gpus_per_node;
    cs.gpus = cl.gpus();
    cs.queue = std::string(cl.scheduling.queue->name());
    cs.backfill = std::string(cl.scheduling.backfill->name());
    cs.placement = std::string(cl.scheduling.placement->name());
    cs.stats = rounded(compute_job_stats(by_cluster[c], end, tau, run.clusters[c].online_gpu_s, steady_from));
    cs.trace_records_after_horizon = run.clusters[c].trace_records_after_horizon;
    if (run.clusters[c].online_90pct) cs.date_90pct_online = r6(*run.clusters[c].online_90pct);
    out.clusters.push_back(std::move(cs));
  }
  for (std::size_t w = 0; w < sc.workloads.size(); ++w) {
    const WorkloadSpec& ws = sc.workloads[w];
    out.workloads.push_back(
        {ws.id, sc.clusters[ws.cluster].id, ws.kind == WorkloadSpec::Kind::kSwf ? "swf" : "synthetic",
         rounded(compute_job_stats(by_workload[w], end, tau, run.clusters[ws.cluster].online_gpu_s, steady_from))});
  }
  if (run.rollout) out.rollout = run.rollout->summary;
  if (run.federation) out.federation = federation_summary(sc, *run.federation);
  bool any_failures = false;
  for (const ClusterResult& c : run.clusters) any_failures = any_failures || c.fails;
  if (any_failures) {
    // From the unrounded job statistics, so that sums over clusters are not sums of rounded terms.
    FailureSummary fs;
    std::vector<double> national_waits;
    std::vector<std::vector<double>> op_waits(sc.operators.size());
    fs.operators.resize(sc.operators.size());
    for (std::size_t o = 0; o < sc.operators.size(); ++o) fs.operators[o].id = sc.operators[o].id;
    for (std::size_t c = 0; c < run.clusters.size(); ++c) {
      // The nation and the operators cover every cluster (so used and lost GPU-hours are those of
      // their <stats>); the cluster list only those that fail.
      if (!run.clusters[c].failures) continue;
      const JobStats stats = compute_job_stats(by_cluster[c], end, tau, run.clusters[c].online_gpu_s, steady_from);
      add_failures(fs.operators[sc.clusters[c].op], sc, c, run.clusters[c], stats, op_waits[sc.clusters[c].op]);
      add_failures(fs.national, sc, c, run.clusters[c], stats, national_waits);
      if (!run.clusters[c].fails) continue;
      FailureGroup g;
      g.id = sc.clusters[c].id;
      std::vector<double> waits;
      add_failures(g, sc, c, run.clusters[c], stats, waits);
      fs.clusters.push_back(finish_failures(std::move(g), waits));
    }
    for (std::size_t o = 0; o < sc.operators.size(); ++o)
      fs.operators[o] = finish_failures(std::move(fs.operators[o]), op_waits[o]);
    fs.national = finish_failures(std::move(fs.national), national_waits);
    out.failures = std::move(fs);
  }
  if (!sc.tenants.empty()) {
    out.fairness.emplace();
    out.tenants = build_tenant_summaries(sc, run, steady_from, *out.fairness);
  }
  return out;
}

nlohmann::ordered_json to_json(const Summary& s) {
  using OJson = nlohmann::ordered_json;
  const double epoch = static_cast<double>(s.scenario.start_epoch_s);
  OJson out;
  out["format"] = "gpufleet-summary/1";
  out["gpufleet_version"] = GPUFLEET_VERSION;
  out["scenario"] = {{"name", s.scenario.name},
                     {"seed", s.scenario.seed},
                     {"start", format_utc(epoch)},
                     {"horizon_s", s.scenario.horizon_s ? OJson(*s.scenario.horizon_s) : OJson()}};
  if (s.inputs) {
    const Provenance& p = *s.inputs;
    OJson in;
    in["scenario_sha256"] = p.scenario_sha256;
    in["scenario_files"] = p.scenario_files;
    auto& patches = in["patches"] = OJson::array();
    for (const FileHash& f : p.patches) patches.push_back({{"path", f.path}, {"sha256", f.sha256}});
    in["sets"] = p.sets;
    auto& traces = in["traces"] = OJson::array();
    for (const TraceHash& t : p.traces)
      traces.push_back(
          {{"workload", t.workload}, {"path", t.file.path}, {"bytes", t.file.bytes}, {"sha256", t.file.sha256}});
    out["inputs"] = std::move(in);
  }
  out["run"] = {{"complete", s.run.complete},
                {"stop_reason", s.run.stop_reason == StopReason::kNone ? OJson() : OJson(to_string(s.run.stop_reason))},
                {"end_time_s", s.run.end_time_s},
                {"end_date", s.run.end_date},
                {"events_processed", s.run.events_processed},
                {"scheduling_passes", s.run.scheduling_passes},
                {"trace_records_after_horizon", s.run.trace_records_after_horizon}};
  out["parameters"] = {
      {"bsld_tau_s", s.bsld_tau_s}, {"quantiles", "nearest-rank"}, {"timeseries_interval_s", s.timeseries_interval_s}};
  out["total"] = stats_json(s.total);
  out["total"]["gpus"] = s.total_gpus;
  auto& ops = out["operators"] = OJson::array();
  for (const OperatorSummary& o : s.operators) {
    OJson j;
    j["id"] = o.id;
    j["gpus"] = o.gpus;
    j.update(stats_json(o.stats));
    ops.push_back(std::move(j));
  }
  auto& cls = out["clusters"] = OJson::array();
  for (const ClusterSummary& c : s.clusters) {
    OJson j;
    j["id"] = c.id;
    j["operator"] = c.op;
    j["site"] = c.site;
    j["gpu_model"] = c.gpu_model;
    j["nodes"] = c.nodes;
    j["gpus_per_node"] = c.gpus_per_node;
    j["gpus"] = c.gpus;
    j["policies"] = {{"queue", c.queue}, {"backfill", c.backfill}, {"placement", c.placement}};
    j.update(stats_json(c.stats));
    j["trace_records_after_horizon"] = c.trace_records_after_horizon;
    j["date_90pct_online"] = c.date_90pct_online ? OJson(format_utc(epoch + *c.date_90pct_online)) : OJson();
    cls.push_back(std::move(j));
  }
  auto& wls = out["workloads"] = OJson::array();
  for (const WorkloadSummary& w : s.workloads) {
    OJson j;
    j["id"] = w.id;
    j["cluster"] = w.cluster;
    j["kind"] = w.kind;
    j.update(stats_json(w.stats));
    wls.push_back(std::move(j));
  }
  if (!s.tenants.empty()) out["tenants"] = tenants_json(s.tenants);
  if (s.fairness)
    out["fairness"] = {{"tenants_with_demand", s.fairness->tenants_with_demand},
                       {"jain_index", s.fairness->jain_index ? OJson(*s.fairness->jain_index) : OJson()}};
  if (s.federation) {
    const FederationSummary& f = *s.federation;
    OJson j;
    j["policy"] = f.policy;
    j["jobs"] = f.jobs;
    j["away"] = f.away;
    auto& members = j["members"] = OJson::object();
    for (const FederationMemberSummary& m : f.members) members[m.cluster] = {{"jobs", m.jobs}, {"away", m.away}};
    auto opt = [](const std::optional<double>& v) { return v ? OJson(*v) : OJson(); };
    j["staging"] = {{"transfers", f.transfers},
                    {"transfers_completed", f.transfers_completed},
                    {"in_transit_at_end", f.in_transit_at_end},
                    {"staged_gb", f.staged_gb},
                    {"staging_s_mean", opt(f.staging_s_mean)},
                    {"staging_s_p95", opt(f.staging_s_p95)},
                    {"staging_s_max", opt(f.staging_s_max)}};
    out["federation"] = std::move(j);
  }
  if (s.failures) {
    const auto group = [](const FailureGroup& g) {
      OJson j;
      if (!g.id.empty()) j["id"] = g.id;
      j["node_failures"] = g.node_failures;
      auto& by = j["by_class"] = OJson::object();
      for (const auto& [id, n] : g.by_class) by[id] = n;
      j["recoveries"] = {{"automatic", g.automatic}, {"manual", g.manual}};
      j["job_interruptions"] = g.job_interruptions;
      j["jobs_failed"] = g.jobs_failed;
      j["spares_used"] = g.spares_used;
      j["domain_failures"] = g.domain_failures;
      j["systematic"] = {{"bad_nodes", g.systematic_nodes}, {"found", g.systematic_found}};
      j["repair_wait_s"] = detail::quantiles_json(g.repair_wait_s);
      j["node_hours_up"] = g.node_hours_up;
      j["down_gpu_hours"] = g.down_gpu_hours;
      j["used_gpu_hours"] = g.used_gpu_hours;
      j["useful_gpu_hours"] = g.useful_gpu_hours;
      j["lost_gpu_hours"] = {{"total", g.lost_gpu_hours},
                             {"redone_work", g.redone_gpu_hours},
                             {"restart_overhead", g.restart_gpu_hours},
                             {"checkpoint_writes", g.checkpoint_gpu_hours},
                             {"failed_jobs", g.failed_job_gpu_hours}};
      j["goodput"] = g.goodput ? OJson(*g.goodput) : OJson();
      return j;
    };
    OJson f = group(s.failures->national);
    auto& fops = f["operators"] = OJson::array();
    for (const FailureGroup& g : s.failures->operators) fops.push_back(group(g));
    auto& fcls = f["clusters"] = OJson::array();
    for (const FailureGroup& g : s.failures->clusters) fcls.push_back(group(g));
    out["failures"] = std::move(f);
  }
  if (s.rollout) out["rollout"] = to_json(*s.rollout, s.scenario.start_epoch_s);
  if (!s.outputs.empty()) {
    auto& files = out["outputs"] = OJson::object();
    for (const OutputFile& f : s.outputs) files[f.name] = {{"bytes", f.bytes}, {"sha256", f.sha256}};
  }
  return out;
}

}  // namespace gpufleet
