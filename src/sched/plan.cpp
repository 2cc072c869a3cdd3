#include "gpufleet/plan.hpp"

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

Placement Plan::preview(const QueueEntry& entry) const {
  return placement_.place(state_.pool(), state_.job(entry.job).gpus);
}

void Plan::start(const QueueEntry& entry, const Placement& placement, StartReason reason) {
  Job& job = state_.job(entry.job);
  GPUFLEET_CHECK(job.state == JobState::kQueued, "only a queued job starts");
  GPUFLEET_CHECK(placement.outcome == PlaceOutcome::kFits, "a job starts only on a fitting placement");
  std::uint32_t total = 0;
  for (const auto& s : placement.slices) total += s.gpus;
  GPUFLEET_CHECK(total == job.gpus, "a placement gives the job exactly the GPUs it asked for");
  state_.pool().allocate(placement.slices);
  job.alloc = placement.slices;
  job.state = JobState::kRunning;
  job.start = now_;
  job.start_reason = reason;
  state_.add_running(entry.job);
  decisions_.push_back(StartDecision{entry, reason});
}

PlaceOutcome Plan::try_start(const QueueEntry& entry, StartReason reason) {
  Placement p = preview(entry);
  if (p.outcome == PlaceOutcome::kFits) start(entry, p, reason);
  return p.outcome;
}

}  // namespace gpufleet
