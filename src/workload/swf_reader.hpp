// Standard Workload Format (Parallel Workloads Archive, v2.2) traces, plain or gzip.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpufleet/diagnostics.hpp"
#include "workload/workload_spec.hpp"

namespace gpufleet {

// Reads every job line of an SWF file (18 whitespace-separated numeric fields;
// lines starting with ';' are header comments, blank lines are skipped).
// Errors (missing file, wrong field count, a field that is not a number, a
// negative submit time, no job at all) go to `diags` as "FILE: line N: ...";
// reading stops after 20 of them. Processor count is field 5 (allocated), or
// field 8 (requested) when field 5 is unknown; requested time is field 9, or
// the run time when `perfect_estimates` or when field 9 is unknown. Records
// come back sorted by submit time, file order kept among equal times.
//
// The file must be a regular file; reading stops with an error naming the limit as soon as it
// holds more than `max_records` job lines or `max_bytes` bytes once decompressed, and at the
// first NUL byte (a binary file), so no trace costs more than its limits.
struct SwfLimits {
  std::uint64_t max_records = UINT64_MAX;  // job lines this trace may hold (what max_jobs leaves)
  std::uint64_t max_bytes = UINT64_MAX;    // on disk and after decompression (max_trace_mib)
  double max_jobs_in_all = 0;              // the max_jobs limit itself, for the message
};
std::vector<TraceRecord> read_swf(const std::string& path, bool perfect_estimates, Diagnostics& diags,
                                  const SwfLimits& limits = {});

// The same for SWF text already in memory (uncompressed); `name` is used in messages.
std::vector<TraceRecord> parse_swf_text(std::string_view text, const std::string& name, bool perfect_estimates,
                                        Diagnostics& diags);

}  // namespace gpufleet
