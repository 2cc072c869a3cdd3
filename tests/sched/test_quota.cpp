// QuotaBook: nominal quotas, borrowing and lending limits in a cohort, checked against hand values.
#include <catch2/catch.hpp>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/quota.hpp"

using namespace gpufleet;

namespace {

// Cohort 0: tenant 0 (nominal 6, borrows without limit), tenant 1 (nominal 4, lends at most 1, so
// it withholds 3; may borrow 0). Tenant 2: nominal 2, in no cohort.
QuotaBook book() {
  TenantQuota a{0, 6, kUnlimitedGpus, kUnlimitedGpus, 0};
  TenantQuota b{1, 4, 0, 1, 0};
  TenantQuota c{2, 2, kUnlimitedGpus, kUnlimitedGpus, -1};
  return QuotaBook({a, b, c});
}

}  // namespace

TEST_CASE("a cohort lends what its members leave unused, less what lending limits withhold", "[sched][quota]") {
  QuotaBook q = book();
  REQUIRE(q.enabled());
  REQUIRE(q.cohort_capacity(0) == 10);
  const std::uint32_t a = q.slot(0), b = q.slot(1), c = q.slot(2);
  CHECK(q.slot(7) == QuotaBook::kNoSlot);
  // With everyone idle, tenant 0 may borrow all but the 3 GPUs tenant 1 withholds.
  CHECK(q.ever(a, 7) == QuotaVerdict::kAdmit);
  CHECK(q.ever(a, 8) == QuotaVerdict::kCohortExhausted);
  CHECK(q.ever(b, 4) == QuotaVerdict::kAdmit);
  CHECK(q.ever(b, 5) == QuotaVerdict::kOverQuota);  // borrowing limit 0
  CHECK(q.ever(c, 2) == QuotaVerdict::kAdmit);
  CHECK(q.ever(c, 3) == QuotaVerdict::kOverQuota);  // no cohort: nominal only

  q.take(a, 6);
  CHECK(!q.needs_borrow(a, 0));
  CHECK(q.needs_borrow(a, 1));
  CHECK(q.check(a, 1) == QuotaVerdict::kAdmit);  // 6 + 1 + 3 withheld = 10
  CHECK(q.check(a, 2) == QuotaVerdict::kCohortExhausted);
  q.take(a, 1);  // borrows tenant 1's one lendable GPU
  CHECK(q.usage(a) == 7);
  // Tenant 1 still has its withheld 3; its fourth GPU is lent out.
  CHECK(q.check(b, 3) == QuotaVerdict::kAdmit);
  CHECK(q.check(b, 4) == QuotaVerdict::kCohortExhausted);
  q.take(b, 3);
  CHECK(q.check(a, 1) == QuotaVerdict::kCohortExhausted);
  q.give(a, 1);
  CHECK(q.check(b, 1) == QuotaVerdict::kAdmit);
  CHECK(q.check(a, 1) == QuotaVerdict::kAdmit);
  // The tenant outside the cohort is untouched by all this.
  CHECK(q.check(c, 2) == QuotaVerdict::kAdmit);
  q.take(c, 2);
  CHECK(q.check(c, 1) == QuotaVerdict::kOverQuota);
  CHECK_THROWS_AS(q.give(c, 3), InternalError);
}

TEST_CASE("without quotas every job is admitted; a tenant twice is an internal error", "[sched][quota]") {
  QuotaBook none;
  CHECK(!none.enabled());
  CHECK(none.slot(0) == QuotaBook::kNoSlot);
  CHECK_THROWS_AS(QuotaBook({TenantQuota{0, 1}, TenantQuota{0, 2}}), InternalError);
}
