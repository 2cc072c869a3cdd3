// Reading distributions and the failure sections of a scenario (docs/scenario-format.md,
// "Distributions" and "Failures").
#pragma once

#include <map>
#include <string>

#include "core/json_reader.hpp"
#include "scenario/scenario.hpp"
#include "workload/distribution.hpp"

namespace gpufleet::detail {

// A distribution object at `pointer`; a GPU count allows only whole-number kinds and values.
Distribution read_distribution(const Json& v, const std::string& pointer, const ReadContext& ctx, bool gpu_count);

// A GPU model's "failures" object (at `pointer`).
FailureSpec read_failures(const Json& v, const std::string& pointer, const ReadContext& ctx);

// A cluster's "repair" object (at `pointer`).
RepairSpec read_repair(const Json& v, const std::string& pointer, const ReadContext& ctx);

// A cluster's "failure_trace" array (at `pointer`): `classes` are its GPU model's, `nodes` its size.
std::vector<TracedFailure> read_failure_trace(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                              const std::vector<FailureClassSpec>& classes, std::uint32_t nodes);

// The failure classes of Meta's Llama 3 405B training run (the default when a model's failures
// give none): docs/failures.md.
std::vector<FailureClassSpec> llama3_failure_classes();

}  // namespace gpufleet::detail
