// Summary statistics: quantiles, Student's t, confidence intervals.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/sha256.hpp"
#include "metrics/stats.hpp"
#include "metrics/summary.hpp"

using namespace gpufleet;

TEST_CASE("Student's t quantiles and confidence intervals", "[stats]") {
  CHECK(student_t_975(1) == Approx(12.7062).epsilon(1e-5));
  CHECK(student_t_975(4) == Approx(2.7764).epsilon(1e-5));
  CHECK(student_t_975(30) == Approx(2.0423).epsilon(1e-5));
  // Beyond the table, against exact values (R: qt(0.975, df)).
  CHECK(student_t_975(40) == Approx(2.021075).margin(1e-4));
  CHECK(student_t_975(120) == Approx(1.979930).margin(1e-4));
  CHECK(student_t_975(1000) == Approx(1.962339).margin(1e-4));
  const MeanCI c = mean_ci({1, 2, 3, 4, 5, NAN});
  CHECK(c.n == 5);
  CHECK(c.mean == 3);
  CHECK(c.sd == Approx(std::sqrt(2.5)));
  CHECK(c.half_width == Approx(2.7764 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-5));
  CHECK(std::isnan(mean_ci({4}).half_width));
}

TEST_CASE("quantiles are nearest-rank: the ceil(p n)-th smallest value", "[stats]") {
  std::vector<double> v = {7, 1, 3, 9, 5, 2, 8, 4, 10, 6};  // 1..10, shuffled
  const Quantiles q = quantiles(v);
  CHECK(q.n == 10);
  CHECK(q.mean == 5.5);
  CHECK(q.p50 == 5);   // ceil(0.5 * 10) = 5th
  CHECK(q.p95 == 10);  // ceil(9.5) = 10th
  CHECK(q.p99 == 10);
  CHECK(q.max == 10);
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  const Quantiles h = quantiles(hundred);
  CHECK(h.p50 == 50);
  CHECK(h.p95 == 95);
  CHECK(h.p99 == 99);
  std::vector<double> one = {4.5};
  const Quantiles o = quantiles(one);
  CHECK((o.p50 == 4.5 && o.p99 == 4.5 && o.max == 4.5 && o.n == 1));
  std::vector<double> none;
  const Quantiles e = quantiles(none);
  CHECK((e.n == 0 && e.mean == 0 && e.p50 == 0 && e.max == 0));  // empty: zeros, n = 0
}
