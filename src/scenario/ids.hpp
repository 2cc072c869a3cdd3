// Ids in scenarios: what an operator, site, cluster, workload, order, tenant ... may be called.
#pragma once

#include <string>

#include "core/json_reader.hpp"

namespace gpufleet::detail {

// 1-64 letters, digits, '-', '_' or '.' (so an id is safe in CSV, file names and JSON Pointers).
bool valid_id(const std::string& s);
// r's string `key`, with a located error if it is not a valid id or is "all" (the totals' name).
std::string read_id(ObjectReader& r, const std::string& key = "id");

}  // namespace gpufleet::detail
