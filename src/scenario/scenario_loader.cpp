#include "scenario/scenario_loader.hpp"
#include "scenario/scenario_resolve.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/json_reader.hpp"
#include "core/rng.hpp"
#include "core/time_format.hpp"
#include "scenario/failure_input.hpp"
#include "scenario/ids.hpp"
#include "scenario/tenant_input.hpp"
#include "workload/swf_reader.hpp"

namespace gpufleet {
namespace {

using detail::Json;
using detail::NumberRange;
using detail::ObjectReader;
using detail::ReadContext;

// Bounds that keep arithmetic exact (the types' ranges); what a run may cost is
// checked against ResourceLimits once the whole scenario is read.
constexpr std::int64_t kMaxNodesPerCluster = 4'000'000'000;  // fits the uint32 node index
constexpr std::int64_t kMaxGpusPerNode = 1024;
constexpr double kMaxHorizonDays = 1e12;  // keeps seconds exact in a double
constexpr std::int64_t kMaxSyntheticJobs = std::int64_t{1} << 53;

struct Loader {
  const LoadOptions& options;
  const PolicyRegistry& registry;
  std::string file;
  std::string base_dir;
  Diagnostics diags;
  ReadContext ctx{file, &diags};
  std::int64_t start_epoch_ = 0;
  std::uint64_t trace_records_ = 0;  // job lines read from every trace so far (against max_jobs)
  // Filled while reading, for the sections that refer back to what was read before them.
  SchedulingSetup scheduling_defaults_;               // /scheduling
  std::map<std::string, std::uint32_t> model_index_;  // GPU model id -> index into Scenario::gpu_models
  std::map<std::string, std::vector<FailureClassSpec>> failure_classes_;  // GPU model id -> its failure classes
  bool horizon_given_ = false;
  std::map<std::string, std::uint32_t> cluster_index_;    // cluster id -> index into Scenario::clusters
  std::map<std::string, std::uint32_t> supplier_index_;   // HBM supplier id -> index into RolloutSpec::suppliers
  std::map<std::string, std::uint32_t> order_index_;      // order id -> index into RolloutSpec::orders
  std::map<std::string, std::uint32_t> generation_seen_;  // HBM generations some supplier makes
  detail::TenantIndex tenant_index_;                      // tenant id -> index into Scenario::tenants

  Loader(const LoadOptions& o, std::string f, std::string b)
      : options(o),
        registry(o.registry ? *o.registry : builtin_policy_registry()),
        file(std::move(f)),
        base_dir(std::move(b)) {}

  SchedulingSetup read_scheduling(const Json& v, const std::string& pointer, const SchedulingSetup* defaults) {
    SchedulingSetup s = defaults ? *defaults : SchedulingSetup{};
    ObjectReader r(v, pointer, ctx);
    if (const Json* q = r.raw("queue")) s.queue = registry.make_queue_order(*q, file, r.member_pointer("queue"), diags);
    else if (!defaults)
      s.queue = registry.make_queue_order(Json{{"policy", "fcfs"}}, file, r.member_pointer("queue"), diags);
    if (const Json* b = r.raw("backfill"))
      s.backfill = registry.make_backfill(*b, file, r.member_pointer("backfill"), diags);
    else if (!defaults)
      s.backfill = registry.make_backfill(Json{{"policy", "none"}}, file, r.member_pointer("backfill"), diags);
    if (const Json* p = r.raw("placement"))
      s.placement = registry.make_placement(*p, file, r.member_pointer("placement"), diags);
    else if (!defaults)
      s.placement = registry.make_placement(Json{{"policy", "first_fit"}}, file, r.member_pointer("placement"), diags);
    r.finish();
    return s;
  }

  Scenario load(const Json& doc) {
    Scenario sc;
    sc.file = file;
    ObjectReader top(doc, "", ctx);
    read_header(top, sc);
    read_gpu_models(top, sc);
    read_scheduling_defaults(top);
    if (const Json* t = top.raw("tenants")) detail::read_tenants(*t, ctx, sc, tenant_index_);
    read_operators(top, sc);
    read_federation(top, sc);
    read_workloads(top, sc);
    check_federated_workloads(sc);
    detail::check_tenant_references(sc, ctx);
    read_rollout(top, sc);
    read_metrics(top, sc);
    read_outputs(top, sc);
    top.finish();

    require_counts_without_horizon(sc);
    if (diags.empty()) check_limits(sc);
    if (!diags.empty()) throw InputError(std::move(diags));
    return sc;
  }

  // format_version, name, description, seed, start and horizon_days.
  void read_header(ObjectReader& top, Scenario& sc) {
    const std::int64_t version = top.integer("format_version", 1, 1);
    (void)version;
    sc.name = top.string("name");
    sc.description = top.string_or("description", "");
    sc.seed = static_cast<std::uint64_t>(top.integer("seed", 0, std::int64_t{1} << 53));
    if (options.seed) sc.seed = *options.seed;
    const std::string start = top.string("start");
    if (top.has("start") && top.raw("start")->is_string()) {
      if (auto t = parse_utc(start)) sc.start_epoch_s = start_epoch_ = *t;
      else
        ctx.error("/start",
                  fmt::format("expected a UTC date \"YYYY-MM-DD\" or \"YYYY-MM-DDTHH:MM:SSZ\", found \"{}\"", start));
    }
    if (auto h = top.opt_number("horizon_days", NumberRange{0, kMaxHorizonDays, true})) sc.horizon_s = *h * 86400.0;
    horizon_given_ = sc.horizon_s.has_value();
  }

  void read_gpu_models(ObjectReader& top, Scenario& sc) {
    const Json* models = top.array("gpu_models", true);
    if (!models) return;
    for (std::size_t i = 0; i < models->size(); ++i) {
      sc.gpu_models.push_back(read_gpu_model((*models)[i], i));
      // Nodes fail for ever: a run with failures needs an end.
      if (sc.gpu_models.back().failures.enabled() && !sc.horizon_s)
        ctx.error(detail::pointer_append(detail::pointer_append("/gpu_models", i), "failures"),
                  "expected \"horizon_days\" in a scenario with failures (nodes fail until the run ends)");
    }
    if (models->empty()) ctx.error("/gpu_models", "expected at least one GPU model, found an empty array");
  }

