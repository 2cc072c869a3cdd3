// Random variates for synthetic workloads, drawn from an explicit Rng.
#pragma once

#include <string>
#include <vector>

#include "core/rng.hpp"

namespace gpufleet {

struct Distribution {
  enum class Kind { kFixed, kUniform, kExponential, kLognormal, kDiscrete };
  Kind kind = Kind::kFixed;
  double value = 0;  // fixed
  double min = 0;    // uniform (inclusive bounds; integers when drawing GPU counts)
  double max = 0;
  double mean = 0;                 // exponential
  double median = 0;               // lognormal: exp(mu) = median
  double sigma = 0;                // lognormal shape
  std::vector<double> values;      // discrete
  std::vector<double> cumulative;  // discrete: running sums of the weights, last = total
  bool integer = false;            // draw integers (uniform: inclusive integer range)

  double sample(Rng& rng) const;
  // The distribution's mean (discrete: weighted by the weights).
  double mean_value() const;
};

}  // namespace gpufleet
