// Free GPUs per node of one cluster, indexed for fast placement.
//
// A cluster has `node_count` identical nodes of `gpus_per_node` GPUs, grouped in
// racks of `rack_nodes` consecutive nodes (the last rack may be smaller). For
// each free level k in [0, gpus_per_node] the pool keeps the set of nodes with
// exactly k free GPUs as a two-level bitmap, so "lowest-index node with at least
// r free GPUs" costs O(levels * node_count / 4096) word scans, not a node scan.
#pragma once

#include <cstdint>
#include <vector>

#include "gpufleet/job.hpp"

namespace gpufleet {

// Bit set over [0, n) with a summary word per 64 words: find-next in few scans.
class NodeBitset {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  explicit NodeBitset(std::uint32_t n = 0);
  void set(std::uint32_t i);
  void reset(std::uint32_t i);
  bool test(std::uint32_t i) const { return (words_[i >> 6] >> (i & 63)) & 1u; }
  // Smallest member >= from, or kNone.
  std::uint32_t find_next(std::uint32_t from) const;
  std::uint32_t find_first() const { return find_next(0); }

 private:
  std::uint32_t n_;
  std::vector<std::uint64_t> words_;
  std::vector<std::uint64_t> summary_;  // bit w set <=> words_[w] != 0
};

class NodePool {
 public:
  static constexpr std::uint32_t kNone = NodeBitset::kNone;
  // The first `online` nodes start online and fully free (all of them by
  // default); the others are offline until bring_online().
  NodePool(std::uint32_t node_count, std::uint32_t gpus_per_node, std::uint32_t rack_nodes);
  NodePool(std::uint32_t node_count, std::uint32_t gpus_per_node, std::uint32_t rack_nodes, std::uint32_t online);
  // A pool from explicit free counts (for tests and snapshots).
  NodePool(const std::vector<std::uint32_t>& free_per_node, std::uint32_t gpus_per_node, std::uint32_t rack_nodes);

  std::uint32_t node_count() const { return static_cast<std::uint32_t>(free_.size()); }
  std::uint32_t gpus_per_node() const { return gpus_per_node_; }
  std::uint32_t rack_nodes() const { return rack_nodes_; }
  std::uint32_t rack_count() const { return static_cast<std::uint32_t>(rack_whole_free_.size()); }
  std::uint32_t rack_of(std::uint32_t node) const { return node / rack_nodes_; }
  // GPUs of the online nodes (offline nodes have no free GPUs and are never placed on).
  std::uint64_t capacity_gpus() const { return std::uint64_t{online_} * gpus_per_node_; }
  std::uint32_t online_nodes() const { return online_; }
  // The next `count` offline nodes (in index order) come online, fully free.
  void bring_online(std::uint32_t count);
  // Failures (docs/failures.md): an online node goes down (it must be fully free: its jobs were
  // taken off first) and later comes back up, fully free. A down node is online (it counts in
  // capacity_gpus) but has no free GPUs and is never placed on.
  void take_down(std::uint32_t node);
  void bring_up(std::uint32_t node);
  bool is_down(std::uint32_t node) const { return !down_.empty() && down_[node]; }
  std::uint32_t down_nodes() const { return down_count_; }
  // GPUs of the online nodes that are up: free + held.
  std::uint64_t up_gpus() const { return capacity_gpus() - std::uint64_t{down_count_} * gpus_per_node_; }
  std::uint64_t free_gpus() const { return free_total_; }
  std::uint32_t free(std::uint32_t node) const { return free_[node]; }
  // Number of nodes with exactly k free GPUs.
  std::uint32_t nodes_with_free(std::uint32_t k) const { return hist_[k]; }
  const std::vector<std::uint32_t>& free_histogram() const { return hist_; }
  // Lowest-index node >= from with exactly k free GPUs, or kNone.
  std::uint32_t next_with_free(std::uint32_t k, std::uint32_t from) const { return levels_[k].find_next(from); }
  // Lowest-index node >= from with at least r free GPUs (r >= 1), or kNone.
  std::uint32_t next_with_at_least(std::uint32_t r, std::uint32_t from) const;
  std::uint32_t whole_free_in_rack(std::uint32_t rack) const { return rack_whole_free_[rack]; }

  // Gang shape of a g-GPU job: q = g / G whole nodes plus, when r = g % G > 0,
  // r GPUs on one more node (which may be shared with other jobs).
  struct Shape {
    std::uint32_t whole_nodes;
    std::uint32_t remainder;
  };
  Shape shape(std::uint32_t gpus) const { return {gpus / gpus_per_node_, gpus % gpus_per_node_}; }
  // True when a free-level histogram (nodes per free level) admits a g-GPU gang.
  static bool histogram_fits(const std::vector<std::uint32_t>& hist, std::uint32_t gpus_per_node, std::uint32_t gpus);
  bool fits_now(std::uint32_t gpus) const { return histogram_fits(hist_, gpus_per_node_, gpus); }

  // Take or give back GPUs. Programming errors (over-allocation, over-release)
  // throw InternalError.
  void allocate(const std::vector<NodeSlice>& slices);
  void release(const std::vector<NodeSlice>& slices);

 private:
  void move_node(std::uint32_t node, std::uint32_t new_free);
  std::uint32_t gpus_per_node_;
  std::uint32_t rack_nodes_;
  std::vector<std::uint32_t> free_;
  std::vector<NodeBitset> levels_;
  std::vector<std::uint32_t> hist_;
  std::vector<std::uint32_t> rack_whole_free_;
  std::uint64_t free_total_ = 0;
  std::uint32_t online_ = 0;
  std::vector<bool> down_;  // by node; empty until the first failure
  std::uint32_t down_count_ = 0;
};

}  // namespace gpufleet
