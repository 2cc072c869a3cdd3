#include "sim/national_queue.hpp"

#include <algorithm>
#include <cmath>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

NationalQueue::NationalQueue(const Scenario& sc, std::vector<std::unique_ptr<ClusterSim>>& sims)
    : sc_(sc), sims_(sims) {
  const FederationSpec& fed = sc.federation;
  GPUFLEET_CHECK(fed.enabled(), "a national queue needs a federation");
  outcome_.jobs_by_member.assign(fed.members.size(), 0);
  outcome_.away_by_member.assign(fed.members.size(), 0);
  inbound_gpus_.assign(fed.members.size(), 0);
  const Seconds horizon = sc.horizon_s.value_or(ClusterSim::kNever);
  for (std::uint32_t w = 0; w < sc.workloads.size(); ++w) {
    const WorkloadSpec& spec = sc.workloads[w];
    if (!spec.federated) continue;
    const JobSourceContext context{sc.seed, horizon, sc.gpu_models[sc.clusters[spec.cluster].gpu_model].relative_speed};
    Source src{make_job_source(spec, w, context), std::nullopt, Rng(sc.seed, "workload/" + spec.id + "/input_gb"), w,
               std::nullopt};
    if (spec.thinned()) src.thinning.emplace(spec, sc.seed);
    src.next = src.source->next();
    sources_.push_back(std::move(src));
  }
}

Seconds NationalQueue::next_submit() const {
  Seconds t = ClusterSim::kNever;
  for (const Source& s : sources_)
    if (s.next) t = std::min(t, s.next->submit);
  return t;
}

std::optional<NationalQueue::Dispatch> NationalQueue::next_due(Seconds now) {
  Source* first = nullptr;
  for (;;) {
    first = nullptr;
    for (Source& s : sources_)
      if (s.next && s.next->submit <= now && (!first || s.next->submit < first->next->submit)) first = &s;
    if (!first) return std::nullopt;
    if (!first->thinning) break;
    // A thinned candidate is decided at its instant, from its home cluster's state then (the home's
    // actor may or may not have processed that instant yet: SimGrid's order, deterministic).
    const Job& candidate = *first->next;
    if (first->thinning->keep(candidate.submit, sims_[candidate.cluster]->online_share())) break;
    first->next = first->source->next();
  }
  Dispatch d;
  d.job = std::move(*first->next);
  const WorkloadSpec& spec = sc_.workloads[first->workload];
  if (first->thinning) {
    d.job.id = static_cast<std::int64_t>(first->thinning->kept());
    if (first->thinning->done()) first->next.reset();
    else first->next = first->source->next();
  } else {
    first->next = first->source->next();
  }
  d.input_gb = spec.input_gb ? spec.input_gb->sample(first->input) : 0.0;
  d.home = d.job.cluster;

  const FederationSpec& fed = sc_.federation;
  views_.clear();
  for (std::size_t k = 0; k < fed.members.size(); ++k) {
    const std::uint32_t c = fed.members[k];
    MemberView v = sims_[c]->member_view(d.job);
    v.cluster = c;
    v.home = c == d.home;
    // Jobs on their way there take its free GPUs first; what they ask beyond those counts as queued
    // (each such GPU once, so load() counts it once).
    const std::uint64_t taken = std::min(v.free_gpus, inbound_gpus_[k]);
    v.free_gpus -= taken;
    v.queued_gpus += inbound_gpus_[k] - taken;
    views_.push_back(v);
  }
  d.member = fed.policy->choose(d.job, views_);
  GPUFLEET_CHECK(d.member < views_.size(), "a federation policy chooses one of the members it was shown");
  const std::uint32_t target = fed.members[d.member];
  ++outcome_.jobs_by_member[d.member];
  const ClusterSpec& from = sc_.clusters[d.home];
  const ClusterSpec& to = sc_.clusters[target];
  if (target != d.home) {
    ++outcome_.away_by_member[d.member];
    // A synthetic job's run time is its work on its home cluster's GPUs: the same work elsewhere.
    if (spec.kind == WorkloadSpec::Kind::kSynthetic) {
      const double ratio = sc_.gpu_models[from.gpu_model].relative_speed / sc_.gpu_models[to.gpu_model].relative_speed;
      d.job.runtime *= ratio;
      d.job.requested *= ratio;
    }
  }
  d.job.cluster = target;
  d.stage = !(from.op == to.op && from.site == to.site) && std::floor(d.input_gb * 1e9) >= 1;
  if (d.stage) {
    d.job.wait_reason = WaitReason::kStaging;
    inbound_gpus_[d.member] += d.job.gpus;
    ++outcome_.transfers;
  }
  return d;
}

void NationalQueue::transfer_done(const Dispatch& d, Seconds staging_s) {
  GPUFLEET_CHECK(d.stage && inbound_gpus_[d.member] >= d.job.gpus, "only a staged job's transfer completes");
  inbound_gpus_[d.member] -= d.job.gpus;
  outcome_.staged_gb += d.input_gb;
  outcome_.staging_s.push_back(staging_s);
  ++outcome_.transfers_done;
}

}  // namespace gpufleet
