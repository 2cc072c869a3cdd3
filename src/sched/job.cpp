// Names of the job enums (they appear in jobs.csv; docs/outputs.md lists them).
#include "gpufleet/job.hpp"

namespace gpufleet {

std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kCompleted: return "completed";
    case JobState::kRejected: return "rejected";
    case JobState::kFailed: return "failed";
  }
  return "?";
}

std::string_view to_string(StartKind k) {
  switch (k) {
    case StartKind::kNone: return "";
    case StartKind::kInOrder: return "in_order";
    case StartKind::kBackfill: return "backfill";
    case StartKind::kReservation: return "reservation";
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
    case RejectReason::kOverQuota: return "over_quota";
    case RejectReason::kOverCohort: return "over_cohort";
  }
  return "?";
}

std::string_view to_string(WaitReason r) {
  switch (r) {
    case WaitReason::kNone: return "";
    case WaitReason::kBehindHead: return "behind_queue_head";
    case WaitReason::kNotOnline: return "not_online";
    case WaitReason::kNoFreeGpus: return "no_free_gpus";
    case WaitReason::kFragmentation: return "fragmentation";
    case WaitReason::kReservation: return "reservation";
    case WaitReason::kQuota: return "quota";
    case WaitReason::kCohort: return "cohort_exhausted";
    case WaitReason::kPreempted: return "preempted";
    case WaitReason::kInterrupted: return "interrupted";
    case WaitReason::kStaging: return "staging";
  }
  return "?";
}

}  // namespace gpufleet
