#include "metrics/summary.hpp"

#include <algorithm>
#include <cmath>

#include "core/time_format.hpp"

namespace gpufleet {
namespace {

// Fixed precision for floats in summary.json: rounded to 6 decimal places.
double r6(double x) {
  const double v = std::round(x * 1e6) / 1e6;
  return v == 0 ? 0.0 : v;  // no "-0"
}

nlohmann::ordered_json quantiles_json(const Quantiles& q) {
  nlohmann::ordered_json j;
  j["n"] = q.n;
  j["mean"] = r6(q.mean);
  j["p50"] = r6(q.p50);
  j["p95"] = r6(q.p95);
  j["p99"] = r6(q.p99);
  j["max"] = r6(q.max);
  return j;
}

nlohmann::ordered_json stats_json(const JobStats& s) {
  nlohmann::ordered_json j;
  j["jobs"] = {{"submitted", s.submitted},
               {"completed", s.completed},
               {"running", s.running},
               {"queued", s.queued},
               {"rejected", s.rejected}};
  j["wait_s"] = quantiles_json(s.wait_s);
  j["turnaround_s"] = quantiles_json(s.turnaround_s);
  j["bounded_slowdown"] = quantiles_json(s.bounded_slowdown);
  j["gpu_hours"] = r6(s.gpu_hours);
  j["utilisation"] = r6(s.utilisation);
  j["makespan_s"] = r6(s.makespan_s);
  return j;
}

}  // namespace

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

JobStats compute_job_stats(const std::vector<const Job*>& jobs, Seconds end, Seconds tau, double online_gpu_seconds) {
  JobStats s;
  std::vector<double> waits, bsld, turnaround;
  double gpu_seconds = 0;
  double min_submit = INFINITY, max_end = -INFINITY;
  for (const Job* j : jobs) {
    ++s.submitted;
    switch (j->state) {
      case JobState::kRejected: ++s.rejected; continue;
      case JobState::kQueued: ++s.queued; continue;
      case JobState::kRunning: ++s.running; break;
      case JobState::kCompleted: ++s.completed; break;
    }
    waits.push_back(j->start - j->submit);
    const Seconds used_until = j->state == JobState::kCompleted ? std::min(j->end, end) : end;
    gpu_seconds += j->gpus * std::max(0.0, used_until - j->start);
    if (j->state == JobState::kCompleted) {
      const Seconds run = j->end - j->start;
      const Seconds t = j->end - j->submit;
      turnaround.push_back(t);
      bsld.push_back(std::max(1.0, t / std::max(run, tau)));
      min_submit = std::min(min_submit, j->submit);
      max_end = std::max(max_end, j->end);
    }
  }
  s.wait_s = quantiles(waits);
  s.bounded_slowdown = quantiles(bsld);
  s.turnaround_s = quantiles(turnaround);
  s.gpu_hours = gpu_seconds / 3600.0;
  s.makespan_s = s.completed ? max_end - min_submit : 0;
  s.utilisation = online_gpu_seconds > 0 ? gpu_seconds / online_gpu_seconds : 0;
  return s;
}

nlohmann::ordered_json build_summary(const Scenario& sc, const RunResult& run, const nlohmann::ordered_json& inputs) {
  nlohmann::ordered_json out;
  out["format"] = "gpufleet-summary/1";
  out["gpufleet_version"] = GPUFLEET_VERSION;
  out["scenario"] = {
      {"name", sc.name},
      {"seed", sc.seed},
      {"start", format_utc(static_cast<double>(sc.start_epoch_s))},
      {"horizon_s", sc.horizon_s ? nlohmann::ordered_json(r6(*sc.horizon_s)) : nlohmann::ordered_json()}};
  if (!inputs.is_null()) out["inputs"] = inputs;
  std::uint64_t after_horizon = 0, passes = 0;
  for (const auto& c : run.clusters) {
    after_horizon += c.trace_records_after_horizon;
    passes += c.scheduling_passes;
  }
  out["run"] = {
      {"complete", run.complete},
      {"stop_reason", run.stop_reason == StopReason::kNone ? nlohmann::ordered_json()
                                                           : nlohmann::ordered_json(to_string(run.stop_reason))},
      {"end_time_s", r6(run.end_time)},
      {"end_date", format_utc(static_cast<double>(sc.start_epoch_s) + run.end_time)},
      {"events_processed", run.events},
      {"scheduling_passes", passes},
      {"trace_records_after_horizon", after_horizon}};
  out["parameters"] = {{"bsld_tau_s", r6(sc.bsld_tau_s)},
                       {"quantiles", "nearest-rank"},
                       {"timeseries_interval_s", r6(sc.timeseries_interval_s)}};

  const Seconds end = run.end_time;
  const Seconds tau = sc.bsld_tau_s;
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

  out["total"] = stats_json(compute_job_stats(all, end, tau, total_online_s));
  out["total"]["gpus"] = static_cast<std::uint64_t>(total_capacity);

  auto& ops = out["operators"] = nlohmann::ordered_json::array();
  for (std::size_t o = 0; o < sc.operators.size(); ++o) {
    nlohmann::ordered_json j;
    j["id"] = sc.operators[o].id;
    j["gpus"] = static_cast<std::uint64_t>(op_capacity[o]);
    j.update(stats_json(compute_job_stats(by_operator[o], end, tau, op_online_s[o])));
    ops.push_back(std::move(j));
  }
  auto& cls = out["clusters"] = nlohmann::ordered_json::array();
  for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
    const ClusterSpec& cl = sc.clusters[c];
    nlohmann::ordered_json j;
    j["id"] = cl.id;
    j["operator"] = sc.operators[cl.op].id;
    j["site"] = sc.operators[cl.op].sites[cl.site].id;
    j["gpu_model"] = sc.gpu_models[cl.gpu_model].id;
    j["nodes"] = cl.nodes;
    j["gpus_per_node"] = cl.gpus_per_node;
    j["gpus"] = cl.gpus();
    j["policies"] = {{"queue", std::string(cl.scheduling.queue->name())},
                     {"backfill", std::string(cl.scheduling.backfill->name())},
                     {"placement", std::string(cl.scheduling.placement->name())}};
    j.update(stats_json(compute_job_stats(by_cluster[c], end, tau, run.clusters[c].online_gpu_s)));
    j["trace_records_after_horizon"] = run.clusters[c].trace_records_after_horizon;
    cls.push_back(std::move(j));
  }
  auto& wls = out["workloads"] = nlohmann::ordered_json::array();
  for (std::size_t w = 0; w < sc.workloads.size(); ++w) {
    const WorkloadSpec& ws = sc.workloads[w];
    nlohmann::ordered_json j;
    j["id"] = ws.id;
    j["cluster"] = sc.clusters[ws.cluster].id;
    j["kind"] = ws.kind == WorkloadSpec::Kind::kSwf ? "swf" : "synthetic";
    j.update(stats_json(compute_job_stats(by_workload[w], end, tau, run.clusters[ws.cluster].online_gpu_s)));
    wls.push_back(std::move(j));
  }
  if (run.rollout) out["rollout"] = run.rollout->summary;
  return out;
}

}  // namespace gpufleet
