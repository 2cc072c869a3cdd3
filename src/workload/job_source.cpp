#include "workload/job_source.hpp"

#include <cmath>
#include <limits>

namespace gpufleet {
namespace {

class SyntheticSource final : public JobSource {
 public:
  SyntheticSource(const WorkloadSpec& spec, std::uint32_t index, const JobSourceContext& ctx)
      : spec_(spec),
        index_(index),
        cluster_(spec_.cluster),
        speed_(ctx.relative_speed),
        horizon_(ctx.horizon),
        arrivals_(ctx.seed, "workload/" + spec_.id + "/arrival"),
        sizes_(ctx.seed, "workload/" + spec_.id + "/gpus"),
        durations_(ctx.seed, "workload/" + spec_.id + "/duration"),
        mean_gap_(1.0 / (spec_.rate_per_s * spec_.max_rate_factor())),
        t_(spec_.start_s) {}

  std::optional<Job> next() override {
    // A thinned workload's count is of the jobs its cluster keeps (ClusterSim stops pulling then).
    if (spec_.count && !spec_.thinned() && produced_ >= *spec_.count) return std::nullopt;
    if (spec_.arrival == WorkloadSpec::Arrival::kPoisson) t_ += arrivals_.exponential(mean_gap_);
    else t_ = spec_.start_s + static_cast<double>(produced_ + 1) * spec_.interval_s;
    if (t_ > horizon_) return std::nullopt;
    Job j;
    j.id = static_cast<std::int64_t>(++produced_);
    j.workload = index_;
    j.cluster = cluster_;
    j.submit = t_;
    j.gpus = static_cast<std::uint32_t>(spec_.gpus.sample(sizes_));
    j.runtime = spec_.duration_s.sample(durations_) / speed_;
    j.requested = j.runtime * spec_.walltime_factor;
    j.priority = spec_.priority;
    j.tenant = spec_.tenant;
    return j;
  }

 private:
  const WorkloadSpec& spec_;
  std::uint32_t index_;
  std::uint32_t cluster_;
  double speed_;
  Seconds horizon_;
  Rng arrivals_, sizes_, durations_;
  double mean_gap_;  // the mean gap between Poisson candidates (at the schedule's highest rate)
  Seconds t_;
  std::uint64_t produced_ = 0;
};

class TraceSource final : public JobSource {
 public:
  TraceSource(const WorkloadSpec& spec, std::uint32_t index, const JobSourceContext& ctx)
      : spec_(spec), index_(index), horizon_(ctx.horizon) {}

  std::optional<Job> next() override {
    if (pos_ >= spec_.records.size()) return std::nullopt;
    const TraceRecord& r = spec_.records[pos_];
    if (r.submit > horizon_) return std::nullopt;
    ++pos_;
    Job j;
    j.id = r.id;
    j.workload = index_;
    j.cluster = spec_.cluster;
    j.submit = r.submit;
    j.priority = spec_.priority;
    j.tenant = r.tenant != kNoTenant ? r.tenant : spec_.tenant;
    if (r.gpus <= 0) {
      j.reject_reason = RejectReason::kUnknownSize;
    } else {
      j.gpus = r.gpus > std::numeric_limits<std::uint32_t>::max() ? std::numeric_limits<std::uint32_t>::max()
                                                                  : static_cast<std::uint32_t>(r.gpus);
    }
    if (r.runtime < 0) {
      if (j.reject_reason == RejectReason::kNone) j.reject_reason = RejectReason::kUnknownRuntime;
    } else {
      j.runtime = r.runtime;
      j.requested = r.requested;
    }
    return j;
  }

  std::uint64_t left_after_horizon() const override { return spec_.records.size() - pos_; }

 private:
  const WorkloadSpec& spec_;
  std::uint32_t index_;
  Seconds horizon_;
  std::size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<JobSource> make_job_source(const WorkloadSpec& spec, std::uint32_t workload_index,
                                           const JobSourceContext& context) {
  if (spec.kind == WorkloadSpec::Kind::kSwf) return std::make_unique<TraceSource>(spec, workload_index, context);
  return std::make_unique<SyntheticSource>(spec, workload_index, context);
}

}  // namespace gpufleet
