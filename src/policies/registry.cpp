#include "gpufleet/policy_registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "gpufleet/diagnostics.hpp"
#include "policies/builtin.hpp"

namespace gpufleet {

std::string_view to_string(PolicyKind k) {
  switch (k) {
    case PolicyKind::kQueueOrder: return "queue";
    case PolicyKind::kPlacement: return "placement";
    case PolicyKind::kBackfill: return "backfill";
    case PolicyKind::kSupply: return "supply";
  }
  return "?";
}

void PolicyRegistry::check_new(PolicyKind kind, const std::string& name) const {
  bool dup = false;
  switch (kind) {
    case PolicyKind::kQueueOrder: dup = queue_orders_.count(name) > 0; break;
    case PolicyKind::kPlacement: dup = placements_.count(name) > 0; break;
    case PolicyKind::kBackfill: dup = backfills_.count(name) > 0; break;
    case PolicyKind::kSupply: dup = supplies_.count(name) > 0; break;
  }
  if (dup) throw std::logic_error(fmt::format("{} policy \"{}\" is registered twice", to_string(kind), name));
}

void PolicyRegistry::add_queue_order(PolicyInfo info, Factory<QueueOrder> make) {
  info.kind = PolicyKind::kQueueOrder;
  check_new(info.kind, info.name);
  auto name = info.name;
  queue_orders_.emplace(name, Entry<QueueOrder>{std::move(info), std::move(make)});
}

void PolicyRegistry::add_placement(PolicyInfo info, Factory<PlacementPolicy> make) {
  info.kind = PolicyKind::kPlacement;
  check_new(info.kind, info.name);
  auto name = info.name;
  placements_.emplace(name, Entry<PlacementPolicy>{std::move(info), std::move(make)});
}

void PolicyRegistry::add_backfill(PolicyInfo info, Factory<BackfillPolicy> make) {
  info.kind = PolicyKind::kBackfill;
  check_new(info.kind, info.name);
  auto name = info.name;
  backfills_.emplace(name, Entry<BackfillPolicy>{std::move(info), std::move(make)});
}

void PolicyRegistry::add_supply(PolicyInfo info, Factory<SupplyAllocationPolicy> make) {
  info.kind = PolicyKind::kSupply;
  check_new(info.kind, info.name);
  auto name = info.name;
  supplies_.emplace(name, Entry<SupplyAllocationPolicy>{std::move(info), std::move(make)});
}

template <class P>
std::unique_ptr<P> PolicyRegistry::make(const std::map<std::string, Entry<P>>& table, PolicyKind kind,
                                        const nlohmann::json& spec, const std::string& pointer,
                                        const detail::ReadContext& ctx) const {
  const std::size_t errors_before = ctx.diags->size();
  detail::ObjectReader r(spec, pointer, ctx);
  const std::string name = r.string("policy");
  const nlohmann::json* params_json = r.object("params", false);
  r.finish();
  if (ctx.diags->size() != errors_before) return nullptr;  // not an object, no name, not a string
  auto it = table.find(name);  // an empty name is just a name that is not registered
  if (it == table.end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : table) known.push_back(k);
    ctx.error(r.member_pointer("policy"), fmt::format("expected a {} policy (one of {}), found \"{}\"",
                                                      to_string(kind), fmt::join(known, ", "), name));
    return nullptr;
  }
  static const nlohmann::json kEmpty = nlohmann::json::object();
  detail::ObjectReader params(params_json ? *params_json : kEmpty, r.member_pointer("params"), ctx);
  auto policy = it->second.make(params);
  params.finish();
  if (ctx.diags->size() != errors_before) return nullptr;
  // A factory either builds its policy or reports why not: nothing else may reach the engine.
  GPUFLEET_CHECK(policy != nullptr, fmt::format("the {} policy factory \"{}\" returned no policy and reported no error",
                                                to_string(kind), name));
  return policy;
}

std::unique_ptr<QueueOrder> PolicyRegistry::make_queue_order(const nlohmann::json& spec, const std::string& pointer,
                                                             const detail::ReadContext& ctx) const {
  return make(queue_orders_, PolicyKind::kQueueOrder, spec, pointer, ctx);
}
std::unique_ptr<PlacementPolicy> PolicyRegistry::make_placement(const nlohmann::json& spec,
                                                                const std::string& pointer,
                                                                const detail::ReadContext& ctx) const {
  return make(placements_, PolicyKind::kPlacement, spec, pointer, ctx);
}
std::unique_ptr<BackfillPolicy> PolicyRegistry::make_backfill(const nlohmann::json& spec, const std::string& pointer,
                                                              const detail::ReadContext& ctx) const {
  return make(backfills_, PolicyKind::kBackfill, spec, pointer, ctx);
}

