// The random streams: the generator against its published algorithm, streams independent by
// label, uniform variates in range and without bias (distributions: tests/workload/).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../helpers.hpp"
#include "core/rng.hpp"

using namespace gpufleet;
using gpufleet::test::Moments;
using gpufleet::test::moments;

namespace {

// splitmix64 and xoshiro256** as published by Blackman and Vigna (prng.di.unimi.it), written
// again here from the papers' pseudo-code, so that the engine's streams are checked against the
// algorithm and not against themselves.
struct Reference {
  std::uint64_t s[4];
  explicit Reference(std::uint64_t x) {
    for (auto& v : s) {
      std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      v = z ^ (z >> 31);
    }
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

}  // namespace

TEST_CASE("stream labels hash with 64-bit FNV-1a", "[rng]") {
  CHECK(hash_label("") == 0xcbf29ce484222325ULL);  // the offset basis
  CHECK(hash_label("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(hash_label("workload/a/arrival") != hash_label("workload/a/gpus"));
}

TEST_CASE("Rng is xoshiro256** seeded by splitmix64 from seed ^ hash(label)", "[rng]") {
  // The first splitmix64 outputs from 0, as published: the seeding is the reference one.
  Reference zero(0);
  CHECK(zero.s[0] == 0xe220a8397b1dcdafULL);
  CHECK(zero.s[1] == 0x6e789e6aa1b965f4ULL);
  CHECK(zero.s[2] == 0x06c45d188009454fULL);
  CHECK(zero.s[3] == 0xf88bb8a8724c81ecULL);
  for (const std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2025}, std::uint64_t{1} << 53}) {
    for (const char* label : {"", "workload/pub-training/arrival", "rollout/supply"}) {
      INFO(seed << " " << label);
      Rng rng(seed, label);
      Reference ref(seed ^ hash_label(label));
      int differ = 0;
      for (int i = 0; i < 1000; ++i) differ += rng.next_u64() != ref.next();
      CHECK(differ == 0);
    }
  }
  Rng a(7, "x"), b(7, "x"), c(7, "y"), d(8, "x");
  std::size_t same_c = 0, same_d = 0;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t va = a.next_u64();
    CHECK(va == b.next_u64());
    same_c += va == c.next_u64();
    same_d += va == d.next_u64();
  }
  CHECK(same_c == 0);
  CHECK(same_d == 0);
}

TEST_CASE("uniform variates: ranges, and below(n) without bias", "[rng]") {
  Rng rng(42, "uniform");
  const Moments u = moments(400'000, [&] { return rng.uniform01(); });
  CHECK(u.min >= 0);
  CHECK(u.max < 1);
  CHECK(u.mean == Approx(0.5).margin(0.003));
  CHECK(u.var == Approx(1.0 / 12).margin(0.001));
  const Moments o = moments(400'000, [&] { return rng.uniform01_open_low(); });
  CHECK(o.min > 0);
  CHECK(o.max <= 1);
  // below(10): chi-square with 9 degrees of freedom; 27.88 is its 0.999 quantile.
  std::vector<double> count(10, 0);
  const int n = 200'000;
  std::uint64_t largest = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t k = rng.below(10);
    largest = std::max(largest, k);
    ++count[std::min<std::uint64_t>(k, 9)];
  }
  CHECK(largest == 9);
  double chi2 = 0;
  for (double c : count) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
  CHECK(chi2 < 27.88);
  CHECK(rng.below(1) == 0);
}
