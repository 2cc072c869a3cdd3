// What one command may cost, checked before the work starts: a scenario, trace or input file
// that would exceed a limit is refused with a message naming the limit and the --limit flag
// that raises it. Defaults are far above the national scenario (~1.1 M jobs, 32,500 nodes,
// 5 years, a 44 KB scenario) and below what exhausts a 24 GiB machine
// (docs/scenario-format.md, "Limits").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gpufleet {

struct ResourceLimits {
  double max_jobs = 20e6;             // jobs submitted: trace lines + expected synthetic arrivals
  double max_nodes = 2e6;             // nodes in all clusters (one SimGrid host each)
  double max_gpus = 50e6;             // GPUs in all clusters
  double max_horizon_days = 36'525;   // 100 years; also bounds simulated time without a horizon
  double max_timeseries_rows = 20e6;  // clusters x samples over the horizon
  double max_input_mib = 256;         // size of one JSON input file (scenario, patch, summary, ...)
  double max_trace_mib = 4096;        // bytes of one trace after decompression

  std::uint64_t max_input_bytes() const { return mib_to_bytes(max_input_mib); }
  std::uint64_t max_trace_bytes() const { return mib_to_bytes(max_trace_mib); }

 private:
  static std::uint64_t mib_to_bytes(double mib) {
    const double b = mib * 1024.0 * 1024.0;
    return b >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(b);
  }
};

// "NAME=VALUE" assignments (--limit) over the defaults; throws InputError naming bad ones.
ResourceLimits parse_limit_overrides(const std::vector<std::string>& assignments);

// The names --limit accepts, for help texts: "max_jobs, max_nodes, ...".
std::string limit_names();

}  // namespace gpufleet
