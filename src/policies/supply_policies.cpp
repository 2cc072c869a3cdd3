// Built-in supply allocation policies.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "gpufleet/supply_policy.hpp"
#include "policies/builtin.hpp"

namespace gpufleet {

std::vector<std::uint64_t> allocate_in_order(const std::vector<SupplyDemand>& demands, const SupplyBudget& budget,
                                             const std::vector<std::size_t>& order) {
  std::vector<std::uint64_t> out(demands.size(), 0);
  std::vector<double> stacks = budget.good_stacks;
  double packaging = budget.packaging_gpus;
  for (std::size_t i : order) {
    const SupplyDemand& d = demands[i];
    const double by_stacks = std::floor(stacks[d.generation] / d.stacks_per_gpu);
    const double n = std::min({static_cast<double>(d.outstanding_gpus), by_stacks, std::floor(packaging)});
    if (n <= 0) continue;
    out[i] = static_cast<std::uint64_t>(n);
    stacks[d.generation] -= n * d.stacks_per_gpu;
    packaging -= n;
  }
  return out;
}

namespace policies {
namespace {

std::vector<std::size_t> sorted_indices(const std::vector<SupplyDemand>& d,
                                        const std::function<bool(const SupplyDemand&, const SupplyDemand&)>& before) {
  std::vector<std::size_t> idx(d.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    if (before(d[a], d[b])) return true;
    if (before(d[b], d[a])) return false;
    return d[a].order < d[b].order;
  });
  return idx;
}

// Serves what `first` left over (of the budget and of each demand) by order date; returns the sum.
std::vector<std::uint64_t> then_by_order_date(const std::vector<SupplyDemand>& d, const SupplyBudget& b,
                                              std::vector<std::uint64_t> first) {
  SupplyBudget rest = b;
  std::vector<SupplyDemand> remaining = d;
  for (std::size_t i = 0; i < d.size(); ++i) {
    rest.good_stacks[d[i].generation] -= static_cast<double>(first[i]) * d[i].stacks_per_gpu;
    rest.packaging_gpus -= static_cast<double>(first[i]);
    remaining[i].outstanding_gpus -= first[i];
  }
  const auto second = allocate_in_order(
      remaining, rest,
      sorted_indices(d, [](const SupplyDemand& x, const SupplyDemand& y) { return x.ordered < y.ordered; }));
  for (std::size_t i = 0; i < d.size(); ++i) first[i] += second[i];
  return first;
}

}  // namespace

std::vector<std::uint64_t> FcfsOrders::allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const {
  return allocate_in_order(
      d, b, sorted_indices(d, [](const SupplyDemand& x, const SupplyDemand& y) { return x.ordered < y.ordered; }));
}

std::vector<std::uint64_t> PrioritySupply::allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const {
  return allocate_in_order(d, b, sorted_indices(d, [](const SupplyDemand& x, const SupplyDemand& y) {
                             return x.priority != y.priority ? x.priority > y.priority : x.ordered < y.ordered;
                           }));
}

std::vector<std::uint64_t> EarliestDueDate::allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const {
  return allocate_in_order(d, b, sorted_indices(d, [](const SupplyDemand& x, const SupplyDemand& y) {
                             return x.next_due != y.next_due ? x.next_due < y.next_due : x.ordered < y.ordered;
                           }));
}

// Site-ready first: orders whose site can take GPUs now are served first (most
// ready GPUs first), and each is served only up to what its site is ready for;
// what is left then goes to the others by order date.
std::vector<std::uint64_t> SiteReadyFirst::allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const {
  std::vector<SupplyDemand> capped = d;
  for (auto& x : capped) x.outstanding_gpus = std::min(x.outstanding_gpus, x.site_ready_gpus);
  auto first = allocate_in_order(capped, b, sorted_indices(d, [](const SupplyDemand& x, const SupplyDemand& y) {
                                   return x.site_ready_gpus != y.site_ready_gpus ? x.site_ready_gpus > y.site_ready_gpus
                                                                                 : x.ordered < y.ordered;
                                 }));
  return then_by_order_date(d, b, std::move(first));
}

// Pro rata: every demand gets the same fraction of its outstanding GPUs, the
// largest fraction the budget allows (per generation and for packaging);
// whole GPUs left by rounding go out by order date.
std::vector<std::uint64_t> ProRata::allocate(const std::vector<SupplyDemand>& d, const SupplyBudget& b) const {
  std::vector<double> stack_demand(b.good_stacks.size(), 0);
  double gpu_demand = 0;
  for (const auto& x : d) {
    stack_demand[x.generation] += static_cast<double>(x.outstanding_gpus) * x.stacks_per_gpu;
    gpu_demand += static_cast<double>(x.outstanding_gpus);
  }
  const double pack_frac = gpu_demand > 0 ? std::min(1.0, b.packaging_gpus / gpu_demand) : 1.0;
  std::vector<std::uint64_t> out(d.size(), 0);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto g = d[i].generation;
    const double stack_frac = stack_demand[g] > 0 ? std::min(1.0, b.good_stacks[g] / stack_demand[g]) : 1.0;
    out[i] = static_cast<std::uint64_t>(
        std::floor(static_cast<double>(d[i].outstanding_gpus) * std::min(stack_frac, pack_frac)));
  }
  return then_by_order_date(d, b, std::move(out));
}

}  // namespace policies
}  // namespace gpufleet
