#include "core/resource_limits.hpp"

#include <cmath>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {
namespace {

std::vector<std::pair<const char*, double ResourceLimits::*>> table() {
  return {{"max_jobs", &ResourceLimits::max_jobs},
          {"max_nodes", &ResourceLimits::max_nodes},
          {"max_gpus", &ResourceLimits::max_gpus},
          {"max_horizon_days", &ResourceLimits::max_horizon_days},
          {"max_timeseries_rows", &ResourceLimits::max_timeseries_rows},
          {"max_input_mib", &ResourceLimits::max_input_mib},
          {"max_trace_mib", &ResourceLimits::max_trace_mib}};
}

}  // namespace

std::string limit_names() {
  std::string out;
  for (const auto& [name, member] : table()) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

ResourceLimits parse_limit_overrides(const std::vector<std::string>& assignments) {
  ResourceLimits lim;
  Diagnostics diags;
  for (const std::string& a : assignments) {
    const std::size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    double ResourceLimits::*target = nullptr;
    for (const auto& [n, member] : table())
      if (name == n) target = member;
    char* end = nullptr;
    const double v = eq == std::string::npos ? 0 : std::strtod(a.c_str() + eq + 1, &end);
    if (!target) diags.add("--limit", a, fmt::format("expected NAME=VALUE with NAME one of {}", limit_names()));
    else if (eq == std::string::npos || end == a.c_str() + eq + 1 || *end != '\0' || !(v > 0) || !std::isfinite(v))
      diags.add("--limit", a, "expected a positive number after '='");
    else lim.*target = v;
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  return lim;
}

}  // namespace gpufleet
