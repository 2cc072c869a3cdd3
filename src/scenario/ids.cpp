#include "scenario/ids.hpp"

#include <cctype>

#include <fmt/format.h>

namespace gpufleet::detail {

bool valid_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

std::string read_id(ObjectReader& r, const std::string& key) {
  const std::string id = r.string(key);
  if (r.has(key) && r.raw(key)->is_string() && !valid_id(id))
    r.context().error(r.member_pointer(key),
                      fmt::format("expected an id of 1-64 letters, digits, '-', '_' or '.', found \"{}\"", id));
  else if (id == "all")
    r.context().error(r.member_pointer(key),
                      "expected an id other than \"all\", which names the totals in the "
                      "tables, rollout.csv and the report");
  return id;
}

}  // namespace gpufleet::detail
