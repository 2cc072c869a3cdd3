// Per-node scratch memory for one scheduling pass (a policy's "free GPUs at time t").
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gpufleet {

// Per-node scratch values for one scheduling pass, cleared in O(1): a value
// is present only if set since the last clear(). Lets a policy keep "free GPUs
// at time t" for the few nodes that differ from now without a hash map.
class NodeScratch {
 public:
  void clear(std::uint32_t node_count) {
    if (stamp_.size() != node_count) {
      stamp_.assign(node_count, 0);
      value_.assign(node_count, 0);
      epoch_ = 0;
    }
    if (++epoch_ == 0) {  // wrapped: really clear
      std::fill(stamp_.begin(), stamp_.end(), 0);
      epoch_ = 1;
    }
  }
  bool has(std::uint32_t node) const { return stamp_[node] == epoch_; }
  std::uint32_t get(std::uint32_t node) const { return value_[node]; }
  void set(std::uint32_t node, std::uint32_t v) {
    stamp_[node] = epoch_;
    value_[node] = v;
  }

 private:
  std::vector<std::uint32_t> stamp_, value_;
  std::uint32_t epoch_ = 0;
};

}  // namespace gpufleet
