#include "output/writers.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/sha256.hpp"
#include "core/time_format.hpp"
#include "metrics/summary.hpp"
#include "output/report.hpp"

namespace gpufleet {

std::string jobs_csv(const Scenario& sc, const RunResult& run) {
  struct Ref {
    Seconds submit;
    std::uint32_t cluster;
    std::uint32_t index;
  };
  std::vector<Ref> refs;
  for (std::uint32_t c = 0; c < run.clusters.size(); ++c)
    for (std::uint32_t i = 0; i < run.clusters[c].jobs.size(); ++i)
      refs.push_back(Ref{run.clusters[c].jobs[i].submit, c, i});
  std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    if (a.submit != b.submit) return a.submit < b.submit;
    if (a.cluster != b.cluster) return a.cluster < b.cluster;
    return a.index < b.index;
  });
  fmt::memory_buffer out;
  fmt::format_to(
      std::back_inserter(out),
      "job_id,workload,cluster,submit_s,start_s,end_s,gpus,state,wait_s,runtime_s,requested_s,"
      "start_reason,reject_reason,tenant,wait_reason,preemptions,interruptions,lost_gpu_s,home_cluster,staging_s\n");
  for (const Ref& r : refs) {
    const Job& j = run.clusters[r.cluster].jobs[r.index];
    const bool started = j.first_start >= 0;
    const bool ended = j.state == JobState::kCompleted || j.state == JobState::kFailed;
    fmt::format_to(std::back_inserter(out), "{},{},{},{:.3f},", j.id, sc.workloads[j.workload].id,
                   sc.clusters[j.cluster].id, j.submit);
    if (started) fmt::format_to(std::back_inserter(out), "{:.3f},", j.first_start);
    else out.push_back(',');
    if (ended) fmt::format_to(std::back_inserter(out), "{:.3f},", j.end);
    else out.push_back(',');
    fmt::format_to(std::back_inserter(out), "{},{},", j.gpus, to_string(j.state));
    if (started) fmt::format_to(std::back_inserter(out), "{:.3f},", j.first_start - j.submit);
    else out.push_back(',');
    if (j.state == JobState::kRejected) fmt::format_to(std::back_inserter(out), ",,");
    else fmt::format_to(std::back_inserter(out), "{:.3f},{:.3f},", j.runtime, j.requested);
    const std::string_view start_label = j.start_kind == StartKind::kNone
                                             ? std::string_view()
                                             : std::string_view(run.clusters[r.cluster].start_labels.at(j.start_label));
    const std::string_view tenant =
        j.tenant == kNoTenant ? std::string_view() : std::string_view(sc.tenants[j.tenant].id);
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{:.3f},{},{:.3f}\n", start_label,
                   to_string(j.reject_reason), tenant, to_string(j.wait_reason), j.preemptions, j.interruptions,
                   static_cast<double>(j.gpus) * j.lost_s, sc.clusters[sc.workloads[j.workload].cluster].id,
                   j.staging_s);
  }
  return fmt::to_string(out);
}

std::string timeseries_csv(const Scenario& sc, const RunResult& run) {
  struct Ref {
    Seconds t;
    std::uint32_t cluster;
    std::uint32_t index;
  };
  std::vector<Ref> refs;
  for (std::uint32_t c = 0; c < run.clusters.size(); ++c)
    for (std::uint32_t i = 0; i < run.clusters[c].timeseries.size(); ++i)
      refs.push_back(Ref{run.clusters[c].timeseries[i].t, c, i});
  std::stable_sort(refs.begin(), refs.end(),
                   [](const Ref& a, const Ref& b) { return a.t != b.t ? a.t < b.t : a.cluster < b.cluster; });
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 "t_s,date,cluster,online_gpus,busy_gpus,idle_gpus,queued_jobs,running_jobs,nodes_down,"
                 "nodes_in_repair,spare_nodes,node_failures\n");
  for (const Ref& r : refs) {
    const TimeseriesRow& row = run.clusters[r.cluster].timeseries[r.index];
    const std::uint64_t down_gpus = std::uint64_t{row.down_nodes} * sc.clusters[r.cluster].gpus_per_node;
    fmt::format_to(std::back_inserter(out), "{:.3f},{},{},{},{},{},{},{},{},{},{},{}\n", row.t,
                   format_utc(static_cast<double>(sc.start_epoch_s) + row.t), sc.clusters[r.cluster].id,
                   row.online_gpus, row.busy_gpus, row.online_gpus - row.busy_gpus - down_gpus, row.queued_jobs,
                   row.running_jobs, row.down_nodes, row.repairing_nodes, row.spare_nodes, row.node_failures);
  }
  return fmt::to_string(out);
}

