// summary.json's "tenants" and "fairness" sections (docs/outputs.md, "Tenants").
//
// Everything here is recomputed from the job records of the run (start, end, GPUs, tenant), not
// read from the engine's own tallies: the borrowed and lent GPU-hours come from a sweep over the
// jobs' starts and ends, so the engine's quota book is checked against them (a borrower beyond
// what the cohort could lend is an internal error).
#include <algorithm>
#include <cmath>
#include <string>

#include "gpufleet/diagnostics.hpp"
#include "metrics/summary.hpp"

namespace gpufleet {
namespace {

using detail::held_gpu_seconds;
using detail::r6;

struct SlotIntegrals {
  double borrowed_gpu_s = 0, lent_gpu_s = 0;
};

// Borrowed and lent GPU-seconds of each quota slot of one cluster, from its jobs' starts and ends.
// Between two instants usage u_q is constant; slot q borrows b_q = max(0, u_q - n_q) and offers
// L_q = max(0, n_q - max(u_q, W_q)) (W_q: what its lending limit withholds). Each cohort's
// borrowing B = sum b_q is lent by its members pro rata to L_q.
std::vector<SlotIntegrals> borrow_lend(const ClusterSpec& spec, const ClusterResult& cr, Seconds end) {
  const QuotaBook book(spec.quotas.tenants);
  const std::uint32_t slots = book.slots();
  struct Change {
    Seconds t;
    std::uint32_t slot;
    std::int64_t gpus;
  };
  std::vector<Change> changes;
  const auto held = [&](const Job& j, Seconds from, Seconds until) {
    const std::uint32_t slot = book.slot(j.tenant);
    GPUFLEET_CHECK(slot != QuotaBook::kNoSlot, "every job on a cluster with quotas has a quota slot");
    until = std::min(until, end);
    if (from >= end || until <= from) return;  // held no GPU-time within [0, end]
    changes.push_back({from, slot, static_cast<std::int64_t>(j.gpus)});
    changes.push_back({until, slot, -static_cast<std::int64_t>(j.gpus)});
  };
  for (const Job& j : cr.jobs) {
    if (j.state != JobState::kCompleted && j.state != JobState::kRunning) continue;
    held(j, j.start, j.state == JobState::kCompleted ? j.end : end);  // its current or last run
  }
  for (const PreemptedRun& r : cr.preempted_runs) held(cr.jobs[r.job], r.start, r.end);
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.t < b.t; });
  std::vector<std::int64_t> usage(slots, 0);
  std::vector<SlotIntegrals> out(slots);
  std::vector<std::int64_t> withheld(slots);
  for (std::uint32_t q = 0; q < slots; ++q) {
    const TenantQuota& tq = book.quota(q);
    withheld[q] = static_cast<std::int64_t>(tq.nominal_gpus - std::min(tq.lending_limit_gpus, tq.nominal_gpus));
  }
  const std::size_t cohorts = spec.quotas.cohort_ids.size();
  std::vector<std::int64_t> borrowing(cohorts), offered(cohorts);
  for (std::size_t i = 0; i < changes.size();) {
    const Seconds t = changes[i].t;
    for (; i < changes.size() && changes[i].t == t; ++i) usage[changes[i].slot] += changes[i].gpus;
    if (i == changes.size()) break;
    const double dt = changes[i].t - t;
    std::fill(borrowing.begin(), borrowing.end(), 0);
    std::fill(offered.begin(), offered.end(), 0);
    for (std::uint32_t q = 0; q < slots; ++q) {
      const TenantQuota& tq = book.quota(q);
      if (tq.cohort < 0) continue;  // no cohort: it never borrows (QuotaBook) and lends to no one
      const auto n = static_cast<std::int64_t>(tq.nominal_gpus);
      borrowing[tq.cohort] += std::max<std::int64_t>(0, usage[q] - n);
      offered[tq.cohort] += std::max<std::int64_t>(0, n - std::max(usage[q], withheld[q]));
    }
    for (std::size_t k = 0; k < cohorts; ++k)
      GPUFLEET_CHECK(borrowing[k] <= offered[k],
                     "a cohort's members borrow no more than the others leave unused and lendable (QuotaBook)");
    for (std::uint32_t q = 0; q < slots; ++q) {
      const TenantQuota& tq = book.quota(q);
      if (tq.cohort < 0) continue;
      const auto n = static_cast<std::int64_t>(tq.nominal_gpus);
      out[q].borrowed_gpu_s += static_cast<double>(std::max<std::int64_t>(0, usage[q] - n)) * dt;
      const std::int64_t mine = std::max<std::int64_t>(0, n - std::max(usage[q], withheld[q]));
      if (borrowing[tq.cohort] > 0)
        out[q].lent_gpu_s += static_cast<double>(borrowing[tq.cohort]) * static_cast<double>(mine) /
                             static_cast<double>(offered[tq.cohort]) * dt;
    }
  }
  return out;
}

}  // namespace

