#include "gpufleet/diagnostics.hpp"

#include <fmt/format.h>

namespace gpufleet {

std::string Diagnostic::to_string() const {
  if (location.empty()) return fmt::format("{}: {}", file, message);
  return fmt::format("{}: {}: {}", file, location, message);
}

void Diagnostics::add(std::string file, std::string location, std::string message) {
  items_.push_back(Diagnostic{std::move(file), std::move(location), std::move(message)});
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.to_string();
    out += '\n';
  }
  return out;
}

InputError::InputError(Diagnostics diags)
    : std::runtime_error(diags.empty() ? std::string("invalid input") : diags.items().front().to_string()),
      diags_(std::move(diags)) {}

void internal_check_failed(const char* cond, const std::string& what, const char* file, int line) {
  throw InternalError(fmt::format("internal invariant violated: {} ({}) at {}:{}", what, cond, file, line));
}

}  // namespace gpufleet
