#include "gpufleet/policy_params.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gpufleet {

std::string_view to_string(ParamType t) {
  switch (t) {
    case ParamType::kInteger: return "integer";
    case ParamType::kNumber: return "number";
    case ParamType::kBoolean: return "boolean";
    case ParamType::kString: return "string";
  }
  return "?";
}

namespace {

std::string bound_text(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  return nlohmann::json(v == std::floor(v) && std::fabs(v) < 9e15 ? nlohmann::json(static_cast<std::int64_t>(v))
                                                                  : nlohmann::json(v))
      .dump();
}

}  // namespace

std::string ParamSpec::describe_type() const {
  switch (type) {
    case ParamType::kInteger:
    case ParamType::kNumber: {
      std::string t(to_string(type));
      const bool lo = !std::isinf(min), hi = !std::isinf(max);
      if (lo && hi) return fmt::format("{} in [{}, {}]", t, bound_text(min), bound_text(max));
      if (lo) return fmt::format("{} >= {}", t, bound_text(min));
      if (hi) return fmt::format("{} <= {}", t, bound_text(max));
      return t;
    }
    case ParamType::kBoolean: return "boolean";
    case ParamType::kString:
      if (choices.empty()) return "string";
      return fmt::format("one of {}", fmt::join(choices, ", "));
  }
  return "?";
}

std::string ParamSpec::default_text() const {
  return std::visit([](const auto& v) { return nlohmann::json(v).dump(); }, default_value);
}

ParamSpec integer_param(std::string name, std::int64_t default_value, std::int64_t min, std::int64_t max,
                        std::string description) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kInteger;
  p.default_value = default_value;
  p.min = static_cast<double>(min);
  p.max = static_cast<double>(max);
  p.description = std::move(description);
  return p;
}

ParamSpec number_param(std::string name, double default_value, double min, double max, std::string description) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kNumber;
  p.default_value = default_value;
  p.min = min;
  p.max = max;
  p.description = std::move(description);
  return p;
}

ParamSpec boolean_param(std::string name, bool default_value, std::string description) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kBoolean;
  p.default_value = default_value;
  p.description = std::move(description);
  return p;
}

ParamSpec string_param(std::string name, std::string default_value, std::vector<std::string> choices,
                       std::string description) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kString;
  p.default_value = std::move(default_value);
  p.choices = std::move(choices);
  p.description = std::move(description);
  return p;
}

const ParamValue& PolicyParams::at(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end())
    throw std::logic_error(fmt::format("policy parameter \"{}\" was not declared in the policy's PolicyInfo", name));
  return it->second;
}

namespace {
template <class T>
const T& typed(const ParamValue& v, std::string_view name, std::string_view type) {
  const T* p = std::get_if<T>(&v);
  if (!p) throw std::logic_error(fmt::format("policy parameter \"{}\" is not declared as {}", name, type));
  return *p;
}
}  // namespace

std::int64_t PolicyParams::integer(std::string_view name) const {
  return typed<std::int64_t>(at(name), name, "an integer");
}
double PolicyParams::number(std::string_view name) const { return typed<double>(at(name), name, "a number"); }
bool PolicyParams::boolean(std::string_view name) const { return typed<bool>(at(name), name, "a boolean"); }
const std::string& PolicyParams::string(std::string_view name) const {
  return typed<std::string>(at(name), name, "a string");
}

}  // namespace gpufleet
