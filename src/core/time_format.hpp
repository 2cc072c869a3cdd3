// Calendar dates for a simulation whose clock is seconds since the scenario's start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace gpufleet {

// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) into seconds since 1970-01-01T00:00:00Z.
std::optional<std::int64_t> parse_utc(const std::string& text);
// Formats seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (fractions of a second are truncated).
std::string format_utc(double epoch_seconds);
// "YYYY-MM-DD".
std::string format_date(double epoch_seconds);

}  // namespace gpufleet
