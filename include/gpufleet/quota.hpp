// Tenant quotas on one cluster: nominal quota, borrowing and lending limits, cohorts.
//
// The semantics follow Kueue's ClusterQueue quotas (docs/scheduling.md gives the exact rule and
// where it differs). A tenant may always use up to its nominal quota when the GPUs are free; in a
// cohort it may borrow what other members leave unused, up to its borrowing limit, and each
// member lends at most its lending limit of its unused nominal quota. The book counts the GPUs
// each tenant's running jobs hold and answers "may this tenant start g more GPUs now?".
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "gpufleet/job.hpp"

namespace gpufleet {

inline constexpr std::uint64_t kUnlimitedGpus = std::numeric_limits<std::uint64_t>::max();

// One tenant's quota on one cluster.
struct TenantQuota {
  std::uint32_t tenant = kNoTenant;  // index into the scenario's tenants
  std::uint64_t nominal_gpus = 0;
  std::uint64_t borrowing_limit_gpus = kUnlimitedGpus;  // above nominal, from the cohort (none without one)
  std::uint64_t lending_limit_gpus = kUnlimitedGpus;    // of its unused nominal quota, to the cohort
  std::int32_t cohort = -1;                             // the cluster's cohort index; -1: in none
};

enum class QuotaVerdict : std::uint8_t {
  kAdmit,
  kOverQuota,        // usage + g > nominal + borrowing limit
  kCohortExhausted,  // the cohort has not g GPUs left for this tenant
};

class QuotaBook {
 public:
  static constexpr std::uint32_t kNoSlot = 0xFFFFFFFFu;

  QuotaBook() = default;  // no quotas: every job is admitted, whatever its tenant
  // One entry per tenant (distinct tenants; cohorts numbered 0..k-1). Checks the entries:
  // InternalError naming the rule (the loader refuses bad input before).
  explicit QuotaBook(std::vector<TenantQuota> quotas);

  bool enabled() const { return !quotas_.empty(); }
  std::uint32_t slots() const { return static_cast<std::uint32_t>(quotas_.size()); }
  // The slot of `tenant` on this cluster, kNoSlot when it has no quota here.
  std::uint32_t slot(std::uint32_t tenant) const { return tenant < slot_of_.size() ? slot_of_[tenant] : kNoSlot; }
  const TenantQuota& quota(std::uint32_t slot) const { return quotas_[slot]; }
  // GPUs the slot's running jobs hold.
  std::uint64_t usage(std::uint32_t slot) const { return usage_[slot]; }
  // Would g more GPUs take the slot above its nominal quota?
  bool needs_borrow(std::uint32_t slot, std::uint64_t gpus) const {
    return usage_[slot] + gpus > quotas_[slot].nominal_gpus;
  }
  // May the slot start g more GPUs now (quota and cohort; free GPUs are the placement's concern)?
  QuotaVerdict check(std::uint32_t slot, std::uint64_t gpus) const;
  // The largest g that check(slot, g) admits now (kUnlimitedGpus when nothing bounds it).
  std::uint64_t headroom(std::uint32_t slot) const;
  // The same with every tenant idle: kAdmit unless a job of g GPUs can never be admitted.
  QuotaVerdict ever(std::uint32_t slot, std::uint64_t gpus) const;
  void take(std::uint32_t slot, std::uint64_t gpus);
  void give(std::uint32_t slot, std::uint64_t gpus);

  // A cohort's capacity (the sum of its members' nominal quotas) and what is counted against it.
  std::uint64_t cohort_capacity(std::int32_t cohort) const { return cohorts_[cohort].nominal; }

 private:
  // What lending limits withhold: the part of a member's nominal quota others may not borrow.
  std::uint64_t withheld(std::uint32_t slot) const;
  // A cohort counts each member at the larger of its usage and what it withholds.
  std::uint64_t counted(std::uint32_t slot, std::uint64_t usage) const {
    const std::uint64_t w = withheld(slot);
    return usage > w ? usage : w;
  }
  struct Cohort {
    std::uint64_t nominal = 0;   // sum of the members' nominal quotas
    std::uint64_t withheld = 0;  // sum of what their lending limits withhold
    std::uint64_t counted = 0;   // sum over members of counted(member, usage)
  };
  std::vector<TenantQuota> quotas_;
  std::vector<std::uint64_t> usage_;
  std::vector<std::uint32_t> slot_of_;  // by tenant index
  std::vector<Cohort> cohorts_;
};

}  // namespace gpufleet
