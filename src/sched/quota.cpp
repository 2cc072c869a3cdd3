#include "gpufleet/quota.hpp"

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {
namespace {

std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) { return a > kUnlimitedGpus - b ? kUnlimitedGpus : a + b; }

}  // namespace

QuotaBook::QuotaBook(std::vector<TenantQuota> quotas) : quotas_(std::move(quotas)), usage_(quotas_.size(), 0) {
  for (std::uint32_t s = 0; s < quotas_.size(); ++s) {
    const TenantQuota& q = quotas_[s];
    GPUFLEET_CHECK(q.tenant != kNoTenant, "a quota names its tenant");
    if (q.tenant >= slot_of_.size()) slot_of_.resize(q.tenant + 1, kNoSlot);
    GPUFLEET_CHECK(slot_of_[q.tenant] == kNoSlot, "a tenant has one quota per cluster");
    slot_of_[q.tenant] = s;
    if (q.cohort < 0) continue;
    if (static_cast<std::size_t>(q.cohort) >= cohorts_.size()) cohorts_.resize(static_cast<std::size_t>(q.cohort) + 1);
    Cohort& c = cohorts_[static_cast<std::size_t>(q.cohort)];
    c.nominal = add_sat(c.nominal, q.nominal_gpus);
    c.withheld = add_sat(c.withheld, withheld(s));
    c.counted = add_sat(c.counted, withheld(s));
  }
}

std::uint64_t QuotaBook::withheld(std::uint32_t slot) const {
  const TenantQuota& q = quotas_[slot];
  return q.lending_limit_gpus >= q.nominal_gpus ? 0 : q.nominal_gpus - q.lending_limit_gpus;
}

QuotaVerdict QuotaBook::check(std::uint32_t slot, std::uint64_t gpus) const {
  const TenantQuota& q = quotas_[slot];
  const std::uint64_t after = usage_[slot] + gpus;
  if (q.cohort < 0) return after <= q.nominal_gpus ? QuotaVerdict::kAdmit : QuotaVerdict::kOverQuota;
  if (after > add_sat(q.nominal_gpus, q.borrowing_limit_gpus)) return QuotaVerdict::kOverQuota;
  const Cohort& c = cohorts_[static_cast<std::size_t>(q.cohort)];
  const std::uint64_t counted_after = c.counted - counted(slot, usage_[slot]) + counted(slot, after);
  return counted_after <= c.nominal ? QuotaVerdict::kAdmit : QuotaVerdict::kCohortExhausted;
}

std::uint64_t QuotaBook::headroom(std::uint32_t slot) const {
  const TenantQuota& q = quotas_[slot];
  const std::uint64_t u = usage_[slot];
  if (q.cohort < 0) return u >= q.nominal_gpus ? 0 : q.nominal_gpus - u;
  const std::uint64_t cap = add_sat(q.nominal_gpus, q.borrowing_limit_gpus);
  const std::uint64_t by_quota = cap == kUnlimitedGpus ? kUnlimitedGpus : (u >= cap ? 0 : cap - u);
  // check(): the cohort's count with this member at max(u + g, withheld) stays within its nominal sum.
  const Cohort& c = cohorts_[static_cast<std::size_t>(q.cohort)];
  const std::uint64_t rest = c.counted - counted(slot, u);
  if (rest > c.nominal || c.nominal - rest < withheld(slot) || c.nominal - rest < u) return 0;
  const std::uint64_t by_cohort = c.nominal - rest - u;
  return by_quota < by_cohort ? by_quota : by_cohort;
}

QuotaVerdict QuotaBook::ever(std::uint32_t slot, std::uint64_t gpus) const {
  const TenantQuota& q = quotas_[slot];
  if (q.cohort < 0) return gpus <= q.nominal_gpus ? QuotaVerdict::kAdmit : QuotaVerdict::kOverQuota;
  if (gpus > add_sat(q.nominal_gpus, q.borrowing_limit_gpus)) return QuotaVerdict::kOverQuota;
  // Every other member idle counts at what it withholds.
  const Cohort& c = cohorts_[static_cast<std::size_t>(q.cohort)];
  const std::uint64_t others = c.withheld - withheld(slot);
  return add_sat(others, counted(slot, gpus)) <= c.nominal ? QuotaVerdict::kAdmit : QuotaVerdict::kCohortExhausted;
}

void QuotaBook::take(std::uint32_t slot, std::uint64_t gpus) {
  const TenantQuota& q = quotas_[slot];
  if (q.cohort >= 0) {
    Cohort& c = cohorts_[static_cast<std::size_t>(q.cohort)];
    c.counted = c.counted - counted(slot, usage_[slot]) + counted(slot, usage_[slot] + gpus);
  }
  usage_[slot] += gpus;
}

void QuotaBook::give(std::uint32_t slot, std::uint64_t gpus) {
  GPUFLEET_CHECK(usage_[slot] >= gpus, "a tenant gives back only GPUs it holds");
  const TenantQuota& q = quotas_[slot];
  if (q.cohort >= 0) {
    Cohort& c = cohorts_[static_cast<std::size_t>(q.cohort)];
    c.counted = c.counted - counted(slot, usage_[slot]) + counted(slot, usage_[slot] - gpus);
  }
  usage_[slot] -= gpus;
}

}  // namespace gpufleet
