#include "workload/thinning.hpp"

#include <string>

namespace gpufleet {

Thinner::Thinner(const WorkloadSpec& spec, std::uint64_t seed)
    : spec_(&spec), rng_(seed, "workload/" + spec.id + "/thinning"), max_factor_(spec.max_rate_factor()) {}

bool Thinner::keep(Seconds t, double online_share) {
  const auto& steps = spec_->rate_schedule;
  for (; cursor_ < steps.size() && steps[cursor_].from <= t; ++cursor_) factor_ = steps[cursor_].factor;
  double p = factor_ / max_factor_;
  if (spec_->follow_online) p *= online_share;
  const bool kept = rng_.uniform01() < p;  // one draw per candidate, kept or not
  if (kept) ++kept_;
  return kept;
}

}  // namespace gpufleet
