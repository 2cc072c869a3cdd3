// Failures, repairs and spares as the scenario gives them (docs/failures.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workload/distribution.hpp"

namespace gpufleet {

// One class of node failure (GPU, HBM, network, host, software, ...): its share of failures and
// how a node that failed with it recovers, automatically (a reboot: no technician) with
// probability auto_share, else by a manual repair (a technician's work).
struct FailureClassSpec {
  std::string id;
  double share = 0;  // of all failures; the shares of a model's classes sum to 1
  double auto_share = 0;
  Distribution auto_s;    // seconds to recover automatically
  Distribution manual_s;  // seconds of a technician's repair
};

// A GPU model's failure process: each node fails after a time drawn afresh whenever it comes (back)
// up, Weibull with the given shape (1: exponential) and the mean that gives rate_per_gpu_hour
// failures per GPU-hour of up time (mean = 1 / (rate × GPUs per node) hours).
// Systematic failures: a share of nodes are bad, failing `factor` times as often, until they have
// failed `found_after` times and are replaced by good ones.
struct SystematicFailures {
  double node_share = 0;
  double factor = 1;
  std::uint32_t found_after = 1;
};

struct FailureSpec {
  double rate_per_gpu_hour = 0;  // 0: the model never fails
  double weibull_shape = 1;
  std::vector<FailureClassSpec> classes;
  double domain_share = 0;  // of failures: those that take down the node's whole rack (NVLink domain)
  std::optional<SystematicFailures> systematic;
  bool enabled() const { return rate_per_gpu_hour > 0; }
};

// A cluster's repair capacity and warm spares. A manual repair waits for one of `technicians`
// (none: as many as needed); a ready spare node replaces a failed node after swap_s; a recovered
// node refills the spare pool (or goes back to its own place, if no spare took it).
struct RepairSpec {
  std::optional<std::uint32_t> technicians;
  std::uint32_t spare_nodes = 0;
  double swap_s = 0;
};

// A failure given as a fact (a failure log, or a hand-made case): node `node` of the cluster fails
// at `at_s` with class `cls` (an index into the model's classes) and recovers automatically or by
// a manual repair of `duration_s`. It is skipped if the node is not up then (offline or down).
struct TracedFailure {
  std::uint32_t node = 0;
  double at_s = 0;
  std::uint32_t cls = 0;
  bool automatic = false;
  double duration_s = 0;
};

}  // namespace gpufleet
