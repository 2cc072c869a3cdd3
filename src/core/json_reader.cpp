#include "core/json_reader.hpp"

#include <cmath>

#include <fmt/format.h>

namespace gpufleet::detail {

std::string pointer_append(const std::string& pointer, const std::string& key) {
  std::string out = pointer;
  out += '/';
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string pointer_append(const std::string& pointer, std::size_t index) {
  return fmt::format("{}/{}", pointer, index);
}

std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return fmt::format("boolean {}", v.get<bool>() ? "true" : "false");
    case Json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return fmt::format("string \"{}\"", s);
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return fmt::format("number {}", v.dump());
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    default: return "an unsupported value";
  }
}

std::string NumberRange::describe() const {
  const bool has_min = std::isfinite(min);
  const bool has_max = std::isfinite(max);
  if (has_min && has_max) return fmt::format("a number in {}{}, {}]", min_exclusive ? "(" : "[", min, max);
  if (has_min) return fmt::format("a number {} {}", min_exclusive ? ">" : ">=", min);
  if (has_max) return fmt::format("a number <= {}", max);
  return "a number";
}

bool NumberRange::contains(double v) const {
  if (std::isnan(v)) return false;
  if (min_exclusive ? !(v > min) : !(v >= min)) return false;
  return v <= max;
}

std::optional<double> read_number(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                  NumberRange range) {
  if (!v.is_number()) {
    ctx.error(pointer, fmt::format("expected {}, found {}", range.describe(), describe(v)));
    return std::nullopt;
  }
  double d = v.get<double>();
  if (!range.contains(d)) {
    ctx.error(pointer, fmt::format("expected {}, found {}", range.describe(), describe(v)));
    return std::nullopt;
  }
  return d;
}

std::optional<std::int64_t> read_integer(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                         std::int64_t min, std::int64_t max) {
  const std::string want = fmt::format("an integer in [{}, {}]", min, max);
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      ctx.error(pointer, fmt::format("expected {}, found {}", want, describe(v)));
      return std::nullopt;
    }
    std::int64_t i = v.get<std::int64_t>();
    if (i < min || i > max) {
      ctx.error(pointer, fmt::format("expected {}, found {}", want, describe(v)));
      return std::nullopt;
    }
    return i;
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(min) && d <= static_cast<double>(max))
      return static_cast<std::int64_t>(d);
  }
  ctx.error(pointer, fmt::format("expected {}, found {}", want, describe(v)));
  return std::nullopt;
}

std::optional<std::string> read_string(const Json& v, const std::string& pointer, const ReadContext& ctx) {
  if (!v.is_string()) {
    ctx.error(pointer, fmt::format("expected a string, found {}", describe(v)));
    return std::nullopt;
  }
  return v.get<std::string>();
}

ObjectReader::ObjectReader(const Json& value, std::string pointer, const ReadContext& ctx)
    : object_(value.is_object() ? &value : nullptr), pointer_(std::move(pointer)), ctx_(ctx) {
  if (!object_) ctx_.error(pointer_, fmt::format("expected an object, found {}", describe(value)));
}

bool ObjectReader::has(const std::string& key) { return object_ && object_->contains(key); }

const Json* ObjectReader::raw(const std::string& key) {
  seen_.insert(key);
  if (!object_) return nullptr;
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

void ObjectReader::missing(const std::string& key) {
  if (object_) ctx_.error(pointer_append(pointer_, key), "required key is missing");
}

std::string ObjectReader::string(const std::string& key) {
  const Json* v = raw(key);
  if (!v) {
    missing(key);
    return {};
  }
  return read_string(*v, member_pointer(key), ctx_).value_or(std::string());
}

std::optional<std::string> ObjectReader::opt_string(const std::string& key) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  return read_string(*v, member_pointer(key), ctx_);
}

std::string ObjectReader::choice(const std::string& key, const std::vector<std::string>& allowed,
                                 std::optional<std::string> fallback) {
  const Json* v = raw(key);
  if (!v) {
    if (fallback) return *fallback;
    missing(key);
    return {};
  }
  auto s = read_string(*v, member_pointer(key), ctx_);
  if (!s) return fallback.value_or(std::string());
  for (const auto& a : allowed)
    if (a == *s) return *s;
  ctx_.error(member_pointer(key),
             fmt::format("expected one of \"{}\", found {}", fmt::join(allowed, "\", \""), describe(*v)));
  return fallback.value_or(std::string());
}

double ObjectReader::number(const std::string& key, NumberRange range) {
  const Json* v = raw(key);
  if (!v) {
    missing(key);
    return std::isfinite(range.min) ? range.min : 0.0;
  }
  return read_number(*v, member_pointer(key), ctx_, range).value_or(std::isfinite(range.min) ? range.min : 0.0);
}

std::optional<double> ObjectReader::opt_number(const std::string& key, NumberRange range) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  return read_number(*v, member_pointer(key), ctx_, range);
}

std::int64_t ObjectReader::integer(const std::string& key, std::int64_t min, std::int64_t max) {
  const Json* v = raw(key);
  if (!v) {
    missing(key);
    return min;
  }
  return read_integer(*v, member_pointer(key), ctx_, min, max).value_or(min);
}

std::optional<std::int64_t> ObjectReader::opt_integer(const std::string& key, std::int64_t min, std::int64_t max) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  return read_integer(*v, member_pointer(key), ctx_, min, max);
}

bool ObjectReader::boolean_or(const std::string& key, bool fallback) {
  const Json* v = raw(key);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    ctx_.error(member_pointer(key), fmt::format("expected true or false, found {}", describe(*v)));
    return fallback;
  }
  return v->get<bool>();
}

const Json* ObjectReader::object(const std::string& key, bool required) {
  const Json* v = raw(key);
  if (!v) {
    if (required) missing(key);
    return nullptr;
  }
  if (!v->is_object()) {
    ctx_.error(member_pointer(key), fmt::format("expected an object, found {}", describe(*v)));
    return nullptr;
  }
  return v;
}

const Json* ObjectReader::array(const std::string& key, bool required) {
  const Json* v = raw(key);
  if (!v) {
    if (required) missing(key);
    return nullptr;
  }
  if (!v->is_array()) {
    ctx_.error(member_pointer(key), fmt::format("expected an array, found {}", describe(*v)));
    return nullptr;
  }
  return v;
}

void ObjectReader::finish() {
  if (!object_) return;
  for (const auto& [key, value] : object_->items()) {
    if (seen_.count(key)) continue;
    std::vector<std::string> known(seen_.begin(), seen_.end());
    ctx_.error(pointer_append(pointer_, key),
               fmt::format("unknown key \"{}\" (known keys here: {})", key, fmt::join(known, ", ")));
  }
}

}  // namespace gpufleet::detail
