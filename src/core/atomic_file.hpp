// Result files appear whole or not at all.
#pragma once

#include <string>
#include <string_view>

namespace gpufleet {

// Writes `content` to a temporary file in the same directory, flushes it to disk
// and renames it over `path`. On failure throws std::runtime_error naming the
// path and the system error; the temporary file is removed and `path` is left
// as it was.
void write_file_atomic(const std::string& path, std::string_view content);

}  // namespace gpufleet
