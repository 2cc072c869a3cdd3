// A policy's parameters: declared once, checked by the registry, read by the factory.
//
// A policy declares each parameter it takes as a ParamSpec (name, type, default, range or
// allowed values, description) in its PolicyInfo. From that one declaration the registry checks
// a scenario's "params" object (unknown names, wrong types and values out of range are reported
// with their JSON Pointer, like any other scenario error), `gpufleet policies` lists them and the
// table in docs/policies.md is generated. The factory then receives the checked values, defaults
// filled in, as PolicyParams: it never sees JSON and cannot forget a check.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gpufleet {

enum class ParamType : std::uint8_t { kInteger, kNumber, kBoolean, kString };
std::string_view to_string(ParamType t);

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kNumber;
  ParamValue default_value;  // of `type` (the registry checks this when the policy is added)
  double min = -std::numeric_limits<double>::infinity();  // kInteger, kNumber: inclusive bounds
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // kString: the allowed values (empty: any string)
  std::string description;

  // The declaration's type and bounds as text, e.g. "integer in [0, 1000000000]" (for listings).
  std::string describe_type() const;
  // The default as JSON text, e.g. "0", "true", "\"fcfs\"".
  std::string default_text() const;
};

ParamSpec integer_param(std::string name, std::int64_t default_value, std::int64_t min, std::int64_t max,
                        std::string description);
ParamSpec number_param(std::string name, double default_value, double min, double max, std::string description);
ParamSpec boolean_param(std::string name, bool default_value, std::string description);
ParamSpec string_param(std::string name, std::string default_value, std::vector<std::string> choices,
                       std::string description);

// The checked values of one policy instance's parameters, every declared one present (given or
// default). Asking for a name that was not declared, or with the wrong type, is a programming
// error in the policy: std::logic_error.
class PolicyParams {
 public:
  PolicyParams() = default;
  explicit PolicyParams(std::map<std::string, ParamValue, std::less<>> values) : values_(std::move(values)) {}

  std::int64_t integer(std::string_view name) const;
  double number(std::string_view name) const;
  bool boolean(std::string_view name) const;
  const std::string& string(std::string_view name) const;

 private:
  const ParamValue& at(std::string_view name) const;
  std::map<std::string, ParamValue, std::less<>> values_;
};

}  // namespace gpufleet