std::vector<TenantSummary> build_tenant_summaries(const Scenario& sc, const RunResult& run,
                                                  const std::vector<Seconds>& steady_from, FairnessSummary& fairness) {
  const Seconds end = run.end_time;
  const std::size_t n_tenants = sc.tenants.size();
  std::vector<std::vector<const Job*>> jobs_of(n_tenants);
  std::vector<double> entitled_gpu_s(n_tenants, 0), used_gpu_s(n_tenants, 0), borrowed(n_tenants, 0),
      lent(n_tenants, 0);
  std::vector<std::vector<TenantClusterSummary>> per_cluster(n_tenants);

  for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
    const ClusterSpec& spec = sc.clusters[c];
    const ClusterResult& cr = run.clusters[c];
    std::vector<double> used(n_tenants, 0);
    std::vector<bool> ran(n_tenants, false);
    for (const Job& j : cr.jobs) {
      if (j.tenant == kNoTenant) continue;
      GPUFLEET_CHECK(j.tenant < n_tenants, "a job's tenant is one of the scenario's");
      jobs_of[j.tenant].push_back(&j);
      used[j.tenant] += held_gpu_seconds(j, end);
      ran[j.tenant] = true;
    }
    const double gpus = static_cast<double>(spec.gpus());
    if (!spec.quotas.tenants.empty()) {
      const std::vector<SlotIntegrals> integrals = borrow_lend(spec, cr, end);
      std::vector<double> cohort_used(spec.quotas.cohort_ids.size(), 0),
          cohort_nominal(spec.quotas.cohort_ids.size(), 0);
      for (const TenantQuota& q : spec.quotas.tenants) {
        if (q.cohort < 0) continue;
        cohort_used[q.cohort] += used[q.tenant];
        cohort_nominal[q.cohort] += static_cast<double>(q.nominal_gpus);
      }
      for (std::size_t s = 0; s < spec.quotas.tenants.size(); ++s) {
        const TenantQuota& q = spec.quotas.tenants[s];
        const double nominal = static_cast<double>(q.nominal_gpus);
        TenantClusterSummary tc;
        tc.cluster = spec.id;
        tc.nominal_gpus = q.nominal_gpus;
        tc.gpu_hours = used[q.tenant] / 3600.0;
        double domain_used = cr.busy_gpu_s;  // without a cohort: the cluster's GPU-time
        tc.entitlement = nominal / gpus;
        if (q.cohort >= 0) {
          tc.cohort = spec.quotas.cohort_ids[q.cohort];
          domain_used = cohort_used[q.cohort];
          tc.entitlement = cohort_nominal[q.cohort] > 0 ? nominal / cohort_nominal[q.cohort] : 0;
        }
        tc.share = domain_used > 0 ? used[q.tenant] / domain_used : 0;
        tc.borrowed_gpu_hours = integrals[s].borrowed_gpu_s / 3600.0;
        tc.lent_gpu_hours = integrals[s].lent_gpu_s / 3600.0;
        entitled_gpu_s[q.tenant] += nominal / gpus * cr.online_gpu_s;
        borrowed[q.tenant] += integrals[s].borrowed_gpu_s;
        lent[q.tenant] += integrals[s].lent_gpu_s;
        per_cluster[q.tenant].push_back(tc);
      }
    } else {
      // No quotas: the tenants that ran jobs here share the cluster by fair-share weight.
      double weights = 0, tenants_used = 0;
      for (std::size_t t = 0; t < n_tenants; ++t)
        if (ran[t]) weights += sc.tenants[t].weight, tenants_used += used[t];
      for (std::size_t t = 0; t < n_tenants; ++t) {
        if (!ran[t]) continue;
        TenantClusterSummary tc;
        tc.cluster = spec.id;
        tc.gpu_hours = used[t] / 3600.0;
        tc.entitlement = weights > 0 ? sc.tenants[t].weight / weights : 0;
        tc.share = tenants_used > 0 ? used[t] / tenants_used : 0;
        entitled_gpu_s[t] += tc.entitlement * cr.online_gpu_s;
        per_cluster[t].push_back(tc);
      }
    }
    for (std::size_t t = 0; t < n_tenants; ++t) used_gpu_s[t] += used[t];
  }

  std::vector<TenantSummary> out(n_tenants);
  double demand_used = 0, demand_entitled = 0;
  for (std::size_t t = 0; t < n_tenants; ++t) {
    if (jobs_of[t].empty()) continue;
    demand_used += used_gpu_s[t];
    demand_entitled += entitled_gpu_s[t];
  }
  std::uint64_t with_demand = 0;
  double sum_x = 0, sum_x2 = 0;
  std::uint64_t in_index = 0;
  for (std::size_t t = 0; t < n_tenants; ++t) {
    TenantSummary& ts = out[t];
    ts.id = sc.tenants[t].id;
    ts.name = sc.tenants[t].name;
    ts.weight = r6(sc.tenants[t].weight);
    ts.stats = detail::rounded(compute_job_stats(jobs_of[t], end, sc.bsld_tau_s, entitled_gpu_s[t], steady_from));
    ts.entitled_gpu_hours = r6(entitled_gpu_s[t] / 3600.0);
    ts.borrowed_gpu_hours = r6(borrowed[t] / 3600.0);
    ts.lent_gpu_hours = r6(lent[t] / 3600.0);
    double waited = 0;
    std::array<double, kWaitReasons> by_reason{};
    for (const Job* j : jobs_of[t]) {
      // Its first wait, under its wait reason (a job preempted or interrupted and queued at the
      // end has "preempted" or "interrupted"); after restarts, its time queued again, as
      // preempted and interrupted in proportion to how many runs each ended.
      double w = 0, again = 0;
      if (j->state == JobState::kCompleted || j->state == JobState::kRunning || j->state == JobState::kFailed)
        w = j->first_start - j->submit;
      else if (j->state == JobState::kQueued) w = (j->restarts() > 0 ? j->first_start : end) - j->submit;
      if (j->restarts() > 0) {
        const Seconds until = j->state == JobState::kQueued ? end : j->state == JobState::kFailed ? j->end : j->start;
        again = std::max(0.0, until - j->first_start - j->held_s);
      }
      // A federated job's first wait begins with the transfer of its input data (staging).
      const double staged = std::clamp(j->staging_s, 0.0, std::max(0.0, w));
      by_reason[static_cast<std::size_t>(WaitReason::kStaging)] += staged;
      if (j->staging_s > 0) {
        ++ts.staged_jobs;
        ts.staging_hours += j->staging_s / 3600.0;
      }
      if (w - staged > 0) {
        GPUFLEET_CHECK(j->wait_reason != WaitReason::kNone, "a job that waited has a wait reason");
        by_reason[static_cast<std::size_t>(j->wait_reason)] += w - staged;
      }
      if (again > 0) {
        const double by_failure = static_cast<double>(j->interruptions) / j->restarts();
        by_reason[static_cast<std::size_t>(WaitReason::kInterrupted)] += again * by_failure;
        by_reason[static_cast<std::size_t>(WaitReason::kPreempted)] += again * (1 - by_failure);
      }
      waited += std::max(0.0, w) + again;
    }
    ts.waited_s = r6(waited);
    ts.staging_hours = r6(ts.staging_hours);
    for (std::size_t r = 0; r < kWaitReasons; ++r) ts.wait_share[r] = waited > 0 ? r6(by_reason[r] / waited) : 0;
    for (TenantClusterSummary& tc : per_cluster[t]) {
      tc.gpu_hours = r6(tc.gpu_hours);
      tc.share = r6(tc.share);
      tc.entitlement = r6(tc.entitlement);
      tc.borrowed_gpu_hours = r6(tc.borrowed_gpu_hours);
      tc.lent_gpu_hours = r6(tc.lent_gpu_hours);
    }
    ts.clusters = std::move(per_cluster[t]);
    if (jobs_of[t].empty()) continue;
    ++with_demand;
    const double share = demand_used > 0 ? used_gpu_s[t] / demand_used : 0;
    const double entitlement = demand_entitled > 0 ? entitled_gpu_s[t] / demand_entitled : 0;
    ts.share = r6(share);
    ts.entitlement_share = r6(entitlement);
    if (entitlement > 0) {
      const double x = share / entitlement;
      sum_x += x;
      sum_x2 += x * x;
      ++in_index;
    }
  }
  fairness.tenants_with_demand = with_demand;
  if (sum_x2 > 0) fairness.jain_index = r6(sum_x * sum_x / (static_cast<double>(in_index) * sum_x2));
  return out;
}

