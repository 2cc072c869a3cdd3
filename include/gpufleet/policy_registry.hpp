// Policies by name: how a scenario's {"policy": NAME, "params": {...}} becomes an object.
//
// Built-ins are added by register_builtin_policies(), called explicitly (no
// static-constructor registration). Adding a name twice is a programming error
// (std::logic_error). A factory reads its parameters with an ObjectReader, so a
// wrong or unknown parameter is reported with its JSON Pointer like any other
// scenario error.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gpufleet/json_reader.hpp"
#include "gpufleet/policy.hpp"
#include "gpufleet/supply_policy.hpp"

namespace gpufleet {

enum class PolicyKind { kQueueOrder, kPlacement, kBackfill, kSupply };
std::string_view to_string(PolicyKind k);

struct PolicyParamInfo {
  std::string name;
  std::string type;           // "integer", "number", ...
  std::string default_value;  // as JSON text
  std::string description;
};

struct PolicyInfo {
  PolicyKind kind;
  std::string name;
  std::string description;
  std::vector<PolicyParamInfo> params;
};

class PolicyRegistry {
 public:
  // A factory reads its parameters from `params` (an object reader positioned at
  // the policy's "params" member, possibly empty) and returns the policy.
  template <class P>
  using Factory = std::function<std::unique_ptr<P>(detail::ObjectReader& params)>;

  void add_queue_order(PolicyInfo info, Factory<QueueOrder> make);
  void add_placement(PolicyInfo info, Factory<PlacementPolicy> make);
  void add_backfill(PolicyInfo info, Factory<BackfillPolicy> make);
  void add_supply(PolicyInfo info, Factory<SupplyAllocationPolicy> make);

  // Builds a policy from a scenario's policy object ({"policy": ..., "params": {...}})
  // found at `pointer`; reports errors to ctx and returns null on any error.
  std::unique_ptr<QueueOrder> make_queue_order(const nlohmann::json& spec, const std::string& pointer,
                                               const detail::ReadContext& ctx) const;
  std::unique_ptr<PlacementPolicy> make_placement(const nlohmann::json& spec, const std::string& pointer,
                                                  const detail::ReadContext& ctx) const;
  std::unique_ptr<BackfillPolicy> make_backfill(const nlohmann::json& spec, const std::string& pointer,
                                                const detail::ReadContext& ctx) const;
  std::unique_ptr<SupplyAllocationPolicy> make_supply(const nlohmann::json& spec, const std::string& pointer,
                                                      const detail::ReadContext& ctx) const;

  // All registered policies, by kind then name.
  std::vector<PolicyInfo> list() const;

 private:
  template <class P>
  struct Entry {
    PolicyInfo info;
    Factory<P> make;
  };
  template <class P>
  std::unique_ptr<P> make(const std::map<std::string, Entry<P>>& table, PolicyKind kind, const nlohmann::json& spec,
                          const std::string& pointer, const detail::ReadContext& ctx) const;
  void check_new(PolicyKind kind, const std::string& name) const;

  std::map<std::string, Entry<QueueOrder>> queue_orders_;
  std::map<std::string, Entry<PlacementPolicy>> placements_;
  std::map<std::string, Entry<BackfillPolicy>> backfills_;
  std::map<std::string, Entry<SupplyAllocationPolicy>> supplies_;
};

void register_builtin_policies(PolicyRegistry& registry);

// A registry holding the built-ins (built on first use).
const PolicyRegistry& builtin_policy_registry();

}  // namespace gpufleet