std::string tenants_csv(const Scenario& sc, const std::vector<TenantSample>& rows) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), "t_s,date,cluster,tenant,nominal_gpus,used_gpus,queued_gpus\n");
  for (const TenantSample& r : rows) {
    fmt::format_to(std::back_inserter(out), "{:.3f},{},{},{},", r.t,
                   format_utc(static_cast<double>(sc.start_epoch_s) + r.t), sc.clusters[r.cluster].id,
                   sc.tenants[r.tenant].id);
    if (r.nominal_gpus >= 0) fmt::format_to(std::back_inserter(out), "{}", r.nominal_gpus);
    fmt::format_to(std::back_inserter(out), ",{},{}\n", r.used_gpus, r.queued_gpus);
  }
  return fmt::to_string(out);
}

std::string rollout_csv(const Scenario& sc, const RunResult& run) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 "date,operator,ordered_gpus,delivered_gpus,online_gpus,stranded_gpus,in_production_gpus,"
                 "unallocated_gpus,waiting_gpus,installing_gpus,hbm_stacks_consumed\n");
  for (const RolloutRow& r : run.rollout->rows) {
    const std::string op = r.op < sc.operators.size() ? sc.operators[r.op].id : std::string("all");
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{},{:.1f}\n",
                   format_utc(static_cast<double>(sc.start_epoch_s) + r.t), op, r.ordered, r.delivered, r.online,
                   r.delivered - r.online, r.in_production, r.unallocated, r.waiting, r.installing, r.raw_stacks);
  }
  return fmt::to_string(out);
}

std::string orders_csv(const Scenario& sc, const RunResult& run) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 "order,operator,cluster,tranche,gpus,requested_date,delivered_date,delay_days\n");
  for (const OrderRow& r : run.rollout->orders) {
    const Order& o = sc.rollout.orders[r.order];
    const double epoch = static_cast<double>(sc.start_epoch_s);
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},", o.id, sc.operators[o.op].id,
                   sc.clusters[o.cluster].id, r.tranche + 1, r.gpus, format_date(epoch + r.due));
    if (r.delivered >= 0)
      fmt::format_to(std::back_inserter(out), "{},{:.3f}\n", format_date(epoch + r.delivered),
                     (r.delivered - r.due) / 86400.0);
    else fmt::format_to(std::back_inserter(out), ",\n");
  }
  return fmt::to_string(out);
}

std::string run_json(const Scenario& sc, const RunResult& run, const std::string& scenario_sha256) {
  nlohmann::ordered_json j;
  j["format"] = "gpufleet-run/1";
  j["scenario"] = sc.name;
  if (!scenario_sha256.empty()) j["scenario_sha256"] = scenario_sha256;  // which run this file belongs to
  j["wall_time_s"] = std::round(run.wall_time_s * 1e6) / 1e6;            // to the microsecond: never 0 for a real run
  j["peak_memory_mib"] = std::round(run.peak_memory_mib * 10) / 10;
  j["events_processed"] = run.events;
  j["events_per_s"] = run.wall_time_s > 0 ? std::round(static_cast<double>(run.events) / run.wall_time_s) : 0.0;
  return j.dump(2) + "\n";
}

Summary write_results(const std::string& dir, const Scenario& sc, const RunResult& run, const WriteOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: cannot create output folder: {}", dir, ec.message()));
  const std::filesystem::path d(dir);
  // Every file but run.json (which measures this process) is listed with its size and SHA-256 in
  // summary.json's "outputs": a results folder can be checked file by file against its summary.
  std::vector<OutputFile> outputs;
  auto write = [&](const char* name, const std::string& content) {
    write_file_atomic((d / name).string(), content);
    outputs.push_back({name, content.size(), sha256_hex(content)});
  };
  std::string scenario_sha;
  if (!options.resolved_scenario.is_null()) {
    const std::string text = options.resolved_scenario.dump(2) + "\n";
    write("scenario.json", text);
    scenario_sha = outputs.back().sha256;
  }
  write("jobs.csv", jobs_csv(sc, run));
  write("timeseries.csv", timeseries_csv(sc, run));
  const std::vector<TenantSample> tenant_rows = tenant_timeseries(sc, run);
  if (!sc.tenants.empty()) write("tenants.csv", tenants_csv(sc, tenant_rows));
  write_file_atomic((d / "run.json").string(), run_json(sc, run, scenario_sha));
  if (run.rollout) {
    write("rollout.csv", rollout_csv(sc, run));
    write("orders.csv", orders_csv(sc, run));
  }
  // summary.json last: its presence says the others are complete.
  Summary summary = build_summary(sc, run);
  summary.inputs = options.inputs;
  if (options.report) write("report.html", report_html(sc, run, summary, tenant_rows));
  summary.outputs = std::move(outputs);
  write_file_atomic((d / "summary.json").string(), to_json(summary).dump(2) + "\n");
  return summary;
}

}  // namespace gpufleet