nlohmann::ordered_json tenants_json(const std::vector<TenantSummary>& tenants) {
  using OJson = nlohmann::ordered_json;
  OJson out = OJson::object();
  for (const TenantSummary& t : tenants) {
    OJson j;
    j["name"] = t.name;
    j["weight"] = t.weight;
    j.update(detail::stats_json(t.stats));
    j["entitled_gpu_hours"] = t.entitled_gpu_hours;
    j["share"] = t.share;
    j["entitlement_share"] = t.entitlement_share;
    j["borrowed_gpu_hours"] = t.borrowed_gpu_hours;
    j["lent_gpu_hours"] = t.lent_gpu_hours;
    j["waited_s"] = t.waited_s;
    j["staged_jobs"] = t.staged_jobs;
    j["staging_hours"] = t.staging_hours;
    auto& reasons = j["wait_share_by_reason"] = OJson::object();
    for (std::size_t r = 1; r < kWaitReasons; ++r)
      reasons[std::string(to_string(static_cast<WaitReason>(r)))] = t.wait_share[r];
    auto& cls = j["clusters"] = OJson::object();
    for (const TenantClusterSummary& c : t.clusters) {
      cls[c.cluster] = {{"nominal_gpus", c.nominal_gpus ? OJson(*c.nominal_gpus) : OJson()},
                        {"cohort", c.cohort.empty() ? OJson() : OJson(c.cohort)},
                        {"gpu_hours", c.gpu_hours},
                        {"share", c.share},
                        {"entitlement", c.entitlement},
                        {"borrowed_gpu_hours", c.borrowed_gpu_hours},
                        {"lent_gpu_hours", c.lent_gpu_hours}};
    }
    out[t.id] = std::move(j);
  }
  return out;
}

}  // namespace gpufleet

