#include "gpufleet/policy_registry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "core/json_reader.hpp"
#include "gpufleet/diagnostics.hpp"
#include "policies/builtin.hpp"

namespace gpufleet {

std::string_view to_string(PolicyKind k) {
  switch (k) {
    case PolicyKind::kQueueOrder: return "queue";
    case PolicyKind::kPlacement: return "placement";
    case PolicyKind::kBackfill: return "backfill";
    case PolicyKind::kSupply: return "supply";
    case PolicyKind::kFederation: return "federation";
  }
  return "?";
}

bool PolicyRegistry::known(PolicyKind kind, const std::string& name) const {
  switch (kind) {
    case PolicyKind::kQueueOrder: return queue_orders_.count(name) > 0;
    case PolicyKind::kPlacement: return placements_.count(name) > 0;
    case PolicyKind::kBackfill: return backfills_.count(name) > 0;
    case PolicyKind::kSupply: return supplies_.count(name) > 0;
    case PolicyKind::kFederation: return federations_.count(name) > 0;
  }
  return false;
}

namespace {

// A declaration that contradicts itself is the policy author's bug: refuse it when it is added.
void check_declaration(PolicyKind kind, const std::string& policy, const ParamSpec& p) {
  auto bad = [&](const std::string& why) {
    throw std::logic_error(fmt::format("{} policy \"{}\", parameter \"{}\": {}", to_string(kind), policy, p.name, why));
  };
  if (p.name.empty()) bad("a parameter needs a name");
  if (p.min > p.max) bad("min is above max");
  switch (p.type) {
    case ParamType::kInteger: {
      const auto* v = std::get_if<std::int64_t>(&p.default_value);
      if (!v) bad("the default is not an integer");
      if (static_cast<double>(*v) < p.min || static_cast<double>(*v) > p.max) bad("the default is out of range");
      break;
    }
    case ParamType::kNumber: {
      const auto* v = std::get_if<double>(&p.default_value);
      if (!v) bad("the default is not a number");
      if (!(*v >= p.min && *v <= p.max)) bad("the default is out of range");
      break;
    }
    case ParamType::kBoolean:
      if (!std::holds_alternative<bool>(p.default_value)) bad("the default is not a boolean");
      break;
    case ParamType::kString: {
      const auto* v = std::get_if<std::string>(&p.default_value);
      if (!v) bad("the default is not a string");
      if (!p.choices.empty() && std::find(p.choices.begin(), p.choices.end(), *v) == p.choices.end())
        bad("the default is not one of the choices");
      break;
    }
  }
}

std::int64_t integer_bound(double v) {
  // Bounds of a declaration are doubles; integers are read within the int64 range.
  if (v <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
  if (v >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(v);
}

// Reads every declared parameter from `r` (defaults for those absent); errors go to r's context.
PolicyParams read_params(const std::vector<ParamSpec>& specs, detail::ObjectReader& r) {
  std::map<std::string, ParamValue, std::less<>> values;
  for (const ParamSpec& p : specs) {
    switch (p.type) {
      case ParamType::kInteger:
        values[p.name] = r.integer_or(p.name, std::get<std::int64_t>(p.default_value), integer_bound(std::ceil(p.min)),
                                      integer_bound(std::floor(p.max)));
        break;
      case ParamType::kNumber:
        values[p.name] =
            r.number_or(p.name, std::get<double>(p.default_value), detail::NumberRange::between(p.min, p.max));
        break;
      case ParamType::kBoolean: values[p.name] = r.boolean_or(p.name, std::get<bool>(p.default_value)); break;
      case ParamType::kString:
        if (p.choices.empty()) values[p.name] = r.string_or(p.name, std::get<std::string>(p.default_value));
        else values[p.name] = r.choice(p.name, p.choices, std::get<std::string>(p.default_value));
        break;
    }
  }
  r.finish();  // a member that is not declared is an error
  return PolicyParams(std::move(values));
}

}  // namespace

template <class P>
void PolicyRegistry::add(Table<P>& table, PolicyKind kind, PolicyInfo info, Factory<P> make) {
  info.kind = kind;
  if (known(kind, info.name))
    throw std::logic_error(fmt::format("{} policy \"{}\" is registered twice", to_string(kind), info.name));
  if (!make) throw std::logic_error(fmt::format("{} policy \"{}\" has no factory", to_string(kind), info.name));
  for (std::size_t i = 0; i < info.params.size(); ++i) {
    check_declaration(kind, info.name, info.params[i]);
    for (std::size_t j = 0; j < i; ++j)
      if (info.params[j].name == info.params[i].name)
        throw std::logic_error(fmt::format("{} policy \"{}\" declares parameter \"{}\" twice", to_string(kind),
                                           info.name, info.params[i].name));
  }
  auto name = info.name;
  table.emplace(std::move(name), Entry<P>{std::move(info), std::move(make)});
}

void PolicyRegistry::add_queue_order(PolicyInfo info, Factory<QueueOrder> make) {
  add(queue_orders_, PolicyKind::kQueueOrder, std::move(info), std::move(make));
}
void PolicyRegistry::add_placement(PolicyInfo info, Factory<PlacementPolicy> make) {
  add(placements_, PolicyKind::kPlacement, std::move(info), std::move(make));
}
void PolicyRegistry::add_backfill(PolicyInfo info, Factory<BackfillPolicy> make) {
  add(backfills_, PolicyKind::kBackfill, std::move(info), std::move(make));
}
void PolicyRegistry::add_supply(PolicyInfo info, Factory<SupplyAllocationPolicy> make) {
  add(supplies_, PolicyKind::kSupply, std::move(info), std::move(make));
}
void PolicyRegistry::add_federation(PolicyInfo info, Factory<FederationPolicy> make) {
  add(federations_, PolicyKind::kFederation, std::move(info), std::move(make));
}

template <class P>
std::unique_ptr<P> PolicyRegistry::make(const Table<P>& table, PolicyKind kind, const nlohmann::ordered_json& spec,
                                        const std::string& file, const std::string& pointer, Diagnostics& diags) const {
  const detail::ReadContext ctx{file, &diags};
  const std::size_t errors_before = diags.size();
  detail::ObjectReader r(spec, pointer, ctx);
  const std::string name = r.string("policy");
  const nlohmann::ordered_json* params_json = r.object("params", false);
  r.finish();
  if (diags.size() != errors_before) return nullptr;  // not an object, no name, not a string
  auto it = table.find(name);                         // an empty name is just a name that is not registered
  if (it == table.end()) {
    std::vector<std::string> known_names;
    for (const auto& [k, v] : table) known_names.push_back(k);
    ctx.error(r.member_pointer("policy"), fmt::format("expected a {} policy (one of {}), found \"{}\"", to_string(kind),
                                                      fmt::join(known_names, ", "), name));
    return nullptr;
  }
  static const nlohmann::ordered_json kEmpty = nlohmann::ordered_json::object();
  detail::ObjectReader params_reader(params_json ? *params_json : kEmpty, r.member_pointer("params"), ctx);
  const PolicyParams params = read_params(it->second.info.params, params_reader);
  if (diags.size() != errors_before) return nullptr;
  std::unique_ptr<P> policy;
  try {
    policy = it->second.make(params);
  } catch (const std::invalid_argument& e) {
    ctx.error(r.member_pointer("params"), e.what());
    return nullptr;
  }
  // A factory either builds its policy or says why not: nothing else may reach the engine.
  GPUFLEET_CHECK(policy != nullptr,
                 fmt::format("the {} policy factory \"{}\" returned no policy", to_string(kind), name));
  return policy;
}

std::unique_ptr<QueueOrder> PolicyRegistry::make_queue_order(const nlohmann::ordered_json& spec,
                                                             const std::string& file, const std::string& pointer,
                                                             Diagnostics& diags) const {
  return make(queue_orders_, PolicyKind::kQueueOrder, spec, file, pointer, diags);
}
std::unique_ptr<PlacementPolicy> PolicyRegistry::make_placement(const nlohmann::ordered_json& spec,
                                                                const std::string& file, const std::string& pointer,
                                                                Diagnostics& diags) const {
  return make(placements_, PolicyKind::kPlacement, spec, file, pointer, diags);
}
std::unique_ptr<BackfillPolicy> PolicyRegistry::make_backfill(const nlohmann::ordered_json& spec,
                                                              const std::string& file, const std::string& pointer,
                                                              Diagnostics& diags) const {
  return make(backfills_, PolicyKind::kBackfill, spec, file, pointer, diags);
}
std::unique_ptr<SupplyAllocationPolicy> PolicyRegistry::make_supply(const nlohmann::ordered_json& spec,
                                                                    const std::string& file, const std::string& pointer,
                                                                    Diagnostics& diags) const {
  return make(supplies_, PolicyKind::kSupply, spec, file, pointer, diags);
}
std::unique_ptr<FederationPolicy> PolicyRegistry::make_federation(const nlohmann::ordered_json& spec,
                                                                  const std::string& file, const std::string& pointer,
                                                                  Diagnostics& diags) const {
  return make(federations_, PolicyKind::kFederation, spec, file, pointer, diags);
}

std::vector<PolicyInfo> PolicyRegistry::list() const {
  std::vector<PolicyInfo> out;
  for (const auto& [k, e] : queue_orders_) out.push_back(e.info);
  for (const auto& [k, e] : backfills_) out.push_back(e.info);
  for (const auto& [k, e] : placements_) out.push_back(e.info);
  for (const auto& [k, e] : supplies_) out.push_back(e.info);
  for (const auto& [k, e] : federations_) out.push_back(e.info);
  return out;
}

const PolicyInfo* PolicyRegistry::find(PolicyKind kind, std::string_view name) const {
  auto look = [&](const auto& table) -> const PolicyInfo* {
    auto it = table.find(name);
    return it == table.end() ? nullptr : &it->second.info;
  };
  switch (kind) {
    case PolicyKind::kQueueOrder: return look(queue_orders_);
    case PolicyKind::kPlacement: return look(placements_);
    case PolicyKind::kBackfill: return look(backfills_);
    case PolicyKind::kSupply: return look(supplies_);
    case PolicyKind::kFederation: return look(federations_);
  }
  return nullptr;
}

void register_builtin_supply_policies(PolicyRegistry& reg);
void register_builtin_federation_policies(PolicyRegistry& reg);

void register_builtin_policies(PolicyRegistry& reg) {
  using namespace policies;
  reg.add_queue_order(
      {PolicyKind::kQueueOrder, "fcfs", "first come, first served: by submit time, then arrival order", {}},
      [](const PolicyParams&) { return std::make_unique<FcfsOrder>(); });
  reg.add_queue_order(
      {PolicyKind::kQueueOrder, "sjf", "shortest job first: by requested walltime, then submit time", {}},
      [](const PolicyParams&) { return std::make_unique<SjfOrder>(); });
  reg.add_queue_order({PolicyKind::kQueueOrder,
                       "priority",
                       "highest job priority first (the workload's \"priority\"), then submit time",
                       {}},
                      [](const PolicyParams&) { return std::make_unique<PriorityOrder>(); });

  reg.add_queue_order(
      {PolicyKind::kQueueOrder,
       "fair_share",
       "Slurm's classic fair-share factor 2^(-U/S) per tenant (U: decayed usage share, S: weight share), "
       "recomputed every pass; highest first, each tenant's jobs by submit time",
       {number_param("half_life_days", 7, 0, 36'525,
                     "usage half-life in days (Slurm's PriorityDecayHalfLife, default 7 days); 0: no decay"),
        number_param("recompute_period_s", 0, 0, 31'536'000,
                     "recompute the order at most this often (Slurm's PriorityCalcPeriod is 300); 0: every pass")}},
      [](const PolicyParams& p) {
        return std::make_unique<FairShareOrder>(p.number("half_life_days") * 86'400.0, p.number("recompute_period_s"));
      });

  reg.add_backfill({PolicyKind::kBackfill, "none", "strict queue order: stop at the first job that does not fit", {}},
                   [](const PolicyParams&) { return std::make_unique<NoBackfill>(); });
  reg.add_backfill({PolicyKind::kBackfill,
                    "easy",
                    "EASY (Mu'alem & Feitelson 2001): reservation for the queue head at its shadow time; backfill "
                    "jobs that end by then or leave the head room at that time",
                    {}},
                   [](const PolicyParams&) { return std::make_unique<EasyBackfill>(); });
  reg.add_backfill(
      {PolicyKind::kBackfill,
       "conservative",
       "conservative backfilling: every queued job gets a reservation; start jobs whose reservation is now",
       {integer_param("max_reservations", 0, 0, 1'000'000'000,
                      "queued jobs (in queue order) given a reservation per pass; 0 = all")}},
      [](const PolicyParams& p) {
        return std::make_unique<ConservativeBackfill>(static_cast<std::uint64_t>(p.integer("max_reservations")));
      });

  reg.add_placement({PolicyKind::kPlacement,
                     "first_fit",
                     "lowest-index nodes: whole nodes for a multi-node gang, the lowest-index node with room for the "
                     "remainder",
                     {}},
                    [](const PolicyParams&) { return std::make_unique<FirstFit>(); });
  reg.add_placement({PolicyKind::kPlacement,
                     "best_fit",
                     "whole nodes for a gang; the remainder (or a small job) on the node with the fewest free GPUs "
                     "that still hold it",
                     {}},
                    [](const PolicyParams&) { return std::make_unique<BestFit>(); });
  reg.add_placement({PolicyKind::kPlacement,
                     "pack",
                     "fewest racks first: a gang's whole nodes in as few racks as possible, the remainder best-fit",
                     {}},
                    [](const PolicyParams&) { return std::make_unique<Pack>(); });
  register_builtin_supply_policies(reg);
  register_builtin_federation_policies(reg);
}

void register_builtin_supply_policies(PolicyRegistry& reg) {
  using namespace policies;
  reg.add_supply({PolicyKind::kSupply, "fcfs_orders", "orders served in order of their order date", {}},
                 [](const PolicyParams&) { return std::make_unique<FcfsOrders>(); });
  reg.add_supply(
      {PolicyKind::kSupply,
       "pro_rata",
       "every outstanding order gets the same share of its outstanding GPUs; rounding leftovers by order date",
       {}},
      [](const PolicyParams&) { return std::make_unique<ProRata>(); });
  reg.add_supply({PolicyKind::kSupply,
                  "priority",
                  "strict order priority (higher first, e.g. public sector), then order date",
                  {}},
                 [](const PolicyParams&) { return std::make_unique<PrioritySupply>(); });
  reg.add_supply(
      {PolicyKind::kSupply, "earliest_due_date", "the order whose next tranche is due first, then order date", {}},
      [](const PolicyParams&) { return std::make_unique<EarliestDueDate>(); });
  reg.add_supply(
      {PolicyKind::kSupply,
       "site_ready_first",
       "GPUs go first where power waits (most ready GPUs first, up to what the site can take); the rest by order date",
       {}},
      [](const PolicyParams&) { return std::make_unique<SiteReadyFirst>(); });
}

const PolicyRegistry& builtin_policy_registry() {
  static const PolicyRegistry registry = [] {
    PolicyRegistry r;
    register_builtin_policies(r);
    return r;
  }();
  return registry;
}

}  // namespace gpufleet
