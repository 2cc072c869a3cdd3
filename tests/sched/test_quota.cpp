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

TEST_CASE("headroom is the largest g that check admits, at every usage of a small cohort", "[sched][quota]") {
  // Three members of one cohort with assorted limits, and one tenant alone; every usage vector in a
  // small range, every slot: headroom(slot) == max{g : check(slot, g) admits} (searched by brute force).
  const std::vector<TenantQuota> quotas = {
      {0, 5, 3, 2, 0}, {1, 3, kUnlimitedGpus, 0, 0}, {2, 0, kUnlimitedGpus, kUnlimitedGpus, 0}, {3, 4, 0, 0, -1}};
  std::uint64_t cases = 0;
  for (std::uint64_t u0 = 0; u0 <= 8; ++u0)
    for (std::uint64_t u1 = 0; u1 <= 3; ++u1)
      for (std::uint64_t u2 = 0; u2 <= 8; ++u2)
        for (std::uint64_t u3 = 0; u3 <= 4; ++u3) {
          QuotaBook q(quotas);
          const std::uint64_t use[] = {u0, u1, u2, u3};
          bool feasible = true;
          for (std::uint32_t s = 0; s < 4 && feasible; ++s) {
            if (use[s] == 0) continue;
            if (q.check(s, use[s]) != QuotaVerdict::kAdmit) feasible = false;  // not a state admission reaches
            else q.take(s, use[s]);
          }
          if (!feasible) continue;
          for (std::uint32_t s = 0; s < 4; ++s) {
            std::uint64_t best = 0;
            for (std::uint64_t g = 1; g <= 20; ++g)
              if (q.check(s, g) == QuotaVerdict::kAdmit) best = g;
            INFO("usage " << u0 << "," << u1 << "," << u2 << "," << u3 << " slot " << s);
            CHECK(q.headroom(s) == best);
            ++cases;
          }
        }
  CHECK(cases > 200);
}