namespace gpufleet {

std::vector<TenantSample> tenant_timeseries(const Scenario& sc, const RunResult& run) {
  std::vector<TenantSample> rows;
  if (sc.tenants.empty()) return rows;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
    const ClusterSpec& spec = sc.clusters[c];
    const ClusterResult& cr = run.clusters[c];
    std::vector<std::int32_t> pair_of(sc.tenants.size(), -1);
    std::vector<std::uint32_t> tenant_of;
    std::vector<std::int64_t> nominal_of;
    const auto add_pair = [&](std::uint32_t tenant, std::int64_t nominal) {
      pair_of[tenant] = static_cast<std::int32_t>(tenant_of.size());
      tenant_of.push_back(tenant);
      nominal_of.push_back(nominal);
    };
    for (const TenantQuota& q : spec.quotas.tenants) add_pair(q.tenant, static_cast<std::int64_t>(q.nominal_gpus));
    for (const Job& j : cr.jobs)
      if (j.tenant != kNoTenant && j.state != JobState::kRejected && pair_of[j.tenant] < 0) add_pair(j.tenant, -1);
    if (tenant_of.empty()) continue;

    // +g / -g of held GPUs (each run) and of GPUs present (from the job's arrival to its end).
    struct Change {
      Seconds t;
      std::uint32_t pair;
      std::int64_t held, present;
    };
    std::vector<Change> changes;
    for (const Job& j : cr.jobs) {
      if (j.tenant == kNoTenant || j.state == JobState::kRejected) continue;
      const auto pair = static_cast<std::uint32_t>(pair_of[j.tenant]);
      const auto g = static_cast<std::int64_t>(j.gpus);
      changes.push_back({j.submit + j.staging_s, pair, 0, g});
      if (j.state == JobState::kCompleted) changes.push_back({j.end, pair, -g, -g});
      // A failed job's runs are all among the ended runs below; it stops being present when it fails.
      if (j.state == JobState::kFailed) changes.push_back({j.end, pair, 0, -g});
      if (j.state == JobState::kCompleted || j.state == JobState::kRunning) changes.push_back({j.start, pair, g, 0});
    }
    for (const PreemptedRun& r : cr.preempted_runs) {
      const Job& j = cr.jobs[r.job];
      const auto pair = static_cast<std::uint32_t>(pair_of[j.tenant]);
      changes.push_back({r.start, pair, static_cast<std::int64_t>(j.gpus), 0});
      changes.push_back({r.end, pair, -static_cast<std::int64_t>(j.gpus), 0});
    }
    std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.t < b.t; });
    std::vector<std::int64_t> held(tenant_of.size(), 0), present(tenant_of.size(), 0);
    std::size_t next = 0;
    for (const TimeseriesRow& sample : cr.timeseries) {
      for (; next < changes.size() && changes[next].t <= sample.t; ++next) {
        held[changes[next].pair] += changes[next].held;
        present[changes[next].pair] += changes[next].present;
      }
      for (std::size_t p = 0; p < tenant_of.size(); ++p) {
        GPUFLEET_CHECK(held[p] >= 0 && present[p] >= held[p], "a tenant holds no more GPUs than its jobs present");
        rows.push_back({sample.t, c, tenant_of[p], nominal_of[p], static_cast<std::uint64_t>(held[p]),
                        static_cast<std::uint64_t>(present[p] - held[p])});
      }
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const TenantSample& a, const TenantSample& b) { return a.t < b.t; });
  return rows;
}

}  // namespace gpufleet