  // /gpu_models/i; its id goes into model_index_.
  GpuModel read_gpu_model(const Json& v, std::size_t i) {
    ObjectReader m(v, detail::pointer_append("/gpu_models", i), ctx);
    GpuModel g;
    g.id = read_id(m);
    g.memory_gb = m.number_or("memory_gb", 0, NumberRange::at_least(0));
    g.relative_speed = m.number_or("relative_speed", 1, NumberRange::above(0));
    g.hbm_generation = m.string_or("hbm_generation", "");
    g.hbm_stacks_per_gpu = static_cast<std::uint32_t>(m.integer_or("hbm_stacks_per_gpu", 0, 0, 64));
    g.tdp_w = m.number_or("tdp_w", 0, NumberRange::between(0, 100'000));
    g.idle_w = m.number_or("idle_w", 0, NumberRange::between(0, 100'000));
    g.host_overhead = m.number_or("host_overhead", 1, NumberRange::between(1, 10));
    g.form = m.choice("form", {"hgx8", "nvl72"}, std::string("hgx8"));
    if (const Json* f = m.object("failures", false))
      g.failures = detail::read_failures(*f, m.member_pointer("failures"), ctx);
    else g.failures.classes = detail::llama3_failure_classes();  // for a cluster's failure_trace
    failure_classes_[g.id] = g.failures.classes;
    if (g.idle_w > g.tdp_w)
      ctx.error(m.member_pointer("idle_w"), fmt::format("expected idle_w <= tdp_w ({}), found {}", g.tdp_w, g.idle_w));
    m.finish();
    if (!g.id.empty() && !model_index_.emplace(g.id, static_cast<std::uint32_t>(i)).second)
      ctx.error(m.member_pointer("id"), fmt::format("expected a unique GPU model id, found \"{}\" again", g.id));
    return g;
  }

  // /scheduling: the policies of every cluster that does not set its own.
  void read_scheduling_defaults(ObjectReader& top) {
    if (const Json* s = top.object("scheduling", false))
      scheduling_defaults_ = read_scheduling(*s, "/scheduling", nullptr);
    else scheduling_defaults_ = read_scheduling(Json::object(), "/scheduling", nullptr);
  }

  // /operators with their sites and the sites' clusters.
  void read_operators(ObjectReader& top, Scenario& sc) {
    const Json* ops = top.array("operators", true);
    if (!ops) return;
    std::map<std::string, std::string> operator_ids;
    for (std::size_t oi = 0; oi < ops->size(); ++oi) read_operator((*ops)[oi], oi, sc, operator_ids);
    if (ops->empty()) ctx.error("/operators", "expected at least one operator, found an empty array");
  }

  void read_operator(const Json& v, std::size_t oi, Scenario& sc, std::map<std::string, std::string>& operator_ids) {
    const std::string op_ptr = detail::pointer_append("/operators", oi);
    ObjectReader o(v, op_ptr, ctx);
    OperatorSpec op;
    op.id = read_id(o);
    op.name = o.string_or("name", op.id);
    if (!op.id.empty() && !operator_ids.emplace(op.id, op_ptr).second)
      ctx.error(o.member_pointer("id"), fmt::format("expected a unique operator id, found \"{}\" again", op.id));
    if (const Json* sites = o.array("sites", true)) {
      if (sites->empty()) ctx.error(o.member_pointer("sites"), "expected at least one site, found an empty array");
      for (std::size_t si = 0; si < sites->size(); ++si)
        op.sites.push_back(read_site((*sites)[si], detail::pointer_append(o.member_pointer("sites"), si), oi, si, sc));
    }
    o.finish();
    sc.operators.push_back(std::move(op));
  }

  // Site `si` of operator `oi`: its build-out goes into sc.rollout.sites, its clusters into sc.clusters.
  SiteSpec read_site(const Json& v, const std::string& site_ptr, std::size_t oi, std::size_t si, Scenario& sc) {
    ObjectReader s(v, site_ptr, ctx);
    SiteSpec site;
    site.id = read_id(s);
    SiteBuild build;
    build.op = static_cast<std::uint32_t>(oi);
    build.site = static_cast<std::uint32_t>(si);
    build.power_mw.before = std::numeric_limits<double>::infinity();
    if (const Json* p = s.array("power_mw", false)) {
      build.power_mw = read_schedule(*p, s.member_pointer("power_mw"), NumberRange::at_least(0));
      build.power_mw.before = 0;
    }
    build.pue = s.number_or("pue", 1.3, NumberRange::between(1, 5));
    build.install_gpus_per_day = s.number_or("install_gpus_per_day", 1e9, NumberRange::above(0));
    build.burn_in_s = s.number_or("burn_in_days", 0, NumberRange::between(0, 3650)) * 86400.0;
    sc.rollout.sites.push_back(build);
    if (const Json* clusters = s.array("clusters", true)) {
      if (clusters->empty())
        ctx.error(s.member_pointer("clusters"), "expected at least one cluster, found an empty array");
      for (std::size_t ci = 0; ci < clusters->size(); ++ci) {
        const auto index = static_cast<std::uint32_t>(sc.clusters.size());
        sc.clusters.push_back(
            read_cluster((*clusters)[ci], detail::pointer_append(s.member_pointer("clusters"), ci), oi, si, index));
        site.clusters.push_back(index);
      }
    }
    s.finish();
    return site;
  }

  // A cluster of site `si` of operator `oi`, to be sc.clusters[index]; its id goes into cluster_index_.
  ClusterSpec read_cluster(const Json& v, const std::string& pointer, std::size_t oi, std::size_t si,
                           std::uint32_t index) {
    ObjectReader c(v, pointer, ctx);
    ClusterSpec cl;
    cl.id = read_id(c);
    cl.op = static_cast<std::uint32_t>(oi);
    cl.site = static_cast<std::uint32_t>(si);
    const std::string model = c.string("gpu_model");
    if (auto it = model_index_.find(model); it != model_index_.end()) cl.gpu_model = it->second;
    else if (c.has("gpu_model") && c.raw("gpu_model")->is_string())
      ctx.error(c.member_pointer("gpu_model"),
                fmt::format("expected the id of a GPU model in /gpu_models, found \"{}\"", model));
    cl.nodes = static_cast<std::uint32_t>(c.integer("nodes", 1, kMaxNodesPerCluster));
    cl.gpus_per_node = static_cast<std::uint32_t>(c.integer("gpus_per_node", 1, kMaxGpusPerNode));
    cl.rack_nodes = static_cast<std::uint32_t>(c.integer_or("rack_nodes", cl.nodes, 1, kMaxNodesPerCluster));
    cl.online_nodes_at_start =
        static_cast<std::uint32_t>(c.integer_or("online_nodes_at_start", cl.nodes, 0, kMaxNodesPerCluster));
    if (cl.online_nodes_at_start > cl.nodes)
      ctx.error(c.member_pointer("online_nodes_at_start"),
                fmt::format("expected at most the cluster's {} nodes, found {}", cl.nodes, cl.online_nodes_at_start));
    if (const Json* sch = c.object("scheduling", false))
      cl.scheduling = read_scheduling(*sch, c.member_pointer("scheduling"), &scheduling_defaults_);
    else cl.scheduling = scheduling_defaults_;
    if (const Json* q = c.object("quotas", false))
      cl.quotas = detail::read_cluster_quotas(*q, c.member_pointer("quotas"), ctx, tenant_index_, cl.gpus());
    if (const Json* r = c.object("repair", false)) cl.repair = detail::read_repair(*r, c.member_pointer("repair"), ctx);
    if (const Json* ft = c.raw("failure_trace")) {
      // Its classes are its model's (the Llama 3 classes if the model gives no failures).
      const std::vector<FailureClassSpec> classes =
          failure_classes_.count(model) ? failure_classes_.at(model) : detail::llama3_failure_classes();
      cl.failure_trace = detail::read_failure_trace(*ft, c.member_pointer("failure_trace"), ctx, classes, cl.nodes);
      if (!cl.failure_trace.empty() && !horizon_given_)
        ctx.error(c.member_pointer("failure_trace"), "expected \"horizon_days\" in a scenario with failures");
    }
    c.finish();
    if (!cl.id.empty() && !cluster_index_.emplace(cl.id, index).second)
      ctx.error(c.member_pointer("id"), fmt::format("expected a unique cluster id, found \"{}\" again", cl.id));
    return cl;
  }

  // /federation: the national queue's policy, its member clusters and the staging network.
  void read_federation(ObjectReader& top, Scenario& sc) {
    const Json* f = top.object("federation", false);
    if (!f) return;
    FederationSpec& fed = sc.federation;
    ObjectReader r(*f, "/federation", ctx);
    // Its member clusters wait for deliveries from the national queue: the run needs an end.
    if (!sc.horizon_s) ctx.error("/federation", "expected \"horizon_days\" in a scenario with a federation");
    const Json* p = r.raw("policy");
    fed.policy =
        registry.make_federation(p ? *p : Json{{"policy", "home_first"}}, file, r.member_pointer("policy"), diags);
    if (const Json* members = r.array("members", true)) {
      if (members->empty())
        ctx.error(r.member_pointer("members"), "expected at least one member cluster id, found an empty array");
      for (std::size_t i = 0; i < members->size(); ++i) {
        const std::string ptr = detail::pointer_append(r.member_pointer("members"), i);
        const auto id = detail::read_string((*members)[i], ptr, ctx);
        if (!id) continue;
        const auto it = cluster_index_.find(*id);
        if (it == cluster_index_.end()) ctx.error(ptr, fmt::format("expected the id of a cluster, found \"{}\"", *id));
        else if (fed.is_member(it->second))
          ctx.error(ptr, fmt::format("expected each member once, found \"{}\" again", *id));
        else fed.members.push_back(it->second);
      }
    }
    constexpr double kBytesPerGbit = 1e9 / 8;
    const NumberRange rate = NumberRange{0, 1e9, true};  // Gbit/s, up to 10^9 (an exabit per second)
    if (const Json* n = r.object("network", true)) {
      ObjectReader nr(*n, r.member_pointer("network"), ctx);
      fed.backbone_bytes_per_s = nr.number("backbone_gbps", rate) * kBytesPerGbit;
      fed.latency_s = nr.number_or("latency_ms", 0, NumberRange::between(0, 1e6)) / 1000.0;
      const double uplink = nr.number("uplink_gbps", rate) * kBytesPerGbit;
      for (const OperatorSpec& op : sc.operators) fed.uplink_bytes_per_s.emplace_back(op.sites.size(), uplink);
      if (const Json* sites = nr.array("sites", false)) {
        for (std::size_t i = 0; i < sites->size(); ++i) {
          ObjectReader sr((*sites)[i], detail::pointer_append(nr.member_pointer("sites"), i), ctx);
          const std::string op_id = sr.string("operator"), site_id = sr.string("site");
          const double bps = sr.number("uplink_gbps", rate) * kBytesPerGbit;
          sr.finish();
          bool found = false;
          for (std::size_t o = 0; o < sc.operators.size() && !found; ++o)
            for (std::size_t k = 0; k < sc.operators[o].sites.size() && !found; ++k)
              if (sc.operators[o].id == op_id && sc.operators[o].sites[k].id == site_id) {
                fed.uplink_bytes_per_s[o][k] = bps;
                found = true;
              }
          if (!found && !op_id.empty() && !site_id.empty())
            ctx.error(sr.pointer(), fmt::format("expected an operator's id and one of its sites' ids, found \"{}\" / "
                                                "\"{}\"",
                                                op_id, site_id));
        }
      }
      nr.finish();
    }
    r.finish();
  }

  // A federated workload needs the federation and a member as its home; only it stages input data.
  void check_federated_workloads(const Scenario& sc) {
    for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
      const WorkloadSpec& w = sc.workloads[i];
      const std::string ptr = detail::pointer_append("/workloads", i);
      if (w.federated && !sc.federation.enabled())
        ctx.error(ptr + "/federated",
                  "expected a \"federation\" section: a federated workload submits to the national queue");
      else if (w.federated && !sc.federation.members.empty() && !sc.federation.is_member(w.cluster))
        ctx.error(ptr + "/cluster", fmt::format("expected a member of /federation/members (a federated workload's "
                                                "home cluster), found \"{}\"",
                                                sc.clusters[w.cluster].id));
      if (w.input_gb && !w.federated)
        ctx.error(ptr + "/input_gb", "expected \"federated\": true (only a federated workload stages input data)");
    }
  }

  void read_workloads(ObjectReader& top, Scenario& sc) {
    const Json* wls = top.array("workloads", true);
    if (!wls) return;
    std::map<std::string, int> workload_ids;
    for (std::size_t wi = 0; wi < wls->size(); ++wi)
      sc.workloads.push_back(read_workload((*wls)[wi], wi, sc, workload_ids));
  }

  WorkloadSpec read_workload(const Json& v, std::size_t wi, const Scenario& sc,
                             std::map<std::string, int>& workload_ids) {
    ObjectReader w(v, detail::pointer_append("/workloads", wi), ctx);
    WorkloadSpec spec;
    spec.id = read_id(w);
    if (!spec.id.empty() && !workload_ids.emplace(spec.id, 0).second)
      ctx.error(w.member_pointer("id"), fmt::format("expected a unique workload id, found \"{}\" again", spec.id));
    const std::string cluster = w.string("cluster");
    if (auto it = cluster_index_.find(cluster); it != cluster_index_.end()) spec.cluster = it->second;
    else if (w.has("cluster") && w.raw("cluster")->is_string())
      ctx.error(w.member_pointer("cluster"), fmt::format("expected the id of a cluster, found \"{}\"", cluster));
    spec.priority = static_cast<std::int32_t>(w.integer_or("priority", 0, -1'000'000, 1'000'000));
    const std::string kind = w.choice("kind", {"synthetic", "swf"});
    const detail::TenantMap tenant_map = detail::read_workload_tenant(w, kind == "swf", tenant_index_, spec);
    if (kind == "synthetic") read_synthetic(w, spec, sc);
    else if (kind == "swf") read_swf_workload(w, spec, sc.seed);
    detail::apply_tenant_map(tenant_map, ctx, spec);
    spec.federated = w.boolean_or("federated", false);
    if (const Json* in = w.raw("input_gb"))
      spec.input_gb = detail::read_distribution(*in, w.member_pointer("input_gb"), ctx, /*gpu_count=*/false);
    if (const Json* cp = w.object("checkpoint", false)) {
      ObjectReader r(*cp, w.member_pointer("checkpoint"), ctx);
      if (const Json* iv = r.raw("interval_s"); iv && iv->is_string()) {
        if (iv->get<std::string>() == "young_daly") spec.checkpoint_young_daly = true;
        else
          ctx.error(r.member_pointer("interval_s"),
                    fmt::format("expected seconds (a number above 0) or \"young_daly\", found \"{}\"",
                                iv->get<std::string>()));
      } else {
        spec.checkpoint_interval_s = r.number_or("interval_s", 0, NumberRange::between(0.001, 1e12));
      }
      spec.restart_overhead_s = r.number_or("restart_overhead_s", 0, NumberRange::at_least(0));
      spec.checkpoint_write_s = r.number_or("write_s", 0, NumberRange::at_least(0));
      if (spec.checkpoint_young_daly && !(spec.checkpoint_write_s > 0))
        ctx.error(r.member_pointer("write_s"), "expected a write time above 0 with interval_s \"young_daly\"");
      if (const auto m = r.opt_integer("max_retries", 0, 1'000'000'000))
        spec.max_retries = static_cast<std::uint32_t>(*m);
      spec.requeue_front = r.choice("requeue", {"front", "queue_order"}, std::string("front")) == "front";
      r.finish();
    }
    w.finish();
    return spec;
  }

  void read_metrics(ObjectReader& top, Scenario& sc) {
    if (const Json* m = top.object("metrics", false)) {
      ObjectReader mr(*m, "/metrics", ctx);
      sc.bsld_tau_s = mr.number_or("bsld_tau_s", 10, NumberRange::above(0));
      mr.finish();
    }
  }

  void read_outputs(ObjectReader& top, Scenario& sc) {
    if (const Json* o = top.object("outputs", false)) {
      ObjectReader orr(*o, "/outputs", ctx);
      sc.timeseries_interval_s = orr.number_or("timeseries_interval_s", 3600, NumberRange::at_least(1));
      orr.finish();
    }
  }

  // Without a horizon a synthetic workload must end by itself: it needs a "count". A rate that
  // changes over time needs a horizon (thinning could draw candidates for ever).
  void require_counts_without_horizon(const Scenario& sc) {
    for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
      const auto& w = sc.workloads[i];
      if (!w.thinned()) continue;
      const std::string ptr = detail::pointer_append("/workloads", i) + "/arrival";
      if (!sc.horizon_s)
        ctx.error(ptr, "expected \"horizon_days\" in the scenario: a rate that changes over time needs a horizon");
    }
    if (sc.horizon_s) return;
    for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
      const auto& w = sc.workloads[i];
      if (w.kind == WorkloadSpec::Kind::kSynthetic && !w.count)
        ctx.error(detail::pointer_append("/workloads", i),
                  "expected \"count\" (this workload never ends and the scenario has no \"horizon_days\")");
    }
  }

  std::optional<Seconds> read_date(const Json& v, const std::string& pointer, std::int64_t start) {
    auto text = detail::read_string(v, pointer, ctx);
    if (!text) return std::nullopt;
    auto t = parse_utc(*text);
    if (!t) {
      ctx.error(pointer,
                fmt::format("expected a UTC date \"YYYY-MM-DD\" or \"YYYY-MM-DDTHH:MM:SSZ\", found \"{}\"", *text));
      return std::nullopt;
    }
    return static_cast<Seconds>(*t - start);
  }

  // [{"from": DATE, "value": X}, ...] with strictly increasing dates.
  Schedule read_schedule(const Json& arr, const std::string& pointer, NumberRange range) {
    Schedule out;
    if (!arr.is_array()) {
      ctx.error(pointer, fmt::format("expected an array of {{\"from\": date, \"value\": number}}, found {}",
                                     detail::describe(arr)));
      return out;
    }
    if (arr.empty()) ctx.error(pointer, "expected at least one step, found an empty array");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      ObjectReader st(arr[i], detail::pointer_append(pointer, i), ctx);
      const Json* from = st.raw("from");
      std::optional<Seconds> t;
      if (!from) ctx.error(st.member_pointer("from"), "required key is missing");
      else t = read_date(*from, st.member_pointer("from"), start_epoch_);
      const double v = st.number("value", range);
      st.finish();
      if (!t) continue;
      if (!out.steps.empty() && *t <= out.steps.back().from)
        ctx.error(st.member_pointer("from"),
                  "expected dates in increasing order, found one not after the previous step");
      out.steps.push_back(ScheduleStep{*t, v});
    }
    return out;
  }

  // The rollout's own sections: supply, orders and events (the sites' build-out is read with the operators).
  void read_rollout(ObjectReader& top, Scenario& sc) {
    RolloutSpec& ro = sc.rollout;
    if (const Json* sup = top.object("supply", false)) read_supply(*sup, ro);
    if (const Json* orders = top.array("orders", false)) read_orders(*orders, sc);
    if (const Json* events = top.array("events", false)) {
      for (std::size_t i = 0; i < events->size(); ++i)
        read_event((*events)[i], detail::pointer_append("/events", i), sc);
    }
    ro.enabled = !ro.orders.empty();
    if (ro.enabled && !ro.allocation)
      ctx.error("/supply", "required when the scenario has orders: expected a supply section");
    if (ro.enabled && !sc.horizon_s)
      ctx.error("/horizon_days", "required when the scenario has orders (a rollout needs an end)");
  }

  void read_supply(const Json& v, RolloutSpec& ro) {
    ObjectReader r(v, "/supply", ctx);
    ro.supply_step_s = r.number_or("step_days", 7, NumberRange::between(1, 92)) * 86400.0;
    ro.build_lead_s = r.number_or("build_lead_days", 0, NumberRange::between(0, 3650)) * 86400.0;
    ro.ship_lead_s = r.number_or("ship_lead_days", 0, NumberRange::between(0, 3650)) * 86400.0;
    if (auto w = r.opt_number("supply_window_days", NumberRange::between(0, 3650))) ro.supply_window_s = *w * 86400.0;
    if (const Json* p = r.raw("packaging_gpus_per_month"))
      ro.packaging_gpus_per_month =
          read_schedule(*p, r.member_pointer("packaging_gpus_per_month"), NumberRange::at_least(0));
    if (const Json* a = r.raw("allocation"))
      ro.allocation = registry.make_supply(*a, file, r.member_pointer("allocation"), diags);
    else
      ro.allocation =
          registry.make_supply(Json{{"policy", "fcfs_orders"}}, file, r.member_pointer("allocation"), diags);
    if (const Json* list = r.array("hbm_suppliers", true)) {
      for (std::size_t i = 0; i < list->size(); ++i)
        ro.suppliers.push_back(
            read_hbm_supplier((*list)[i], detail::pointer_append(r.member_pointer("hbm_suppliers"), i), i));
    }
    r.finish();
  }

  // /supply/hbm_suppliers/i; its id goes into supplier_index_, its generations into generation_seen_.
  HbmSupplier read_hbm_supplier(const Json& v, const std::string& pointer, std::size_t i) {
    ObjectReader h(v, pointer, ctx);
    HbmSupplier hs;
    hs.id = read_id(h);
    if (!hs.id.empty() && !supplier_index_.emplace(hs.id, static_cast<std::uint32_t>(i)).second)
      ctx.error(h.member_pointer("id"), fmt::format("expected a unique supplier id, found \"{}\" again", hs.id));
    hs.programme_share = h.number("programme_share", NumberRange{0, 1, true});
    if (const Json* y = h.raw("yield"))
      hs.yield = read_schedule(*y, h.member_pointer("yield"), NumberRange{0, 1, true});
    else ctx.error(h.member_pointer("yield"), "required key is missing");
    if (const Json* caps = h.object("stacks_per_month", true)) {
      for (const auto& [gen, sched] : caps->items()) {
        hs.stacks_per_month[gen] = read_schedule(
            sched, detail::pointer_append(h.member_pointer("stacks_per_month"), gen), NumberRange::at_least(0));
        generation_seen_[gen] = 1;
      }
    }
    h.finish();
    return hs;
  }

  // /orders, then the GPUs ordered for each cluster against the room it has for them.
  void read_orders(const Json& orders, Scenario& sc) {
    std::map<std::uint32_t, std::uint64_t> per_cluster;
    for (std::size_t i = 0; i < orders.size(); ++i)
      sc.rollout.orders.push_back(read_order(orders[i], i, sc, per_cluster));
    for (const auto& [c, gpus] : per_cluster) {
      const ClusterSpec& cl = sc.clusters[c];
      const std::uint64_t room = std::uint64_t{cl.nodes - cl.online_nodes_at_start} * cl.gpus_per_node;
      if (gpus > room)
        ctx.error("/orders", fmt::format("expected orders for cluster \"{}\" to fit its {} nodes not online at start "
                                         "({} GPUs), found {} GPUs ordered",
                                         cl.id, cl.nodes - cl.online_nodes_at_start, room, gpus));
    }
  }

  // /orders/i; its id goes into order_index_ and, if its cluster resolves, its GPUs into per_cluster.
  Order read_order(const Json& v, std::size_t i, const Scenario& sc,
                   std::map<std::uint32_t, std::uint64_t>& per_cluster) {
    ObjectReader o(v, detail::pointer_append("/orders", i), ctx);
    Order ord;
    ord.id = read_id(o);
    if (!ord.id.empty() && !order_index_.emplace(ord.id, static_cast<std::uint32_t>(i)).second)
      ctx.error(o.member_pointer("id"), fmt::format("expected a unique order id, found \"{}\" again", ord.id));
    const bool cluster_ok = read_order_cluster(o, sc, ord);
    if (const Json* d = o.raw("ordered"))
      ord.ordered = read_date(*d, o.member_pointer("ordered"), start_epoch_).value_or(0);
    else ctx.error(o.member_pointer("ordered"), "required key is missing");
    ord.priority = static_cast<std::int32_t>(o.integer_or("priority", 0, -1'000'000, 1'000'000));
    if (const Json* tr = o.array("tranches", true)) read_tranches(*tr, o.member_pointer("tranches"), ord);
    o.finish();
    if (cluster_ok) {
      for (const auto& tr : ord.tranches) per_cluster[ord.cluster] += tr.gpus;
    }
    return ord;
  }

  // The order's "cluster" (and so its operator); its GPU model must say how to supply and power it.
  // Returns whether the cluster resolved.
  bool read_order_cluster(ObjectReader& o, const Scenario& sc, Order& ord) {
    const std::string cluster = o.string("cluster");
    auto it = cluster_index_.find(cluster);
    if (it == cluster_index_.end()) {
      if (o.has("cluster") && o.raw("cluster")->is_string())
        ctx.error(o.member_pointer("cluster"), fmt::format("expected the id of a cluster, found \"{}\"", cluster));
      return false;
    }
    ord.cluster = it->second;
    ord.op = sc.clusters[ord.cluster].op;
    // A cluster whose GPU model did not resolve has been reported already.
    const std::uint32_t model = sc.clusters[ord.cluster].gpu_model;
    if (model >= sc.gpu_models.size()) return true;
    const GpuModel& m = sc.gpu_models[model];
    if (m.hbm_generation.empty() || m.hbm_stacks_per_gpu == 0 || m.tdp_w <= 0)
      ctx.error(o.member_pointer("cluster"),
                fmt::format("expected a cluster whose GPU model \"{}\" has hbm_generation, hbm_stacks_per_gpu and "
                            "tdp_w (needed to supply and power it)",
                            m.id));
    else if (!generation_seen_.count(m.hbm_generation))
      ctx.error(o.member_pointer("cluster"),
                fmt::format("expected an HBM supplier making \"{}\" (for GPU model \"{}\"), "
                            "found none in /supply/hbm_suppliers",
                            m.hbm_generation, m.id));
    return true;
  }

  // An order's "tranches", in order of due date.
  void read_tranches(const Json& tr, const std::string& pointer, Order& ord) {
    if (tr.empty()) ctx.error(pointer, "expected at least one tranche, found an empty array");
    for (std::size_t k = 0; k < tr.size(); ++k) {
      ObjectReader t(tr[k], detail::pointer_append(pointer, k), ctx);
      Tranche tranche;
      tranche.gpus = static_cast<std::uint64_t>(t.integer("gpus", 1, 100'000'000));
      if (const Json* d = t.raw("due")) tranche.due = read_date(*d, t.member_pointer("due"), start_epoch_).value_or(0);
      else ctx.error(t.member_pointer("due"), "required key is missing");
      t.finish();
      if (!ord.tranches.empty() && tranche.due < ord.tranches.back().due)
        ctx.error(t.member_pointer("due"), "expected tranches in order of due date");
      ord.tranches.push_back(tranche);
    }
  }

  // /events/i: supplier and order changes become disruptions; delays are applied to the schedules here.
  void read_event(const Json& v, const std::string& pointer, Scenario& sc) {
    ObjectReader e(v, pointer, ctx);
    Disruption d;
    const std::string kind = e.choice(
        "kind", {"supplier_capacity", "supplier_yield", "site_power_delay", "order_change", "hbm_generation_delay"});
    std::optional<Seconds> from;
    if (const Json* date = e.raw("date")) from = read_date(*date, e.member_pointer("date"), start_epoch_);
    else ctx.error(e.member_pointer("date"), "required key is missing");
    d.from = from.value_or(0);
    if (kind == "supplier_capacity" || kind == "supplier_yield") {
      d.kind = kind == "supplier_capacity" ? Disruption::Kind::kSupplierCapacity : Disruption::Kind::kSupplierYield;
      read_supplier_event(e, d, sc.rollout);
    } else if (kind == "order_change") {
      d.kind = Disruption::Kind::kOrderChange;
      read_order_change(e, d, sc.rollout);
    } else if (kind == "site_power_delay") {
      apply_site_power_delay(e, d.from, sc);
    } else if (kind == "hbm_generation_delay") {
      apply_hbm_generation_delay(e, d.from, sc.rollout);
    }
    e.finish();
  }

  // A supplier_capacity or supplier_yield event: a factor on the supplier from `date` until `until`.
  void read_supplier_event(ObjectReader& e, Disruption& d, RolloutSpec& ro) {
    const std::string who = e.string("supplier");
    if (auto it = supplier_index_.find(who); it != supplier_index_.end()) d.target = it->second;
    else if (!who.empty())
      ctx.error(e.member_pointer("supplier"), fmt::format("expected a supplier id, found \"{}\"", who));
    d.factor = e.number("factor", NumberRange::between(0, 100));
    if (const Json* v = e.raw("until")) d.until = read_date(*v, e.member_pointer("until"), start_epoch_).value_or(0);
    else ctx.error(e.member_pointer("until"), "required key is missing");
    ro.disruptions.push_back(d);
  }

  // An order_change event: GPUs added to (or, negative, cut from) the order's last tranche.
  void read_order_change(ObjectReader& e, Disruption& d, RolloutSpec& ro) {
    const std::string who = e.string("order");
    if (auto it = order_index_.find(who); it != order_index_.end()) d.target = it->second;
    else if (!who.empty()) ctx.error(e.member_pointer("order"), fmt::format("expected an order id, found \"{}\"", who));
    d.gpus_delta = e.integer("gpus", -100'000'000, 100'000'000);
    ro.disruptions.push_back(d);
  }

  // Applied here: every power step of the site dated on or after `date` moves later by `days`.
  void apply_site_power_delay(ObjectReader& e, Seconds from, Scenario& sc) {
    const std::string op = e.string("operator"), site = e.string("site");
    const double days = e.number("days", NumberRange::between(0, 3650));
    bool found = false;
    for (auto& sb : sc.rollout.sites) {
      if (sc.operators[sb.op].id != op || sc.operators[sb.op].sites[sb.site].id != site) continue;
      found = true;
      for (auto& step : sb.power_mw.steps)
        if (step.from >= from) step.from += days * 86400.0;
    }
    if (!found && !op.empty())
      ctx.error(e.member_pointer("site"), fmt::format("expected a site of operator \"{}\", found \"{}\"", op, site));
  }

  // Applied here: every supplier's capacity steps of this generation dated on or after `date` move later.
  void apply_hbm_generation_delay(ObjectReader& e, Seconds from, RolloutSpec& ro) {
    const std::string gen = e.string("generation");
    const double days = e.number("days", NumberRange::between(0, 3650));
    if (!generation_seen_.count(gen) && !gen.empty())
      ctx.error(e.member_pointer("generation"),
                fmt::format("expected an HBM generation some supplier makes, found \"{}\"", gen));
    for (auto& sup : ro.suppliers) {
      auto it = sup.stacks_per_month.find(gen);
      if (it == sup.stacks_per_month.end()) continue;
      for (auto& step : it->second.steps)
        if (step.from >= from) step.from += days * 86400.0;
    }
  }

  // What the run would cost, against options.limits: refused up front, naming the limit.
  void check_limits(const Scenario& sc) {
    const ResourceLimits& lim = options.limits;
    auto refuse = [&](const std::string& where, const std::string& what, const char* name, double limit) {
      ctx.error(where, fmt::format("{}; the limit is {:.0f} ({}). If this is intended, raise it with --limit {}=N",
                                   what, limit, name, name));
    };
    const double horizon = sc.horizon_s.value_or(0);
    if (sc.horizon_s && *sc.horizon_s / 86400.0 > lim.max_horizon_days)
      refuse("/horizon_days",
             fmt::format("horizon of {:.6g} days ({:.3g} years)", *sc.horizon_s / 86400.0,
                         *sc.horizon_s / 86400.0 / 365.25),
             "max_horizon_days", lim.max_horizon_days);
    double nodes = 0, gpus = 0;
    for (const auto& c : sc.clusters) {
      nodes += c.nodes;
      gpus += static_cast<double>(c.gpus());
    }
    if (nodes > lim.max_nodes)
      refuse("/operators", fmt::format("the clusters have {:.6g} nodes in all (one simulated host each)", nodes),
             "max_nodes", lim.max_nodes);
    if (gpus > lim.max_gpus)
      refuse("/operators", fmt::format("the clusters have {:.6g} GPUs in all", gpus), "max_gpus", lim.max_gpus);
    double jobs = 0;
    for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
      const WorkloadSpec& w = sc.workloads[i];
      double n = static_cast<double>(w.records.size());
      if (w.kind == WorkloadSpec::Kind::kSynthetic) {
        const double span = std::max(0.0, horizon - w.start_s);
        const double by_time = !sc.horizon_s                                  ? INFINITY
                               : w.arrival == WorkloadSpec::Arrival::kPoisson ? w.rate_per_s * span
                               : w.interval_s > 0                             ? span / w.interval_s
                                                                              : INFINITY;
        n = w.count ? std::min(static_cast<double>(*w.count), by_time) : by_time;
      }
      jobs += n;
    }
    if (jobs > lim.max_jobs)
      refuse("/workloads", fmt::format("the workloads would submit about {:.3g} jobs", jobs), "max_jobs", lim.max_jobs);
    // Without a horizon a run lasts until every job has ended: the last submission bounds it from
    // below, and it must fit max_horizon_days (the engine also stops a run there that has not
    // drained, with partial results and an error naming the limit).
    const double span = sc.horizon_s ? *sc.horizon_s : refuse_unbounded_and_last_submission(sc, lim);
    const double rows = static_cast<double>(sc.clusters.size()) * (span / sc.timeseries_interval_s + 1);
    if (rows > lim.max_timeseries_rows)
      refuse("/outputs/timeseries_interval_s",
             fmt::format("timeseries.csv would have {}{:.3g} rows ({} clusters, one every {} s over {})",
                         sc.horizon_s ? "" : "at least ", rows, sc.clusters.size(), sc.timeseries_interval_s,
                         sc.horizon_s ? "the horizon" : "the time to the last submission"),
             "max_timeseries_rows", lim.max_timeseries_rows);
  }

  // The latest (expected) submission of any job, for a scenario without a horizon; refuses each
  // workload whose jobs would be submitted, or run, beyond max_horizon_days.
  double refuse_unbounded_and_last_submission(const Scenario& sc, const ResourceLimits& lim) {
    const double limit_s = lim.max_horizon_days * 86400.0;
    const auto refuse = [&](const std::string& where, const std::string& what) {
      ctx.error(where, fmt::format("{}, beyond the limit of {:.0f} days (max_horizon_days): without \"horizon_days\" a "
                                   "run lasts until every job has ended. Set \"horizon_days\", or raise the limit with "
                                   "--limit max_horizon_days=N",
                                   what, lim.max_horizon_days));
    };
    double last = 0;
    for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
      const WorkloadSpec& w = sc.workloads[i];
      const std::string where = detail::pointer_append("/workloads", i);
      if (w.kind == WorkloadSpec::Kind::kSwf) {
        const TraceRecord* late = nullptr;
        const TraceRecord* longest = nullptr;
        for (const TraceRecord& r : w.records) {
          if (!late || r.submit > late->submit) late = &r;
          if (!longest || std::max(r.runtime, r.requested) > std::max(longest->runtime, longest->requested))
            longest = &r;
        }
        if (late && late->submit > limit_s)
          refuse(where, fmt::format("trace {}: job {} is submitted {:.6g} days after the start", w.path, late->id,
                                    late->submit / 86400.0));
        if (longest && std::max(longest->runtime, longest->requested) > limit_s)
          refuse(where, fmt::format("trace {}: job {} runs (or asks for) {:.6g} days", w.path, longest->id,
                                    std::max(longest->runtime, longest->requested) / 86400.0));
        if (late) last = std::max(last, late->submit);
      } else if (w.count) {
        const double gap = w.arrival == WorkloadSpec::Arrival::kPoisson ? 1.0 / w.rate_per_s : w.interval_s;
        const double expected_last = w.start_s + static_cast<double>(*w.count) * gap;
        if (expected_last > limit_s)
          refuse(where, fmt::format("its {} jobs would be submitted until about {:.6g} days after the start", *w.count,
                                    expected_last / 86400.0));
        if (w.duration_s.mean_value() > limit_s)
          refuse(detail::pointer_append(where, "duration_s"),
                 fmt::format("its jobs would run {:.6g} days on average", w.duration_s.mean_value() / 86400.0));
        last = std::max(last, std::min(expected_last, limit_s));
      }
    }
    return std::min(last, limit_s);
  }

