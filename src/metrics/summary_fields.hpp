// JSON Pointers into summary.json for the code that reads a results folder back (compare, sweep,
// merge): named once, next to to_json(), which tests/metrics/test_summary.cpp checks them against.
// A key renamed in to_json() fails that test, not a comparison at run time.
#pragma once

#include <array>
#include <string_view>

namespace gpufleet::summary_fields {

inline constexpr std::string_view kRunComplete = "/run/complete";
inline constexpr std::string_view kScenarioStart = "/scenario/start";

// What compare and sweep tabulate when no --metric is given.
inline constexpr std::array<std::string_view, 6> kDefaultMetrics = {
    "/total/wait_s/mean", "/total/wait_s/p95",     "/total/bounded_slowdown/mean",
    "/total/utilisation", "/total/jobs/completed", "/total/gpu_hours"};
// ... and for scenarios with a rollout.
inline constexpr std::array<std::string_view, 5> kDefaultRolloutMetrics = {
    "/rollout/national/date_50pct_online", "/rollout/national/date_90pct_online", "/rollout/national/online_gpus",
    "/rollout/national/stranded_gpu_days", "/rollout/national/peak_facility_mw"};

// Sections diff and check leave out by default: what produced a result, not what it says.
inline constexpr std::array<std::string_view, 3> kNotCompared = {"/gpufleet_version", "/inputs", "/outputs"};

}  // namespace gpufleet::summary_fields
