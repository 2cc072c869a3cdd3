#include <cmath>

#include "policies/builtin.hpp"

namespace gpufleet::policies {

void FairShareOrder::factors(const QueueContext& context, std::vector<double>& f) {
  const std::size_t n = context.tenant_weights.size();
  f.assign(n, 1.0);
  double total_usage = 0, total_weight = 0;
  for (std::size_t t = 0; t < n; ++t) {
    total_usage += context.state.tenant_usage(static_cast<std::uint32_t>(t), context.now).decayed_gpu_seconds;
    total_weight += context.tenant_weights[t];
  }
  if (!(total_usage > 0) || !(total_weight > 0)) return;  // nothing used yet: every factor 1
  for (std::size_t t = 0; t < n; ++t) {
    const double u =
        context.state.tenant_usage(static_cast<std::uint32_t>(t), context.now).decayed_gpu_seconds / total_usage;
    const double s = context.tenant_weights[t] / total_weight;  // > 0: the loader refuses weights <= 0
    f[t] = std::exp2(-u / s);
  }
}

void FairShareOrder::tenant_keys(const QueueContext& context, std::vector<double>& keys) const {
  factors(context, keys);
  for (double& k : keys) k = -k;
}

}  // namespace gpufleet::policies
