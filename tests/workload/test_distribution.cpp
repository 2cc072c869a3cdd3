// Every distribution a workload can name, its sample moments against its formula.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../helpers.hpp"
#include "core/rng.hpp"
#include "workload/distribution.hpp"

using namespace gpufleet;
using gpufleet::test::Moments;
using gpufleet::test::moments;

TEST_CASE("every distribution's sample moments match its formula", "[rng][distribution]") {
  constexpr std::size_t n = 400'000;
  Rng rng(2025, "moments");
  SECTION("exponential: mean m, variance m^2") {
    Distribution d;
    d.kind = Distribution::Kind::kExponential;
    d.mean = 5;
    const Moments m = moments(n, [&] { return d.sample(rng); });
    CHECK(m.min > 0);
    CHECK(m.mean == Approx(5).epsilon(0.01));  // standard error 0.16 %
    CHECK(m.var == Approx(25).epsilon(0.03));
    CHECK(m.max <= 5 * 53 * std::log(2.0));  // 53-bit uniforms bound the tail
  }
  SECTION("lognormal: median exp(mu), mean exp(mu + sigma^2 / 2)") {
    Distribution d;
    d.kind = Distribution::Kind::kLognormal;
    d.median = 100;
    d.sigma = 0.5;
    std::vector<double> xs(n);
    for (auto& x : xs) x = d.sample(rng);
    std::nth_element(xs.begin(), xs.begin() + n / 2, xs.end());
    CHECK(xs[n / 2] == Approx(100).epsilon(0.01));
    double sum = 0;
    for (double x : xs) sum += x;
    CHECK(sum / n == Approx(100 * std::exp(0.125)).epsilon(0.01));
    CHECK(d.mean_value() == Approx(100 * std::exp(0.125)));
  }
  SECTION("normal (Box-Muller): mean 0, variance 1, symmetric") {
    const Moments m = moments(n, [&] { return rng.normal(); });
    CHECK(m.mean == Approx(0).margin(0.01));
    CHECK(m.var == Approx(1).epsilon(0.01));
    CHECK(std::fabs(m.max) <= std::sqrt(2 * 53 * std::log(2.0)));
  }
  SECTION("uniform, continuous and integer (inclusive)") {
    Distribution c;
    c.kind = Distribution::Kind::kUniform;
    c.min = 2;
    c.max = 4;
    const Moments m = moments(n, [&] { return c.sample(rng); });
    CHECK(m.min >= 2);
    CHECK(m.max < 4);
    CHECK(m.mean == Approx(3).margin(0.01));
    CHECK(m.var == Approx(4.0 / 12).epsilon(0.02));
    Distribution g = c;
    g.integer = true;
    g.min = 1;
    g.max = 4;
    std::vector<double> count(5, 0);
    std::size_t outside = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = g.sample(rng);
      if (x != std::floor(x) || x < 1 || x > 4) ++outside;
      else ++count[static_cast<std::size_t>(x)];
    }
    CHECK(outside == 0);
    for (int v = 1; v <= 4; ++v) CHECK(count[v] / n == Approx(0.25).margin(0.005));
  }
  SECTION("discrete: frequencies follow the weights") {
    Distribution d;
    d.kind = Distribution::Kind::kDiscrete;
    d.values = {8, 64, 512};
    d.cumulative = {6, 9, 10};  // weights 6, 3, 1
    std::size_t c8 = 0, c64 = 0, c512 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = d.sample(rng);
      c8 += x == 8;
      c64 += x == 64;
      c512 += x == 512;
    }
    CHECK(c8 + c64 + c512 == n);
    CHECK(static_cast<double>(c8) / n == Approx(0.6).margin(0.005));
    CHECK(static_cast<double>(c64) / n == Approx(0.3).margin(0.005));
    CHECK(static_cast<double>(c512) / n == Approx(0.1).margin(0.003));
    CHECK(d.mean_value() == Approx(0.6 * 8 + 0.3 * 64 + 0.1 * 512));
  }
  SECTION("fixed") {
    Distribution d;
    d.value = 3600;
    CHECK(d.sample(rng) == 3600);
    CHECK(d.mean_value() == 3600);
  }
}

TEST_CASE("distribution means (used to bound runs without a horizon)", "[inputs]") {
  Distribution d;
  d.kind = Distribution::Kind::kExponential;
  d.mean = 7;
  CHECK(d.mean_value() == 7);
  d.kind = Distribution::Kind::kLognormal;
  d.median = 100;
  d.sigma = 1;
  CHECK(d.mean_value() == Approx(100 * std::exp(0.5)));
  d.kind = Distribution::Kind::kDiscrete;
  d.values = {1, 10};
  d.cumulative = {3, 4};  // weights 3 and 1
  CHECK(d.mean_value() == Approx(13.0 / 4));
  d.kind = Distribution::Kind::kUniform;
  d.min = 2;
  d.max = 4;
  CHECK(d.mean_value() == 3);
}
