#include "workload/distribution.hpp"

#include <algorithm>
#include <cmath>

namespace gpufleet {

double Distribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed: return value;
    case Kind::kUniform:
      if (integer) {
        const auto lo = static_cast<std::int64_t>(min);
        const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(max) - lo + 1);
        return static_cast<double>(lo + static_cast<std::int64_t>(rng.below(span)));
      }
      return min + (max - min) * rng.uniform01();
    case Kind::kExponential: return rng.exponential(mean);
    case Kind::kLognormal: return median * std::exp(sigma * rng.normal());
    case Kind::kDiscrete: {
      const double u = rng.uniform01() * cumulative.back();
      const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
      const auto idx = std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), values.size() - 1);
      return values[idx];
    }
  }
  return 0;
}

double Distribution::mean_value() const {
  switch (kind) {
    case Kind::kFixed: return value;
    case Kind::kUniform: return (min + max) / 2;
    case Kind::kExponential: return mean;
    case Kind::kLognormal: return median * std::exp(sigma * sigma / 2);
    case Kind::kDiscrete: {
      double sum = 0, prev = 0;
      for (std::size_t i = 0; i < values.size() && i < cumulative.size(); ++i) {
        sum += values[i] * (cumulative[i] - prev);
        prev = cumulative[i];
      }
      return cumulative.empty() || cumulative.back() <= 0 ? 0 : sum / cumulative.back();
    }
  }
  return 0;
}

}  // namespace gpufleet