  void read_synthetic(ObjectReader& w, WorkloadSpec& spec, const Scenario&) {
    spec.kind = WorkloadSpec::Kind::kSynthetic;
    if (const Json* a = w.object("arrival", true)) {
      ObjectReader ar(*a, w.member_pointer("arrival"), ctx);
      const std::string process = ar.choice("process", {"poisson", "interval"});
      if (process == "poisson") {
        spec.arrival = WorkloadSpec::Arrival::kPoisson;
        spec.rate_per_s = ar.number("rate_per_hour", NumberRange{0, 1e9, true}) / 3600.0;
        spec.follow_online = ar.boolean_or("follow_online", false);
        if (const Json* sch = ar.raw("rate_schedule")) {
          const Schedule steps = read_schedule(*sch, ar.member_pointer("rate_schedule"), NumberRange{0, 1e6, false});
          for (const ScheduleStep& st : steps.steps) spec.rate_schedule.push_back({st.from, st.value});
        }
      } else if (process == "interval") {
        spec.arrival = WorkloadSpec::Arrival::kInterval;
        spec.interval_s = ar.number("interval_s", NumberRange{0, 1e12, true});
      }
      ar.finish();
    }
    spec.start_s = w.number_or("start_s", 0, NumberRange::at_least(0));
    if (auto c = w.opt_integer("count", 1, kMaxSyntheticJobs)) spec.count = static_cast<std::uint64_t>(*c);
    if (const Json* g = w.object("gpus", true))
      spec.gpus = detail::read_distribution(*g, w.member_pointer("gpus"), ctx, true);
    if (const Json* d = w.object("duration_s", true))
      spec.duration_s = detail::read_distribution(*d, w.member_pointer("duration_s"), ctx, false);
    spec.walltime_factor = w.number_or("walltime_factor", 1, NumberRange{1, 1000, false});
  }

