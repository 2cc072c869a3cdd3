#include "scenario/tenant_input.hpp"

#include "scenario/ids.hpp"

#include <set>

#include <fmt/format.h>

namespace gpufleet::detail {
namespace {

std::string known_tenants(const TenantIndex& index) {
  std::string out;
  std::size_t n = 0;
  for (const auto& [id, i] : index) {
    if (n++ == 12) {
      out += ", ...";
      break;
    }
    out += (out.empty() ? "" : ", ") + ("\"" + id + "\"");
  }
  return out.empty() ? "none: the scenario has no /tenants" : out;
}

std::uint32_t tenant_ref(const Json& v, const std::string& pointer, const ReadContext& ctx, const TenantIndex& index) {
  auto id = read_string(v, pointer, ctx);
  if (!id) return kNoTenant;
  auto it = index.find(*id);
  if (it == index.end()) {
    ctx.error(pointer,
              fmt::format("expected the id of a tenant in /tenants ({}), found \"{}\"", known_tenants(index), *id));
    return kNoTenant;
  }
  return it->second;
}

}  // namespace

void read_tenants(const Json& arr, const ReadContext& ctx, Scenario& sc, TenantIndex& index) {
  if (!arr.is_array()) {
    ctx.error("/tenants", fmt::format("expected an array of tenants, found {}", describe(arr)));
    return;
  }
  for (std::size_t i = 0; i < arr.size(); ++i) {
    ObjectReader r(arr[i], pointer_append("/tenants", i), ctx);
    TenantSpec t;
    t.id = read_id(r);
    t.name = r.string_or("name", t.id);
    t.weight = r.number_or("weight", 1, NumberRange{0, 1e9, true});
    r.finish();
    if (!t.id.empty() && !index.emplace(t.id, static_cast<std::uint32_t>(sc.tenants.size())).second)
      ctx.error(r.member_pointer("id"), fmt::format("expected a unique tenant id, found \"{}\" again", t.id));
    sc.tenants.push_back(std::move(t));
  }
}

ClusterQuotas read_cluster_quotas(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                  const TenantIndex& index, std::uint64_t cluster_gpus) {
  ClusterQuotas out;
  ObjectReader r(v, pointer, ctx);
  const std::string queueing = r.choice("queueing", {"strict_fifo", "best_effort_fifo"}, std::string("strict_fifo"));
  out.queueing = queueing == "best_effort_fifo" ? TenantQueueing::kBestEffortFifo : TenantQueueing::kStrictFifo;
  std::string reclaim_pointer;
  if (const Json* p = r.object("preemption", false)) {
    ObjectReader pr(*p, r.member_pointer("preemption"), ctx);
    const std::string reclaim =
        pr.choice("reclaim_within_cohort", {"never", "lower_priority", "any"}, std::string("never"));
    out.preemption.reclaim_within_cohort = reclaim == "any"              ? PreemptionSpec::Reclaim::kAny
                                           : reclaim == "lower_priority" ? PreemptionSpec::Reclaim::kLowerPriority
                                                                         : PreemptionSpec::Reclaim::kNever;
    out.preemption.within_tenant =
        pr.choice("within_tenant", {"never", "lower_priority"}, std::string("never")) == "lower_priority";
    reclaim_pointer = pr.member_pointer("reclaim_within_cohort");
    pr.finish();
  }
  const Json* tenants = r.array("tenants", true);
  r.finish();
  if (!tenants) return out;
  if (tenants->empty())
    ctx.error(r.member_pointer("tenants"), "expected at least one tenant quota, found an empty array");
  std::map<std::string, std::int32_t> cohorts;
  std::set<std::uint32_t> seen;
  const auto max_gpus = static_cast<std::int64_t>(std::min<std::uint64_t>(cluster_gpus, std::uint64_t{1} << 53));
  for (std::size_t i = 0; i < tenants->size(); ++i) {
    const std::string qp = pointer_append(r.member_pointer("tenants"), i);
    ObjectReader q((*tenants)[i], qp, ctx);
    TenantQuota tq;
    if (q.has("tenant")) tq.tenant = tenant_ref(*q.raw("tenant"), q.member_pointer("tenant"), ctx, index);
    else q.string("tenant");  // reports the missing key
    if (tq.tenant != kNoTenant && !seen.insert(tq.tenant).second)
      ctx.error(q.member_pointer("tenant"), "expected each tenant once in a cluster's quotas, found this one again");
    std::optional<std::int64_t> nominal;
    if (q.has("nominal_gpus")) nominal = q.opt_integer("nominal_gpus", 0, std::int64_t{1} << 53);
    else q.integer("nominal_gpus", 0, 0);  // reports the missing key
    if (nominal && *nominal > max_gpus) {
      ctx.error(q.member_pointer("nominal_gpus"),
                fmt::format("expected at most the cluster's {} GPUs, found {}", cluster_gpus, *nominal));
    }
    tq.nominal_gpus = static_cast<std::uint64_t>(nominal.value_or(0));
    if (auto b = q.opt_integer("borrowing_limit_gpus", 0, std::int64_t{1} << 53))
      tq.borrowing_limit_gpus = static_cast<std::uint64_t>(*b);
    if (auto l = q.opt_integer("lending_limit_gpus", 0, std::int64_t{1} << 53)) {
      tq.lending_limit_gpus = static_cast<std::uint64_t>(*l);
      if (nominal && *l > *nominal)
        ctx.error(q.member_pointer("lending_limit_gpus"),
                  fmt::format("expected at most the tenant's nominal quota ({} GPUs), found {}", *nominal, *l));
    }
    if (auto c = q.opt_string("cohort")) {
      if (c->empty()) ctx.error(q.member_pointer("cohort"), "expected a cohort name, found an empty string");
      auto [it, fresh] = cohorts.try_emplace(*c, static_cast<std::int32_t>(cohorts.size()));
      if (fresh) out.cohort_ids.push_back(*c);
      tq.cohort = it->second;
    } else {
      for (const char* key : {"borrowing_limit_gpus", "lending_limit_gpus"})
        if (q.has(key))
          ctx.error(q.member_pointer(key),
                    "a borrowing or lending limit needs a \"cohort\" to borrow from or lend to; "
                    "without one the tenant uses only its nominal quota");
    }
    q.finish();
    out.tenants.push_back(tq);
  }
  if (out.preemption.reclaim_within_cohort != PreemptionSpec::Reclaim::kNever && out.cohort_ids.empty())
    ctx.error(reclaim_pointer,
              "reclaim takes back GPUs lent within a cohort, and no tenant here is in one: "
              "expected \"never\" or a \"cohort\" on the tenants");
  return out;
}

TenantMap read_workload_tenant(ObjectReader& w, bool is_trace, const TenantIndex& index, WorkloadSpec& spec) {
  TenantMap map;
  const ReadContext& ctx = w.context();
  if (const Json* t = w.raw("tenant")) {
    spec.tenant = tenant_ref(*t, w.member_pointer("tenant"), ctx, index);
    if (spec.tenant == kNoTenant) map.invalid = true;
  }
  if (!is_trace) return map;
  const Json* m = w.raw("tenant_map");
  if (!m) return map;
  map.present = true;
  map.pointer = w.member_pointer("tenant_map");
  if (spec.tenant != kNoTenant)
    ctx.error(map.pointer, "expected either \"tenant\" (every job) or \"tenant_map\" (per job), found both");
  ObjectReader r(*m, map.pointer, ctx);
  map.by_group = r.choice("field", {"group", "user"}) == "group";
  if (const Json* values = r.object("values", true)) {
    for (auto it = values->begin(); it != values->end(); ++it) {
      const std::string vp = pointer_append(r.member_pointer("values"), it.key());
      std::int64_t key = -1;
      try {
        std::size_t used = 0;
        key = std::stoll(it.key(), &used);
        if (used != it.key().size() || key < 0) key = -1;
      } catch (const std::exception&) {
        key = -1;
      }
      if (key < 0) {
        ctx.error(vp, fmt::format("expected a key that is an SWF {} id (a whole number >= 0), found \"{}\"",
                                  map.by_group ? "group" : "user", it.key()));
        continue;
      }
      map.values[key] = tenant_ref(it.value(), vp, ctx, index);
      if (map.values[key] == kNoTenant) map.invalid = true;
    }
  }
  if (const Json* d = r.raw("default")) {
    map.fallback = tenant_ref(*d, r.member_pointer("default"), ctx, index);
    if (map.fallback == kNoTenant) map.invalid = true;
  }
  r.finish();
  return map;
}

void apply_tenant_map(const TenantMap& map, const ReadContext& ctx, WorkloadSpec& spec) {
  spec.tenant_error = map.invalid;
  if (!map.present || map.invalid) return;
  std::map<std::int64_t, std::uint64_t> unmapped;  // value -> jobs
  for (TraceRecord& r : spec.records) {
    const std::int64_t v = map.by_group ? r.group : r.user;
    auto it = map.values.find(v);
    if (it != map.values.end()) r.tenant = it->second;
    else if (map.fallback != kNoTenant) r.tenant = map.fallback;
    else ++unmapped[v];
  }
  if (unmapped.empty()) return;
  std::string list;
  std::size_t n = 0;
  for (const auto& [v, jobs] : unmapped) {
    if (n++ == 8) {
      list += fmt::format(", and {} more", unmapped.size() - 8);
      break;
    }
    list += fmt::format("{}{} ({} jobs)", list.empty() ? "" : ", ",
                        v < 0 ? std::string("unknown (-1)") : std::to_string(v), jobs);
  }
  ctx.error(map.pointer,
            fmt::format("expected a tenant for every job of {}: {} {} not in \"values\" and there is no "
                        "\"default\": {}",
                        spec.path, map.by_group ? "groups" : "users", unmapped.size() == 1 ? "is" : "are", list));
}

void check_tenant_references(const Scenario& sc, const ReadContext& ctx) {
  for (std::size_t wi = 0; wi < sc.workloads.size(); ++wi) {
    const WorkloadSpec& w = sc.workloads[wi];
    if (w.cluster >= sc.clusters.size()) continue;
    const ClusterSpec& c = sc.clusters[w.cluster];
    const bool by_tenant = c.scheduling.queue && c.scheduling.queue->keying() == QueueOrder::Keying::kByTenant;
    if ((c.quotas.tenants.empty() && !by_tenant) || w.tenant_error) continue;  // nothing to check, or reported
    std::set<std::uint32_t> used;
    if (w.kind == WorkloadSpec::Kind::kSwf)
      for (const TraceRecord& r : w.records) used.insert(r.tenant != kNoTenant ? r.tenant : w.tenant);
    else used.insert(w.tenant);
    const std::string where = pointer_append("/workloads", wi);
    for (std::uint32_t t : used) {
      if (t == kNoTenant) {
        ctx.error(where,
                  fmt::format("expected \"tenant\" or \"tenant_map\": cluster \"{}\" {} and some of this "
                              "workload's jobs have no tenant",
                              c.id,
                              c.quotas.tenants.empty() ? fmt::format("orders its queue by tenant (queue policy \"{}\")",
                                                                     c.scheduling.queue->name())
                                                       : std::string("admits jobs by tenant quota")));
        continue;
      }
      if (c.quotas.tenants.empty()) continue;
      bool has = false;
      for (const TenantQuota& q : c.quotas.tenants) has = has || q.tenant == t;
      if (!has)
        ctx.error(where, fmt::format("expected its jobs' tenants to have a quota on cluster \"{}\", but tenant \"{}\" "
                                     "has none there (add it to that cluster's /quotas/tenants)",
                                     c.id, sc.tenants[t].id));
    }
  }
}

}  // namespace gpufleet::detail
