// What a workload is: a synthetic generator's parameters or a trace's records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpufleet/job.hpp"
#include "workload/distribution.hpp"

namespace gpufleet {

// One job line of a trace, as read.
struct TraceRecord {
  std::int64_t id = 0;
  Seconds submit = 0;
  Seconds runtime = -1;              // < 0: unknown (the job is rejected)
  Seconds requested = -1;            // walltime the scheduler plans with
  std::int64_t gpus = -1;            // <= 0: unknown (the job is rejected)
  std::int32_t user = -1;            // SWF field 12 (-1: unknown, or beyond 2^31)
  std::int32_t group = -1;           // SWF field 13 (-1: unknown, or beyond 2^31)
  std::uint32_t tenant = kNoTenant;  // set by the loader from the workload's tenant map
};

struct WorkloadSpec {
  enum class Kind { kSynthetic, kSwf };
  std::string id;
  Kind kind = Kind::kSynthetic;
  std::uint32_t cluster = 0;
  std::int32_t priority = 0;
  std::uint32_t tenant = kNoTenant;  // synthetic, or a trace without a tenant map: every job's tenant
  bool tenant_error = false;         // loading only: its tenant or tenant map named an unknown tenant
  // When one of its jobs is preempted it loses the work since its last checkpoint (taken every
  // checkpoint_interval_s of progress in a run; 0: none, it restarts from scratch), and each run
  // after the first begins with restart_overhead_s of no progress.
  Seconds checkpoint_interval_s = 0;
  Seconds restart_overhead_s = 0;
  // Failures (docs/failures.md): the interval is Young/Daly's sqrt(2 δ M) per job (M: the job's
  // expected time between failures on its cluster) instead of checkpoint_interval_s; each
  // checkpoint costs checkpoint_write_s (δ) of run time; a job interrupted more than max_retries
  // times fails; an interrupted job goes back to the front of its queue (else by the queue order).
  bool checkpoint_young_daly = false;
  Seconds checkpoint_write_s = 0;
  std::optional<std::uint32_t> max_retries;  // none: unlimited
  bool requeue_front = true;
  // Federation: its jobs go to the national queue (its `cluster` is their home), each with input
  // data of input_gb (drawn per job; none: 0) to stage when it runs at another site.
  bool federated = false;
  std::optional<Distribution> input_gb;

  // kSynthetic
  enum class Arrival { kPoisson, kInterval };
  Arrival arrival = Arrival::kPoisson;
  double rate_per_s = 0;  // Poisson: the rate at factor 1 (and, following, all GPUs online)
  // Demand over time (docs/scenario-format.md): a Poisson workload's rate is rate_per_s × the factor
  // of rate_schedule in force (1 before its first step) × (follow_online) its cluster's share of GPUs
  // online. Drawn by thinning: candidates at rate_per_s × max_rate_factor(), each kept with that
  // rate's share of the maximum, decided where the cluster's state is known (ClusterSim).
  struct RateStep {
    Seconds from;
    double factor;
  };
  std::vector<RateStep> rate_schedule;  // sorted by `from`
  bool follow_online = false;
  bool thinned() const { return follow_online || !rate_schedule.empty(); }
  double rate_factor_at(Seconds t) const {
    double f = 1;
    for (const RateStep& s : rate_schedule) {
      if (s.from > t) break;
      f = s.factor;
    }
    return f;
  }
  double max_rate_factor() const {
    double m = 1;
    for (const RateStep& s : rate_schedule) m = s.factor > m ? s.factor : m;
    return m;
  }
  Seconds interval_s = 0;              // fixed interval
  Seconds start_s = 0;                 // first arrival is after this offset
  std::optional<std::uint64_t> count;  // stop after this many jobs (else at the horizon)
  Distribution gpus;
  Distribution duration_s;
  double walltime_factor = 1;  // requested walltime = factor * run time

  // kSwf
  std::string path;                  // resolved against the scenario's folder
  bool perfect_estimates = false;    // requested = run time (else the trace's field 9, run time if absent)
  std::vector<TraceRecord> records;  // sorted by submit time (stable); submit times already scaled
                                     // by the workload's "submit_scale" (< 1 compresses time: more load)
};

}  // namespace gpufleet
