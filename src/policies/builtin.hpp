// Built-in policies (registered by register_builtin_policies()).
#pragma once

#include <cstdint>

#include "gpufleet/plan.hpp"
#include "gpufleet/policy.hpp"

namespace gpufleet::policies {

class FcfsOrder final : public QueueOrder {
 public:
  std::string_view name() const override { return "fcfs"; }
  QueueKey key(const Job& job, const QueueContext&) const override { return {job.submit, 0.0}; }
};

class SjfOrder final : public QueueOrder {
 public:
  std::string_view name() const override { return "sjf"; }
  QueueKey key(const Job& job, const QueueContext&) const override { return {job.requested, job.submit}; }
};

class PriorityOrder final : public QueueOrder {
 public:
  std::string_view name() const override { return "priority"; }
  QueueKey key(const Job& job, const QueueContext&) const override {
    return {-static_cast<double>(job.priority), job.submit};
  }
};

// Slurm's classic fair-share factor (slurm.schedmd.com/classic_fair_share.html) for a flat set of
// tenants: F = 2^(-U/S), U = the tenant's usage on this cluster decayed with the half-life,
// divided by all tenants' decayed usage there (0 when none has used anything), S = its weight
// divided by the scenario's total weight. Tenants with the higher F go first, each tenant's jobs
// in submit order. Recomputed before every pass (docs/scheduling.md, "Fair share").
class FairShareOrder final : public QueueOrder {
 public:
  explicit FairShareOrder(Seconds half_life, Seconds period = 0) : half_life_(half_life), period_(period) {}
  std::string_view name() const override { return "fair_share"; }
  QueueKey key(const Job& job, const QueueContext&) const override { return {job.submit, 0.0}; }
  Keying keying() const override { return Keying::kByTenant; }
  void tenant_keys(const QueueContext& context, std::vector<double>& keys) const override;  // -F
  Seconds usage_half_life() const override { return half_life_; }
  Seconds recompute_period() const override { return period_; }
  // The factors themselves, F by tenant index.
  static void factors(const QueueContext& context, std::vector<double>& f);

 private:
  Seconds half_life_, period_;
};

class FirstFit final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "first_fit"; }
  Placement place(const NodePool& pool, const Job& job) const override;
};

class BestFit final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "best_fit"; }
  Placement place(const NodePool& pool, const Job& job) const override;
};

class Pack final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "pack"; }
  Placement place(const NodePool& pool, const Job& job) const override;
};

class NoBackfill final : public BackfillPolicy {
 public:
  std::string_view name() const override { return "none"; }
  void schedule(Plan& plan) const override;
  StateIndexes indexes() const override { return {false, false}; }
};

class EasyBackfill final : public BackfillPolicy {
 public:
  // Queues longer than `scan_threshold` are backfilled through the queue's
  // size/walltime buckets instead of a linear scan; both give the same starts.
  explicit EasyBackfill(std::size_t scan_threshold = 256) : scan_threshold_(scan_threshold) {}
  static constexpr StartReason kShort{StartKind::kBackfill, "backfill_short"};  // ends before the head's shadow time
  static constexpr StartReason kExtra{StartKind::kBackfill, "backfill_extra"};  // uses GPUs the head does not need then
  std::string_view name() const override { return "easy"; }
  void schedule(Plan& plan) const override;
  StateIndexes indexes() const override { return {true, true}; }

 private:
  std::size_t scan_threshold_;
};

class ConservativeBackfill final : public BackfillPolicy {
 public:
  // max_reservations: how many queued jobs (in queue order) get a reservation
  // per pass; 0 = all of them. Jobs beyond it wait for a later pass.
  explicit ConservativeBackfill(std::uint64_t max_reservations) : max_reservations_(max_reservations) {}
  static constexpr StartReason kReservationNow{StartKind::kReservation, "reservation"};
  std::string_view name() const override { return "conservative"; }
  void schedule(Plan& plan) const override;
  StateIndexes indexes() const override { return {true, false}; }

 private:
  std::uint64_t max_reservations_;
};

// One pass of tenant quota admission (NoBackfill on a cluster with quotas).
void admit_tenant_heads(Plan& plan);

// Checks a request against the pool's total size: kNever with a reason, or kNotNow (= may fit some day).
Placement never_or_not_now(const NodePool& pool, std::uint32_t gpus);

}  // namespace gpufleet::policies

#include "gpufleet/supply_policy.hpp"

namespace gpufleet::policies {

class FcfsOrders final : public SupplyAllocationPolicy {
 public:
  std::string_view name() const override { return "fcfs_orders"; }
  std::vector<std::uint64_t> allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const override;
};
class ProRata final : public SupplyAllocationPolicy {
 public:
  std::string_view name() const override { return "pro_rata"; }
  std::vector<std::uint64_t> allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const override;
};
class PrioritySupply final : public SupplyAllocationPolicy {
 public:
  std::string_view name() const override { return "priority"; }
  std::vector<std::uint64_t> allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const override;
};
class EarliestDueDate final : public SupplyAllocationPolicy {
 public:
  std::string_view name() const override { return "earliest_due_date"; }
  std::vector<std::uint64_t> allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const override;
};
class SiteReadyFirst final : public SupplyAllocationPolicy {
 public:
  std::string_view name() const override { return "site_ready_first"; }
  std::vector<std::uint64_t> allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const override;
};

}  // namespace gpufleet::policies
