// The scheduling extension points: queue order, placement, backfill.
//
// A policy is built once from its JSON parameters by a factory (see
// policy_registry.hpp) and then called by the engine with the cluster's state.
// Policies are pure: they read the state they are given, return (or, for
// backfill, request through the Plan) their decisions, and touch nothing else:
// no clock, no globals, no I/O, no logging. So each can be unit-tested from a
// literal state without starting SimGrid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpufleet/cluster_state.hpp"
#include "gpufleet/job.hpp"
#include "gpufleet/node_pool.hpp"

namespace gpufleet {

class Plan;

// Who goes next. The engine keeps the queue sorted by key(job) (then arrival
// order), so key() must depend only on the job's own fields.
class QueueOrder {
 public:
  virtual ~QueueOrder() = default;
  virtual std::string_view name() const = 0;
  virtual QueueKey key(const Job& job) const = 0;
};

enum class PlaceOutcome : std::uint8_t {
  kFits,    // `slices` hold the GPUs to take now
  kNotNow,  // does not fit now; try again when capacity frees
  kNever,   // can never be placed on this cluster; `reason` says why
};
std::string_view to_string(PlaceOutcome o);

struct Placement {
  PlaceOutcome outcome = PlaceOutcome::kNotNow;
  std::vector<NodeSlice> slices;  // when kFits: one entry per node, GPUs summing to the request
  std::string reason;             // when kNever
};

// Where a job goes. Contract: for a g-GPU job on nodes of G GPUs, a kFits
// result gives g / G nodes whole (all G GPUs) and, when g % G > 0, the
// remainder on one further node; every slice fits the node's free GPUs.
class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual Placement place(const NodePool& pool, std::uint32_t gpus) const = 0;
};

// Who starts now. schedule() walks the queue and asks the plan to start jobs;
// it may compute reservations (shadow times) from the running jobs' planned ends.
class BackfillPolicy {
 public:
  virtual ~BackfillPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual void schedule(Plan& plan) const = 0;
  // The optional state indexes schedule() reads (default: all). Reading one
  // not declared here is an internal error.
  virtual StateIndexes indexes() const { return {}; }
};

}  // namespace gpufleet
