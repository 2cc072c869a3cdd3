// Reading tenants, cluster quotas and the workloads' tenant maps (docs/scenario-format.md, "Tenants").
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/json_reader.hpp"
#include "scenario/scenario.hpp"

namespace gpufleet::detail {

using TenantIndex = std::map<std::string, std::uint32_t>;  // tenant id -> index into Scenario::tenants

// /tenants: fills sc.tenants and `index`.
void read_tenants(const Json& arr, const ReadContext& ctx, Scenario& sc, TenantIndex& index);

// A cluster's "quotas" object (at `pointer`); `cluster_gpus` bounds each nominal quota.
ClusterQuotas read_cluster_quotas(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                  const TenantIndex& index, std::uint64_t cluster_gpus);

// A workload's "tenant" (every job) and, for a trace, "tenant_map" (a job's tenant from its SWF
// user or group field). Reads the keys from `w`; call apply_tenant_map once the records are read.
struct TenantMap {
  bool present = false;
  bool by_group = true;                          // field 13 (group) or 12 (user)
  std::map<std::int64_t, std::uint32_t> values;  // field value -> tenant
  std::uint32_t fallback = kNoTenant;            // "default"
  std::string pointer;                           // of "tenant_map"
  bool invalid = false;                          // a tenant it names is unknown (reported)
};
TenantMap read_workload_tenant(ObjectReader& w, bool is_trace, const TenantIndex& index, WorkloadSpec& spec);
void apply_tenant_map(const TenantMap& map, const ReadContext& ctx, WorkloadSpec& spec);

// Every job on a cluster with quotas must belong to a tenant with a quota there; a tenant named by
// no workload and no quota is an error too (probably a typo elsewhere).
void check_tenant_references(const Scenario& sc, const ReadContext& ctx);

}  // namespace gpufleet::detail
