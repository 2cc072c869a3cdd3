// Deterministic random streams.
//
// One Rng per purpose (a workload's arrivals, its sizes, its durations...), each
// seeded from the scenario seed and a purpose label, so that adding a workload
// or drawing more from one stream never shifts another. Variates are derived
// from the raw 64-bit output with explicit formulas (no std::*_distribution,
// whose algorithms differ between standard libraries).
#pragma once

#include <cstdint>
#include <string_view>

namespace gpufleet {

class Rng {
 public:
  // xoshiro256** seeded through splitmix64 from (seed, stream label).
  Rng(std::uint64_t seed, std::string_view stream);

  std::uint64_t next_u64();
  // Uniform in [0, 1), 53 random bits.
  double uniform01();
  // Uniform in (0, 1]: safe to take the logarithm of.
  double uniform01_open_low();
  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n);
  double exponential(double mean);
  // Standard normal by Box-Muller (no cached second value: each call uses two uniforms).
  double normal();

 private:
  std::uint64_t s_[4];
};

// 64-bit FNV-1a of a label, used to derive per-purpose seeds.
std::uint64_t hash_label(std::string_view label);

}  // namespace gpufleet
