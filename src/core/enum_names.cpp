// Names of the closed enums shared by the engine, the policies and the outputs
// (the strings appear in jobs.csv; docs/outputs.md lists them).
#include "gpufleet/job.hpp"
#include "gpufleet/policy.hpp"

namespace gpufleet {

std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kCompleted: return "completed";
    case JobState::kRejected: return "rejected";
  }
  return "?";
}

std::string_view to_string(StartReason r) {
  switch (r) {
    case StartReason::kNone: return "";
    case StartReason::kInOrder: return "in_order";
    case StartReason::kBackfillShort: return "backfill_short";
    case StartReason::kBackfillExtra: return "backfill_extra";
    case StartReason::kReservationNow: return "reservation";
  }
  return "?";
}

std::string_view to_string(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "";
    case RejectReason::kNoGpus: return "no_gpus_requested";
    case RejectReason::kTooLarge: return "larger_than_cluster";
    case RejectReason::kPlacementNever: return "placement_never";
    case RejectReason::kUnknownSize: return "trace_unknown_size";
    case RejectReason::kUnknownRuntime: return "trace_unknown_runtime";
  }
  return "?";
}

std::string_view to_string(PlaceOutcome o) {
  switch (o) {
    case PlaceOutcome::kFits: return "fits";
    case PlaceOutcome::kNotNow: return "not_now";
    case PlaceOutcome::kNever: return "never";
  }
  return "?";
}

}  // namespace gpufleet
