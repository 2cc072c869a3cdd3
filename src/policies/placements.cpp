// Placement policies. All give multi-node gangs whole nodes plus one node for
// the remainder (see PlacementPolicy's contract); they differ in which nodes.
#include <algorithm>

#include <fmt/format.h>

#include "policies/builtin.hpp"

namespace gpufleet::policies {
namespace {

constexpr std::uint32_t kNone = NodePool::kNone;

Placement fits(std::vector<NodeSlice> slices) { return Placement{PlaceOutcome::kFits, std::move(slices), {}}; }

// The lowest-index whole-free nodes, `count` of them, or fewer if there are not enough.
std::vector<std::uint32_t> lowest_whole_nodes(const NodePool& pool, std::uint32_t count) {
  std::vector<std::uint32_t> out;
  out.reserve(count);
  const std::uint32_t G = pool.gpus_per_node();
  for (std::uint32_t n = pool.next_with_free(G, 0); n != kNone && out.size() < count; n = pool.next_with_free(G, n + 1))
    out.push_back(n);
  return out;
}

// Lowest-index node with exactly k free GPUs that is not in `taken` (sorted ascending).
std::uint32_t first_at_level_not_taken(const NodePool& pool, std::uint32_t k, const std::vector<std::uint32_t>& taken) {
  std::uint32_t n = pool.next_with_free(k, 0);
  auto it = taken.begin();
  while (n != kNone) {
    it = std::lower_bound(it, taken.end(), n);
    if (it == taken.end() || *it != n) return n;
    n = pool.next_with_free(k, n + 1);
  }
  return kNone;
}

std::vector<NodeSlice> whole_slices(const std::vector<std::uint32_t>& nodes, std::uint32_t G) {
  std::vector<NodeSlice> out;
  out.reserve(nodes.size() + 1);
  for (auto n : nodes) out.push_back(NodeSlice{n, G});
  return out;
}

// Remainder node: first fit (lowest index with >= r free) or best fit (fewest free >= r, then lowest index).
std::uint32_t remainder_node(const NodePool& pool, std::uint32_t r, const std::vector<std::uint32_t>& taken,
                             bool best) {
  const std::uint32_t G = pool.gpus_per_node();
  std::uint32_t chosen = kNone;
  for (std::uint32_t k = r; k <= G; ++k) {
    if (pool.nodes_with_free(k) == 0) continue;
    const std::uint32_t n = k == G ? first_at_level_not_taken(pool, k, taken) : pool.next_with_free(k, 0);
    if (n == kNone) continue;
    if (best) return n;
    chosen = std::min(chosen, n);
  }
  return chosen;
}

Placement place_lowest(const NodePool& pool, std::uint32_t gpus, bool best) {
  Placement verdict = never_or_not_now(pool, gpus);
  if (verdict.outcome == PlaceOutcome::kNever) return verdict;
  if (!pool.fits_now(gpus)) return verdict;
  const auto [q, r] = pool.shape(gpus);
  std::vector<std::uint32_t> whole = lowest_whole_nodes(pool, q);
  std::vector<NodeSlice> slices = whole_slices(whole, pool.gpus_per_node());
  if (r > 0) slices.push_back(NodeSlice{remainder_node(pool, r, whole, best), r});
  return fits(std::move(slices));
}

}  // namespace

Placement never_or_not_now(const NodePool& pool, std::uint32_t gpus) {
  if (gpus == 0) return Placement{PlaceOutcome::kNever, {}, "the job asks for no GPUs"};
  if (gpus > pool.capacity_gpus())
    return Placement{PlaceOutcome::kNever,
                     {},
                     fmt::format("the job asks for {} GPUs; the cluster has {}", gpus, pool.capacity_gpus())};
  return Placement{PlaceOutcome::kNotNow, {}, {}};
}

Placement FirstFit::place(const NodePool& pool, const Job& job) const { return place_lowest(pool, job.gpus, false); }

Placement BestFit::place(const NodePool& pool, const Job& job) const { return place_lowest(pool, job.gpus, true); }

// Pack: a multi-node gang goes to as few racks as possible (the rack with the
// fewest whole-free nodes that still holds it all; else racks with the most
// whole-free nodes first), lowest-index nodes within a rack; the remainder, and
// any job smaller than a node, goes best-fit.
Placement Pack::place(const NodePool& pool, const Job& job) const {
  const std::uint32_t gpus = job.gpus;
  Placement verdict = never_or_not_now(pool, gpus);
  if (verdict.outcome == PlaceOutcome::kNever) return verdict;
  if (!pool.fits_now(gpus)) return verdict;
  const auto [q, r] = pool.shape(gpus);
  const std::uint32_t G = pool.gpus_per_node();
  std::vector<std::uint32_t> whole;
  if (q > 0) {
    std::uint32_t best_rack = kNone;
    for (std::uint32_t k = 0; k < pool.rack_count(); ++k) {
      const std::uint32_t w = pool.whole_free_in_rack(k);
      if (w >= q && (best_rack == kNone || w < pool.whole_free_in_rack(best_rack))) best_rack = k;
    }
    std::vector<std::uint32_t> racks;
    if (best_rack != kNone) {
      racks.push_back(best_rack);
    } else {
      for (std::uint32_t k = 0; k < pool.rack_count(); ++k)
        if (pool.whole_free_in_rack(k) > 0) racks.push_back(k);
      std::stable_sort(racks.begin(), racks.end(), [&](std::uint32_t a, std::uint32_t b) {
        return pool.whole_free_in_rack(a) > pool.whole_free_in_rack(b);
      });
    }
    for (std::uint32_t rack : racks) {
      const std::uint32_t end = std::min(pool.node_count(), (rack + 1) * pool.rack_nodes());
      for (std::uint32_t n = pool.next_with_free(G, rack * pool.rack_nodes());
           n != kNone && n < end && whole.size() < q; n = pool.next_with_free(G, n + 1))
        whole.push_back(n);
      if (whole.size() == q) break;
    }
    std::sort(whole.begin(), whole.end());
  }
  std::vector<NodeSlice> slices = whole_slices(whole, G);
  if (r > 0) slices.push_back(NodeSlice{remainder_node(pool, r, whole, true), r});
  return fits(std::move(slices));
}

}  // namespace gpufleet::policies