  void read_swf_workload(ObjectReader& w, WorkloadSpec& spec, std::uint64_t seed) {
    spec.kind = WorkloadSpec::Kind::kSwf;
    const std::string path = w.string("path");
    const std::string estimates = w.choice("requested_time", {"trace", "perfect"}, std::string("trace"));
    spec.perfect_estimates = estimates == "perfect";
    const double submit_scale = w.number_or("submit_scale", 1, NumberRange{0, 1e6, true});
    const double jitter = w.number_or("submit_jitter_s", 0, NumberRange{0, 1e9, false});
    if (path.empty()) {
      if (w.has("path") && w.raw("path")->is_string())
        ctx.error(w.member_pointer("path"), "expected a path to an SWF file, found an empty string");
      return;
    }
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    spec.path = p.lexically_normal().string();
    Diagnostics trace_diags;
    SwfLimits swf_limits;
    const double budget = std::max(0.0, options.limits.max_jobs - static_cast<double>(trace_records_));
    swf_limits.max_records = static_cast<std::uint64_t>(std::min(budget, 1.8e19));
    swf_limits.max_bytes = options.limits.max_trace_bytes();
    swf_limits.max_jobs_in_all = options.limits.max_jobs;
    spec.records = read_swf(spec.path, spec.perfect_estimates, trace_diags, swf_limits);
    trace_records_ += spec.records.size();
    for (auto& r : spec.records) r.submit *= submit_scale;
    if (jitter > 0) {
      // Each submit time moves by a uniform offset in [-jitter, +jitter] (not before 0), from the
      // workload's own stream: the same trace under different seeds gives replicas to average over.
      Rng rng(seed, "workload:" + spec.id + ":submit_jitter");
      for (auto& r : spec.records) r.submit = std::max(0.0, r.submit + (2 * rng.uniform01() - 1) * jitter);
      std::stable_sort(spec.records.begin(), spec.records.end(),
                       [](const TraceRecord& a, const TraceRecord& b) { return a.submit < b.submit; });
    }
    for (const auto& d : trace_diags.items()) {
      if (d.location.empty()) diags.add(file, w.member_pointer("path"), fmt::format("{}: {}", d.file, d.message));
      else diags.add(d.file, d.location, d.message);
    }
  }
};

}  // namespace

Scenario load_scenario_json(const nlohmann::ordered_json& doc, const std::string& file, const std::string& base_dir,
                            const LoadOptions& options) {
  Loader loader(options, file, base_dir);
  return loader.load(doc);
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  ScenarioOverrides none;
  none.seed = options.seed;
  const ResolvedScenario r = resolve_scenario(path, none);
  return load_scenario_json(r.doc, path, r.base_dir, options);
}

}  // namespace gpufleet
