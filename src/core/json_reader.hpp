// Typed, location-aware reading of a JSON document into plain structs.
//
// ObjectReader wraps one JSON object at a JSON Pointer. Each accessor checks the
// type and range of a member, reports a Diagnostic (file, pointer, expected vs
// found) when it is wrong, and returns a fallback so that reading can go on and
// collect every problem. finish() reports members that no accessor asked for:
// unknown keys are errors, never ignored.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet::detail {

using Json = nlohmann::ordered_json;  // the one JSON type of the scenario path (key order kept)

std::string pointer_append(const std::string& pointer, const std::string& key);
std::string pointer_append(const std::string& pointer, std::size_t index);
// Short description of a value for "found ..." messages: `number -3`, `string "x"`, `an object`.
std::string describe(const Json& value);

struct ReadContext {
  std::string file;
  Diagnostics* diags;
  void error(const std::string& pointer, const std::string& message) const {
    diags->add(file, pointer.empty() ? std::string("/") : pointer, message);
  }
};

struct NumberRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  static NumberRange at_least(double v) { return {v, std::numeric_limits<double>::infinity(), false}; }
  static NumberRange above(double v) { return {v, std::numeric_limits<double>::infinity(), true}; }
  static NumberRange between(double lo, double hi) { return {lo, hi, false}; }
  std::string describe() const;
  bool contains(double v) const;
};

class ObjectReader {
 public:
  // `value` may be any JSON value; if it is not an object, one diagnostic is
  // reported and every accessor returns its fallback.
  ObjectReader(const Json& value, std::string pointer, const ReadContext& ctx);

  bool ok() const { return object_ != nullptr; }
  const std::string& pointer() const { return pointer_; }
  std::string member_pointer(const std::string& key) const { return pointer_append(pointer_, key); }
  const ReadContext& context() const { return ctx_; }
  bool has(const std::string& key);
  const Json* raw(const std::string& key);  // marks the key as known; null if absent

  std::string string(const std::string& key);  // required
  std::optional<std::string> opt_string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback) {
    auto v = opt_string(key);
    return v ? *v : fallback;
  }
  // One of `allowed` (required if no fallback).
  std::string choice(const std::string& key, const std::vector<std::string>& allowed,
                     std::optional<std::string> fallback = std::nullopt);

  double number(const std::string& key, NumberRange range = {});
  std::optional<double> opt_number(const std::string& key, NumberRange range = {});
  double number_or(const std::string& key, double fallback, NumberRange range = {}) {
    auto v = opt_number(key, range);
    return v ? *v : fallback;
  }
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> opt_integer(const std::string& key, std::int64_t min, std::int64_t max);
  std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
    auto v = opt_integer(key, min, max);
    return v ? *v : fallback;
  }
  bool boolean_or(const std::string& key, bool fallback);

  // Required/optional nested values; the returned pointer is null when absent or of the wrong type.
  const Json* object(const std::string& key, bool required);
  const Json* array(const std::string& key, bool required);

  // Reports members not asked for.
  void finish();

 private:
  void missing(const std::string& key);
  const Json* object_;
  std::string pointer_;
  ReadContext ctx_;
  std::set<std::string> seen_;
};

// Checks a value read from an array element or elsewhere.
std::optional<double> read_number(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                  NumberRange range = {});
std::optional<std::int64_t> read_integer(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                         std::int64_t min, std::int64_t max);
std::optional<std::string> read_string(const Json& v, const std::string& pointer, const ReadContext& ctx);

}  // namespace gpufleet::detail