std::unique_ptr<SupplyAllocationPolicy> PolicyRegistry::make_supply(const nlohmann::json& spec,
                                                                    const std::string& pointer,
                                                                    const detail::ReadContext& ctx) const {
  return make(supplies_, PolicyKind::kSupply, spec, pointer, ctx);
}

std::vector<PolicyInfo> PolicyRegistry::list() const {
  std::vector<PolicyInfo> out;
  for (const auto& [k, e] : queue_orders_) out.push_back(e.info);
  for (const auto& [k, e] : backfills_) out.push_back(e.info);
  for (const auto& [k, e] : placements_) out.push_back(e.info);
  for (const auto& [k, e] : supplies_) out.push_back(e.info);
  return out;
}

void register_builtin_supply_policies(PolicyRegistry& reg);

void register_builtin_policies(PolicyRegistry& reg) {
  using namespace policies;
  reg.add_queue_order({PolicyKind::kQueueOrder, "fcfs", "first come, first served: by submit time, then arrival order", {}},
                      [](detail::ObjectReader&) { return std::make_unique<FcfsOrder>(); });
  reg.add_queue_order({PolicyKind::kQueueOrder, "sjf", "shortest job first: by requested walltime, then submit time", {}},
                      [](detail::ObjectReader&) { return std::make_unique<SjfOrder>(); });
  reg.add_queue_order({PolicyKind::kQueueOrder, "priority",
                       "highest job priority first (the workload's \"priority\"), then submit time", {}},
                      [](detail::ObjectReader&) { return std::make_unique<PriorityOrder>(); });

  reg.add_backfill({PolicyKind::kBackfill, "none", "strict queue order: stop at the first job that does not fit", {}},
                   [](detail::ObjectReader&) { return std::make_unique<NoBackfill>(); });
  reg.add_backfill({PolicyKind::kBackfill, "easy",
                    "EASY (Mu'alem & Feitelson 2001): reservation for the queue head at its shadow time; backfill "
                    "jobs that end by then or leave the head room at that time",
                    {}},
                   [](detail::ObjectReader&) { return std::make_unique<EasyBackfill>(); });
  reg.add_backfill({PolicyKind::kBackfill, "conservative",
                    "conservative backfilling: every queued job gets a reservation; start jobs whose reservation is now",
                    {{"max_reservations", "integer >= 0", "0",
                      "queued jobs (in queue order) given a reservation per pass; 0 = all"}}},
                   [](detail::ObjectReader& p) {
                     return std::make_unique<ConservativeBackfill>(
                         static_cast<std::uint64_t>(p.integer_or("max_reservations", 0, 0, 1'000'000'000)));
                   });

  reg.add_placement({PolicyKind::kPlacement, "first_fit",
                     "lowest-index nodes: whole nodes for a multi-node gang, the lowest-index node with room for the "
                     "remainder",
                     {}},
                    [](detail::ObjectReader&) { return std::make_unique<FirstFit>(); });
  reg.add_placement({PolicyKind::kPlacement, "best_fit",
                     "whole nodes for a gang; the remainder (or a small job) on the node with the fewest free GPUs "
                     "that still hold it",
                     {}},
                    [](detail::ObjectReader&) { return std::make_unique<BestFit>(); });
  reg.add_placement({PolicyKind::kPlacement, "pack",
                     "fewest racks first: a gang's whole nodes in as few racks as possible, the remainder best-fit",
                     {}},
                    [](detail::ObjectReader&) { return std::make_unique<Pack>(); });
  register_builtin_supply_policies(reg);
}

void register_builtin_supply_policies(PolicyRegistry& reg) {
  using namespace policies;
  reg.add_supply({PolicyKind::kSupply, "fcfs_orders", "orders served in order of their order date", {}},
                 [](detail::ObjectReader&) { return std::make_unique<FcfsOrders>(); });
  reg.add_supply({PolicyKind::kSupply, "pro_rata",
                  "every outstanding order gets the same share of its outstanding GPUs; rounding leftovers by order date", {}},
                 [](detail::ObjectReader&) { return std::make_unique<ProRata>(); });
  reg.add_supply({PolicyKind::kSupply, "priority", "strict order priority (higher first, e.g. public sector), then order date", {}},
                 [](detail::ObjectReader&) { return std::make_unique<PrioritySupply>(); });
  reg.add_supply({PolicyKind::kSupply, "earliest_due_date", "the order whose next tranche is due first, then order date", {}},
                 [](detail::ObjectReader&) { return std::make_unique<EarliestDueDate>(); });
  reg.add_supply({PolicyKind::kSupply, "site_ready_first",
                  "GPUs go first where power waits (most ready GPUs first, up to what the site can take); the rest by order date",
                  {}},
                 [](detail::ObjectReader&) { return std::make_unique<SiteReadyFirst>(); });
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
