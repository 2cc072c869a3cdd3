#include "gpufleet/node_pool.hpp"

#include <algorithm>
#include <bit>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

NodeBitset::NodeBitset(std::uint32_t n) : n_(n), words_((n + 63) / 64, 0), summary_((words_.size() + 63) / 64, 0) {}

void NodeBitset::set(std::uint32_t i) {
  const std::uint32_t w = i >> 6;
  words_[w] |= std::uint64_t{1} << (i & 63);
  summary_[w >> 6] |= std::uint64_t{1} << (w & 63);
}

void NodeBitset::reset(std::uint32_t i) {
  const std::uint32_t w = i >> 6;
  words_[w] &= ~(std::uint64_t{1} << (i & 63));
  if (words_[w] == 0) summary_[w >> 6] &= ~(std::uint64_t{1} << (w & 63));
}

std::uint32_t NodeBitset::find_next(std::uint32_t from) const {
  if (from >= n_) return kNone;
  std::uint32_t w = from >> 6;
  const std::uint64_t first = words_[w] & (~std::uint64_t{0} << (from & 63));
  if (first) return (w << 6) + static_cast<std::uint32_t>(std::countr_zero(first));
  ++w;
  std::uint32_t s = w >> 6;
  if (s >= summary_.size()) return kNone;
  std::uint64_t sum = (w & 63) ? summary_[s] & (~std::uint64_t{0} << (w & 63)) : summary_[s];
  while (true) {
    if (sum) {
      const std::uint32_t word = (s << 6) + static_cast<std::uint32_t>(std::countr_zero(sum));
      return (word << 6) + static_cast<std::uint32_t>(std::countr_zero(words_[word]));
    }
    if (++s >= summary_.size()) return kNone;
    sum = summary_[s];
  }
}

NodePool::NodePool(std::uint32_t node_count, std::uint32_t gpus_per_node, std::uint32_t rack_nodes)
    : NodePool(std::vector<std::uint32_t>(node_count, gpus_per_node), gpus_per_node, rack_nodes) {}

NodePool::NodePool(std::uint32_t node_count, std::uint32_t gpus_per_node, std::uint32_t rack_nodes,
                   std::uint32_t online)
    : NodePool(std::vector<std::uint32_t>(node_count, 0), gpus_per_node, rack_nodes) {
  online_ = 0;
  bring_online(std::min(online, node_count));
}

void NodePool::bring_online(std::uint32_t count) {
  GPUFLEET_CHECK(std::uint64_t{online_} + count <= free_.size(), "no more nodes come online than the cluster has");
  for (std::uint32_t i = 0; i < count; ++i) {
    GPUFLEET_CHECK(free_[online_] == 0, "an offline node has no free GPUs");
    move_node(online_, gpus_per_node_);
    free_total_ += gpus_per_node_;
    ++online_;
  }
}

void NodePool::take_down(std::uint32_t node) {
  GPUFLEET_CHECK(node < online_ && !is_down(node), "a node that goes down is online and up");
  GPUFLEET_CHECK(free_[node] == gpus_per_node_, "a node goes down with no job on it (its jobs were taken off)");
  if (down_.empty()) down_.assign(free_.size(), false);
  move_node(node, 0);
  free_total_ -= gpus_per_node_;
  down_[node] = true;
  ++down_count_;
}

void NodePool::bring_up(std::uint32_t node) {
  GPUFLEET_CHECK(node < online_ && is_down(node) && free_[node] == 0, "a node that comes back up was down");
  move_node(node, gpus_per_node_);
  free_total_ += gpus_per_node_;
  down_[node] = false;
  --down_count_;
}

NodePool::NodePool(const std::vector<std::uint32_t>& free_per_node, std::uint32_t gpus_per_node,
                   std::uint32_t rack_nodes)
    : gpus_per_node_(gpus_per_node),
      rack_nodes_(rack_nodes == 0 ? std::max<std::uint32_t>(1, static_cast<std::uint32_t>(free_per_node.size()))
                                  : rack_nodes),
      free_(free_per_node),
      levels_(gpus_per_node + 1, NodeBitset(static_cast<std::uint32_t>(free_per_node.size()))),
      hist_(gpus_per_node + 1, 0),
      rack_whole_free_((free_per_node.size() + rack_nodes_ - 1) / rack_nodes_, 0),
      online_(static_cast<std::uint32_t>(free_per_node.size())) {
  GPUFLEET_CHECK(gpus_per_node >= 1, "a node has at least one GPU");
  for (std::uint32_t n = 0; n < free_.size(); ++n) {
    GPUFLEET_CHECK(free_[n] <= gpus_per_node, "free GPUs of a node within its size");
    levels_[free_[n]].set(n);
    ++hist_[free_[n]];
    free_total_ += free_[n];
    if (free_[n] == gpus_per_node) ++rack_whole_free_[rack_of(n)];
  }
}

std::uint32_t NodePool::next_with_at_least(std::uint32_t r, std::uint32_t from) const {
  std::uint32_t best = kNone;
  for (std::uint32_t k = std::max<std::uint32_t>(r, 1); k <= gpus_per_node_; ++k) {
    if (hist_[k] == 0) continue;
    best = std::min(best, levels_[k].find_next(from));
  }
  return best;
}

bool NodePool::histogram_fits(const std::vector<std::uint32_t>& hist, std::uint32_t gpus_per_node, std::uint32_t gpus) {
  if (gpus == 0) return true;
  const std::uint32_t q = gpus / gpus_per_node;
  const std::uint32_t r = gpus % gpus_per_node;
  const std::uint32_t whole = hist[gpus_per_node];
  if (whole < q) return false;
  if (r == 0) return true;
  if (whole > q) return true;
  for (std::uint32_t k = r; k < gpus_per_node; ++k)
    if (hist[k] > 0) return true;
  return false;
}

void NodePool::move_node(std::uint32_t node, std::uint32_t new_free) {
  const std::uint32_t old = free_[node];
  levels_[old].reset(node);
  --hist_[old];
  levels_[new_free].set(node);
  ++hist_[new_free];
  if (old == gpus_per_node_) --rack_whole_free_[rack_of(node)];
  if (new_free == gpus_per_node_) ++rack_whole_free_[rack_of(node)];
  free_[node] = new_free;
}

void NodePool::allocate(const std::vector<NodeSlice>& slices) {
  for (const auto& s : slices) {
    GPUFLEET_CHECK(s.node < free_.size() && s.gpus >= 1 && s.gpus <= free_[s.node], "no GPU is allocated twice");
    move_node(s.node, free_[s.node] - s.gpus);
    free_total_ -= s.gpus;
  }
}

void NodePool::release(const std::vector<NodeSlice>& slices) {
  for (const auto& s : slices) {
    GPUFLEET_CHECK(s.node < free_.size() && free_[s.node] + s.gpus <= gpus_per_node_ && !is_down(s.node),
                   "released GPUs were allocated (and their node is up)");
    move_node(s.node, free_[s.node] + s.gpus);
    free_total_ += s.gpus;
  }
}

}  // namespace gpufleet
