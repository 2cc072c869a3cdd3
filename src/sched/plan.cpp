#include "gpufleet/plan.hpp"

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

Placement Plan::preview(const QueueEntry& entry) const {
  return placement_.place(state_.pool(), state_.job(entry.job));
}

void Plan::start(const QueueEntry& entry, const Placement& placement, StartReason reason) {
  Job& job = state_.job(entry.job);
  GPUFLEET_CHECK(job.state == JobState::kQueued, "only a queued job starts");
  GPUFLEET_CHECK(placement.outcome == PlaceOutcome::kFits, "a job starts only on a fitting placement");
  // The placement contract (PlacementPolicy): g GPUs on nodes of G are g / G whole nodes plus, when
  // g % G > 0, the remainder on one more node. Backfill reservations (EASY's shadow time, the
  // conservative profile) count nodes that way; a placement that spreads the same total differently
  // would make them silently wrong, so it is refused here, where decisions enter the engine.
  const std::uint32_t per_node = state_.pool().gpus_per_node();
  std::uint32_t total = 0, whole = 0, partial = 0, partial_gpus = 0;
  for (const auto& s : placement.slices) {
    total += s.gpus;
    if (s.gpus == per_node) ++whole;
    else if (s.gpus > 0) ++partial, partial_gpus = s.gpus;
  }
  GPUFLEET_CHECK(total == job.gpus, "a placement gives the job exactly the GPUs it asked for");
  GPUFLEET_CHECK(whole == job.gpus / per_node && partial == (job.gpus % per_node ? 1u : 0u) &&
                     (partial == 0 || partial_gpus == job.gpus % per_node) &&
                     whole + partial == placement.slices.size(),
                 "a placement has the gang shape: whole nodes, and the remainder on one node");
  const std::uint8_t label = state_.intern_start_label(reason);  // checks the label, before anything changes
  state_.pool().allocate(placement.slices);
  job.alloc = placement.slices;
  job.state = JobState::kRunning;
  job.start = now_;
  job.start_kind = reason.kind;
  job.start_label = label;
  state_.add_running(entry.job);
  decisions_.push_back(StartDecision{entry, reason});
}

PlaceOutcome Plan::try_start(const QueueEntry& entry, StartReason reason) {
  Placement p = preview(entry);
  if (p.outcome == PlaceOutcome::kFits) start(entry, p, reason);
  return p.outcome;
}

}  // namespace gpufleet
