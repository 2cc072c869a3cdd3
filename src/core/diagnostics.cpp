#include "gpufleet/diagnostics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace gpufleet {

std::string Diagnostic::to_string() const {
  if (location.empty()) return fmt::format("{}: {}", file, message);
  return fmt::format("{}: {}: {}", file, location, message);
}

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

// A boundary at or before `i` that does not split a UTF-8 character.
std::size_t char_boundary(std::string_view s, std::size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

// One line, at most about kMaxShown bytes: the head and the tail (where "found ..." is) kept.
std::string printable(const std::string& s) {
  constexpr std::size_t kHead = Diagnostics::kMaxShown * 2 / 3, kTail = Diagnostics::kMaxShown / 4;
  if (s.size() <= Diagnostics::kMaxShown) {
    std::string e = escaped(s);
    if (e.size() <= Diagnostics::kMaxShown) return e;
  }
  const std::string_view v(s);
  const std::size_t head = char_boundary(v, std::min(kHead, v.size()));
  std::size_t tail = v.size() > kTail ? v.size() - kTail : 0;
  while (tail < v.size() && (static_cast<unsigned char>(v[tail]) & 0xC0) == 0x80) ++tail;
  if (tail < head) tail = head;
  std::string h = escaped(v.substr(0, head)), t = escaped(v.substr(tail));
  if (h.size() > kHead) h.resize(kHead);  // escapes made it longer; may cut an escape, never a character
  if (t.size() > kTail) t = t.substr(t.size() - kTail);
  return fmt::format("{}[... {} bytes not shown ...]{}", h, tail - head, t);
}

}  // namespace

void Diagnostics::add(std::string file, std::string location, std::string message) {
  items_.push_back(Diagnostic{printable(file), printable(location), printable(message)});
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.to_string();
    out += '\n';
  }
  return out;
}

InputError::InputError(Diagnostics diags, std::string outcome)
    : std::runtime_error(diags.empty() ? std::string("invalid input") : diags.items().front().to_string()),
      diags_(std::move(diags)),
      outcome_(std::move(outcome)) {}

void internal_check_failed(const char* cond, const std::string& what, const char* file, int line) {
  throw InternalError(fmt::format("internal invariant violated: {} ({}) at {}:{}", what, cond, file, line));
}

}  // namespace gpufleet
