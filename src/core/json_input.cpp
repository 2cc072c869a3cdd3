#include "core/json_input.hpp"

#include <set>
#include <vector>

#include <fmt/format.h>

#include "core/input_file.hpp"
#include "core/json_reader.hpp"

namespace gpufleet {
namespace {

using OJson = nlohmann::ordered_json;

struct TooDeep {};

// Follows the parser's events to know where it is (for the pointer of a repeated key) and how
// deep; the parser itself keeps its own stack on the heap, so it never recurses.
class Guard {
 public:
  std::vector<std::string> duplicates;  // JSON Pointers of repeated keys

  bool operator()(int depth, nlohmann::detail::parse_event_t event, OJson& parsed) {
    using E = nlohmann::detail::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (depth >= kMaxJsonDepth) throw TooDeep{};
        element();
        frames_.push_back(Frame{event == E::object_start, {}, {}, -1});
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          duplicates.push_back(detail::pointer_append(pointer(frames_.size() - 1), f.key));
        break;
      }
      case E::value: element(); break;
      case E::object_end:
      case E::array_end: frames_.pop_back(); break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::string key;             // object: the member being read
    std::set<std::string> keys;  // object: the keys seen so far
    long long index;             // array: the element being read
  };
  void element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  // The pointer of the container frames_[n] (the path through frames 0..n-1).
  std::string pointer(std::size_t n) const {
    std::string p;
    for (std::size_t i = 0; i < n; ++i)
      p = frames_[i].object ? detail::pointer_append(p, frames_[i].key)
                            : detail::pointer_append(p, static_cast<std::size_t>(frames_[i].index));
    return p;
  }
  std::vector<Frame> frames_;
};

// The byte at which nesting first goes deeper than kMaxJsonDepth (a scan that skips strings).
std::size_t too_deep_at(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return text.size();
}

enum class Parsed { kOk, kNotJson, kBroken };

// kOk: `out` holds the document. kNotJson: a syntax error (`error` says where). kBroken: JSON
// that breaks the depth or duplicate-key rule (`problems` holds each, with its location).
Parsed parse(const std::string& text, OJson& out, std::string& error,
             std::vector<std::pair<std::string, std::string>>& problems) {
  Guard guard;
  try {
    out = OJson::parse(text, std::ref(guard));
  } catch (const TooDeep&) {
    problems.emplace_back(fmt::format("byte {}", too_deep_at(text)),
                          fmt::format("expected JSON nested at most {} levels deep (arrays and objects), found deeper "
                                      "nesting",
                                      kMaxJsonDepth));
    return Parsed::kBroken;
  } catch (const nlohmann::json::parse_error& e) {
    error = fmt::format("byte {}|expected valid JSON: {}", e.byte, e.what());
    return Parsed::kNotJson;
  } catch (const nlohmann::json::exception& e) {  // out_of_range: a number beyond double
    error = fmt::format("|expected valid JSON within the range of a double: {}", e.what());
    return Parsed::kNotJson;
  }
  for (const auto& d : guard.duplicates)
    problems.emplace_back(d, "expected each key once in an object (JSON names must be unique), found this key again");
  return problems.empty() ? Parsed::kOk : Parsed::kBroken;
}

}  // namespace

std::optional<OJson> parse_json_text(const std::string& text, const std::string& file, Diagnostics& diags) {
  OJson out;
  std::string error;
  std::vector<std::pair<std::string, std::string>> problems;
  switch (parse(text, out, error, problems)) {
    case Parsed::kOk: return out;
    case Parsed::kNotJson: {
      const auto bar = error.find('|');
      diags.add(file, error.substr(0, bar), error.substr(bar + 1));
      return std::nullopt;
    }
    case Parsed::kBroken:
      for (const auto& [where, what] : problems) diags.add(file, where, what);
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<OJson> read_json_file(const std::string& path, const std::string& what, std::uint64_t max_bytes,
                                    Diagnostics& diags) {
  const auto text = read_input_file(path, what, max_bytes, "max_input_mib", diags);
  if (!text) return std::nullopt;
  return parse_json_text(*text, path, diags);
}

std::optional<OJson> parse_cli_value(const std::string& text, const std::string& source, const std::string& where,
                                     Diagnostics& diags) {
  OJson out;
  std::string error;
  std::vector<std::pair<std::string, std::string>> problems;
  switch (parse(text, out, error, problems)) {
    case Parsed::kOk: return out;
    case Parsed::kNotJson: return OJson(text);  // not JSON: the text is a string value
    case Parsed::kBroken:
      for (const auto& [ptr, what] : problems)
        diags.add(source, where, ptr.empty() ? what : fmt::format("at {}: {}", ptr, what));
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace gpufleet
