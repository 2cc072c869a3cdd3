// Policies by name: how a scenario's {"policy": NAME, "params": {...}} becomes an object.
//
// A registry maps names to factories, one table per kind of policy. The built-ins are added by
// register_builtin_policies(), called explicitly (no static-constructor registration); a program
// with its own policies builds a registry, registers the built-ins and its own, and hands it to
// run_cli() (cli.hpp) or to the scenario loader. Adding a name twice, or declaring a parameter
// whose default does not satisfy its own declaration, is a programming error (std::logic_error).
//
// Contract of a factory: it receives its parameters already checked against the PolicyInfo's
// declarations (policy_params.hpp) and returns the policy, never null. It may throw
// std::invalid_argument for a combination of values the declarations cannot express; the
// registry reports the message at the policy's "params" pointer like any input error.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gpufleet/diagnostics.hpp"
#include "gpufleet/federation.hpp"
#include "gpufleet/policy.hpp"
#include "gpufleet/policy_params.hpp"
#include "gpufleet/supply_policy.hpp"

namespace gpufleet {

enum class PolicyKind { kQueueOrder, kPlacement, kBackfill, kSupply, kFederation };
// "queue", "placement", "backfill", "supply", "federation": the scenario's names for them.
std::string_view to_string(PolicyKind k);

struct PolicyInfo {
  PolicyKind kind = PolicyKind::kQueueOrder;  // set by the add_* call
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;  // every parameter it takes; none are allowed when empty
};

class PolicyRegistry {
 public:
  template <class P>
  using Factory = std::function<std::unique_ptr<P>(const PolicyParams& params)>;

  void add_queue_order(PolicyInfo info, Factory<QueueOrder> make);
  void add_placement(PolicyInfo info, Factory<PlacementPolicy> make);
  void add_backfill(PolicyInfo info, Factory<BackfillPolicy> make);
  void add_supply(PolicyInfo info, Factory<SupplyAllocationPolicy> make);
  void add_federation(PolicyInfo info, Factory<FederationPolicy> make);

  // Builds a policy from a scenario's policy object ({"policy": NAME, "params": {...}}) found in
  // `file` at JSON Pointer `pointer`. Every problem (not an object, an unknown name, a parameter
  // not declared, of the wrong type or out of range) is added to `diags` with its location;
  // returns null exactly when it added one.
  std::unique_ptr<QueueOrder> make_queue_order(const nlohmann::ordered_json& spec, const std::string& file,
                                               const std::string& pointer, Diagnostics& diags) const;
  std::unique_ptr<PlacementPolicy> make_placement(const nlohmann::ordered_json& spec, const std::string& file,
                                                  const std::string& pointer, Diagnostics& diags) const;
  std::unique_ptr<BackfillPolicy> make_backfill(const nlohmann::ordered_json& spec, const std::string& file,
                                                const std::string& pointer, Diagnostics& diags) const;
  std::unique_ptr<SupplyAllocationPolicy> make_supply(const nlohmann::ordered_json& spec, const std::string& file,
                                                      const std::string& pointer, Diagnostics& diags) const;
  std::unique_ptr<FederationPolicy> make_federation(const nlohmann::ordered_json& spec, const std::string& file,
                                                    const std::string& pointer, Diagnostics& diags) const;

  // All registered policies, by kind (queue, backfill, placement, supply, federation) then name.
  std::vector<PolicyInfo> list() const;
  // The registered policy of that kind and name, or null.
  const PolicyInfo* find(PolicyKind kind, std::string_view name) const;

 private:
  template <class P>
  struct Entry {
    PolicyInfo info;
    Factory<P> make;
  };
  template <class P>
  using Table = std::map<std::string, Entry<P>, std::less<>>;
  template <class P>
  void add(Table<P>& table, PolicyKind kind, PolicyInfo info, Factory<P> make);
  template <class P>
  std::unique_ptr<P> make(const Table<P>& table, PolicyKind kind, const nlohmann::ordered_json& spec,
                          const std::string& file, const std::string& pointer, Diagnostics& diags) const;
  bool known(PolicyKind kind, const std::string& name) const;

  Table<QueueOrder> queue_orders_;
  Table<PlacementPolicy> placements_;
  Table<BackfillPolicy> backfills_;
  Table<SupplyAllocationPolicy> supplies_;
  Table<FederationPolicy> federations_;
};

// Adds gpufleet's built-in policies (docs/policies.md lists them).
void register_builtin_policies(PolicyRegistry& registry);

// A registry holding the built-ins (built on first use).
const PolicyRegistry& builtin_policy_registry();

}  // namespace gpufleet
