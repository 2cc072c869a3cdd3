#include "gpufleet/scenario_loader.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "gpufleet/json_reader.hpp"
#include "gpufleet/swf_reader.hpp"
#include "gpufleet/time_format.hpp"

namespace gpufleet {
namespace {

using detail::Json;
using detail::NumberRange;
using detail::ObjectReader;
using detail::ReadContext;

// Bounds that keep arithmetic exact and memory finite; docs/scenario-format.md lists them.
constexpr std::int64_t kMaxNodesPerCluster = 10'000'000;
constexpr std::int64_t kMaxGpusPerNode = 1024;
constexpr double kMaxHorizonDays = 36'525;  // 100 years
constexpr std::int64_t kMaxSyntheticJobs = 100'000'000;

bool valid_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

std::string read_id(ObjectReader& r, const std::string& key = "id") {
  const std::string id = r.string(key);
  if (r.has(key) && r.raw(key)->is_string() && !valid_id(id))
    r.context().error(r.member_pointer(key),
                      fmt::format("expected an id of 1-64 letters, digits, '-', '_' or '.', found \"{}\"", id));
  return id;
}

Distribution read_distribution(const Json& v, const std::string& pointer, const ReadContext& ctx, bool gpu_count) {
  Distribution d;
  ObjectReader r(v, pointer, ctx);
  const std::vector<std::string> kinds = gpu_count ? std::vector<std::string>{"fixed", "uniform", "discrete"}
                                                   : std::vector<std::string>{"fixed", "uniform", "exponential",
                                                                              "lognormal", "discrete"};
  const std::string kind = r.choice("dist", kinds);
  // GPU counts stay far below 2^32 so that they convert to integers exactly.
  const NumberRange nonneg = gpu_count ? NumberRange::between(1, 1e9) : NumberRange::at_least(0);
  auto integral = [&](double x, const std::string& key) {
    if (gpu_count && x != std::floor(x))
      ctx.error(r.member_pointer(key), fmt::format("expected a whole number of GPUs, found {}", x));
  };
  d.integer = gpu_count;
  if (kind == "fixed") {
    d.kind = Distribution::Kind::kFixed;
    d.value = r.number("value", nonneg);
    integral(d.value, "value");
  } else if (kind == "uniform") {
    d.kind = Distribution::Kind::kUniform;
    d.min = r.number("min", nonneg);
    d.max = r.number("max", nonneg);
    integral(d.min, "min");
    integral(d.max, "max");
    if (d.max < d.min) ctx.error(r.member_pointer("max"), fmt::format("expected max >= min ({}), found {}", d.min, d.max));
  } else if (kind == "exponential") {
    d.kind = Distribution::Kind::kExponential;
    d.mean = r.number("mean", NumberRange::above(0));
  } else if (kind == "lognormal") {
    d.kind = Distribution::Kind::kLognormal;
    d.median = r.number("median", NumberRange::above(0));
    d.sigma = r.number("sigma", NumberRange::between(0, 10));
  } else if (kind == "discrete") {
    d.kind = Distribution::Kind::kDiscrete;
    const Json* values = r.array("values", true);
    const Json* weights = r.array("weights", true);
    if (values) {
      for (std::size_t i = 0; i < values->size(); ++i) {
        auto x = detail::read_number((*values)[i], detail::pointer_append(r.member_pointer("values"), i), ctx, nonneg);
        if (x && gpu_count && *x != std::floor(*x))
          ctx.error(detail::pointer_append(r.member_pointer("values"), i),
                    fmt::format("expected a whole number of GPUs, found {}", *x));
        d.values.push_back(x.value_or(1));
      }
      if (values->empty()) ctx.error(r.member_pointer("values"), "expected at least one value, found an empty array");
    }
    if (weights) {
      double total = 0;
      for (std::size_t i = 0; i < weights->size(); ++i) {
        auto w = detail::read_number((*weights)[i], detail::pointer_append(r.member_pointer("weights"), i), ctx,
                                     NumberRange::at_least(0));
        total += w.value_or(0);
        d.cumulative.push_back(total);
      }
      if (values && weights->size() != values->size())
        ctx.error(r.member_pointer("weights"), fmt::format("expected {} weights (one per value), found {}",
                                                           values->size(), weights->size()));
      else if (!weights->empty() && !(total > 0))
        ctx.error(r.member_pointer("weights"), "expected weights with a positive sum, found all zero");
    }
  }
  r.finish();
  return d;
}

struct Loader {
  const LoadOptions& options;
  const PolicyRegistry& registry;
  std::string file;
  std::string base_dir;
  Diagnostics diags;
  ReadContext ctx{file, &diags};

  Loader(const LoadOptions& o, std::string f, std::string b)
      : options(o),
        registry(o.registry ? *o.registry : builtin_policy_registry()),
        file(std::move(f)),
        base_dir(std::move(b)) {}

  SchedulingSetup read_scheduling(const Json& v, const std::string& pointer, const SchedulingSetup* defaults) {
    SchedulingSetup s = defaults ? *defaults : SchedulingSetup{};
    ObjectReader r(v, pointer, ctx);
    if (const Json* q = r.raw("queue")) s.queue = registry.make_queue_order(*q, r.member_pointer("queue"), ctx);
    else if (!defaults) s.queue = registry.make_queue_order(Json{{"policy", "fcfs"}}, r.member_pointer("queue"), ctx);
    if (const Json* b = r.raw("backfill")) s.backfill = registry.make_backfill(*b, r.member_pointer("backfill"), ctx);
    else if (!defaults) s.backfill = registry.make_backfill(Json{{"policy", "none"}}, r.member_pointer("backfill"), ctx);
    if (const Json* p = r.raw("placement"))
      s.placement = registry.make_placement(*p, r.member_pointer("placement"), ctx);
    else if (!defaults)
      s.placement = registry.make_placement(Json{{"policy", "first_fit"}}, r.member_pointer("placement"), ctx);
    r.finish();
    return s;
  }

  Scenario load(const Json& doc) {
    Scenario sc;
    sc.file = file;
    sc.document = doc;
    ObjectReader top(doc, "", ctx);
    const std::int64_t version = top.integer("format_version", 1, 1);
    (void)version;
    sc.name = top.string("name");
    sc.description = top.string_or("description", "");
    sc.seed = static_cast<std::uint64_t>(top.integer("seed", 0, std::int64_t{1} << 53));
    if (options.seed) sc.seed = *options.seed;
    const std::string start = top.string("start");
    if (top.has("start") && top.raw("start")->is_string()) {
      if (auto t = parse_utc(start)) sc.start_epoch_s = *t;
      else ctx.error("/start", fmt::format("expected a UTC date \"YYYY-MM-DD\" or \"YYYY-MM-DDTHH:MM:SSZ\", found \"{}\"", start));
    }
    if (auto h = top.opt_number("horizon_days", NumberRange{0, kMaxHorizonDays, true}))
      sc.horizon_s = *h * 86400.0;

    // GPU models
    std::map<std::string, std::uint32_t> model_index;
    if (const Json* models = top.array("gpu_models", true)) {
      for (std::size_t i = 0; i < models->size(); ++i) {
        ObjectReader m((*models)[i], detail::pointer_append("/gpu_models", i), ctx);
        GpuModel g;
        g.id = read_id(m);
        g.memory_gb = m.number_or("memory_gb", 0, NumberRange::at_least(0));
        g.relative_speed = m.number_or("relative_speed", 1, NumberRange::above(0));
        m.finish();
        if (!g.id.empty() && !model_index.emplace(g.id, static_cast<std::uint32_t>(i)).second)
          ctx.error(m.member_pointer("id"), fmt::format("expected a unique GPU model id, found \"{}\" again", g.id));
        sc.gpu_models.push_back(g);
      }
      if (models->empty()) ctx.error("/gpu_models", "expected at least one GPU model, found an empty array");
    }

    // Scheduling defaults
    SchedulingSetup defaults;
    if (const Json* s = top.object("scheduling", false)) defaults = read_scheduling(*s, "/scheduling", nullptr);
    else defaults = read_scheduling(Json::object(), "/scheduling", nullptr);

    // Operators, sites, clusters
    std::map<std::string, std::uint32_t> cluster_index;
    std::map<std::string, std::string> operator_ids;
    if (const Json* ops = top.array("operators", true)) {
      for (std::size_t oi = 0; oi < ops->size(); ++oi) {
        const std::string op_ptr = detail::pointer_append("/operators", oi);
        ObjectReader o((*ops)[oi], op_ptr, ctx);
        OperatorSpec op;
        op.id = read_id(o);
        op.name = o.string_or("name", op.id);
        if (!op.id.empty() && !operator_ids.emplace(op.id, op_ptr).second)
          ctx.error(o.member_pointer("id"), fmt::format("expected a unique operator id, found \"{}\" again", op.id));
        if (const Json* sites = o.array("sites", true)) {
          if (sites->empty()) ctx.error(o.member_pointer("sites"), "expected at least one site, found an empty array");
          for (std::size_t si = 0; si < sites->size(); ++si) {
            const std::string site_ptr = detail::pointer_append(o.member_pointer("sites"), si);
            ObjectReader s((*sites)[si], site_ptr, ctx);
            SiteSpec site;
            site.id = read_id(s);
            if (const Json* clusters = s.array("clusters", true)) {
              if (clusters->empty())
                ctx.error(s.member_pointer("clusters"), "expected at least one cluster, found an empty array");
              for (std::size_t ci = 0; ci < clusters->size(); ++ci) {
                ObjectReader c((*clusters)[ci], detail::pointer_append(s.member_pointer("clusters"), ci), ctx);
                ClusterSpec cl;
                cl.id = read_id(c);
                cl.op = static_cast<std::uint32_t>(oi);
                cl.site = static_cast<std::uint32_t>(si);
                const std::string model = c.string("gpu_model");
                if (auto it = model_index.find(model); it != model_index.end()) cl.gpu_model = it->second;
                else if (c.has("gpu_model") && c.raw("gpu_model")->is_string())
                  ctx.error(c.member_pointer("gpu_model"),
                            fmt::format("expected the id of a GPU model in /gpu_models, found \"{}\"", model));
                cl.nodes = static_cast<std::uint32_t>(c.integer("nodes", 1, kMaxNodesPerCluster));
                cl.gpus_per_node = static_cast<std::uint32_t>(c.integer("gpus_per_node", 1, kMaxGpusPerNode));
                cl.rack_nodes = static_cast<std::uint32_t>(c.integer_or("rack_nodes", cl.nodes, 1, kMaxNodesPerCluster));
                if (const Json* sch = c.object("scheduling", false))
                  cl.scheduling = read_scheduling(*sch, c.member_pointer("scheduling"), &defaults);
                else
                  cl.scheduling = defaults;
                c.finish();
                if (!cl.id.empty() &&
                    !cluster_index.emplace(cl.id, static_cast<std::uint32_t>(sc.clusters.size())).second)
                  ctx.error(c.member_pointer("id"), fmt::format("expected a unique cluster id, found \"{}\" again", cl.id));
                site.clusters.push_back(static_cast<std::uint32_t>(sc.clusters.size()));
                sc.clusters.push_back(std::move(cl));
              }
            }
            s.finish();
            op.sites.push_back(std::move(site));
          }
        }
        o.finish();
        sc.operators.push_back(std::move(op));
      }
      if (ops->empty()) ctx.error("/operators", "expected at least one operator, found an empty array");
    }

    // Workloads
    std::map<std::string, int> workload_ids;
    if (const Json* wls = top.array("workloads", true)) {
      for (std::size_t wi = 0; wi < wls->size(); ++wi) {
        ObjectReader w((*wls)[wi], detail::pointer_append("/workloads", wi), ctx);
        WorkloadSpec spec;
        spec.id = read_id(w);
        if (!spec.id.empty() && !workload_ids.emplace(spec.id, 0).second)
          ctx.error(w.member_pointer("id"), fmt::format("expected a unique workload id, found \"{}\" again", spec.id));
        const std::string cluster = w.string("cluster");
        if (auto it = cluster_index.find(cluster); it != cluster_index.end()) spec.cluster = it->second;
        else if (w.has("cluster") && w.raw("cluster")->is_string())
          ctx.error(w.member_pointer("cluster"), fmt::format("expected the id of a cluster, found \"{}\"", cluster));
        spec.priority = static_cast<std::int32_t>(w.integer_or("priority", 0, -1'000'000, 1'000'000));
        const std::string kind = w.choice("kind", {"synthetic", "swf"});
        if (kind == "synthetic") read_synthetic(w, spec, sc);
        else if (kind == "swf") read_swf_workload(w, spec);
        w.finish();
        sc.workloads.push_back(std::move(spec));
      }
    }

    if (const Json* m = top.object("metrics", false)) {
      ObjectReader mr(*m, "/metrics", ctx);
      sc.bsld_tau_s = mr.number_or("bsld_tau_s", 10, NumberRange::above(0));
      mr.finish();
    }
    if (const Json* o = top.object("outputs", false)) {
      ObjectReader orr(*o, "/outputs", ctx);
      sc.timeseries_interval_s = orr.number_or("timeseries_interval_s", 3600, NumberRange::at_least(1));
      orr.finish();
    }
    top.finish();

    if (!sc.horizon_s) {
      for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
        const auto& w = sc.workloads[i];
        if (w.kind == WorkloadSpec::Kind::kSynthetic && !w.count)
          ctx.error(detail::pointer_append("/workloads", i),
                    "expected \"count\" (this workload never ends and the scenario has no \"horizon_days\")");
      }
    }
    if (!diags.empty()) throw InputError(std::move(diags));
    return sc;
  }

  void read_synthetic(ObjectReader& w, WorkloadSpec& spec, const Scenario&) {
    spec.kind = WorkloadSpec::Kind::kSynthetic;
    if (const Json* a = w.object("arrival", true)) {
      ObjectReader ar(*a, w.member_pointer("arrival"), ctx);
      const std::string process = ar.choice("process", {"poisson", "interval"});
      if (process == "poisson") {
        spec.arrival = WorkloadSpec::Arrival::kPoisson;
        spec.rate_per_s = ar.number("rate_per_hour", NumberRange{0, 1e9, true}) / 3600.0;
      } else if (process == "interval") {
        spec.arrival = WorkloadSpec::Arrival::kInterval;
        spec.interval_s = ar.number("interval_s", NumberRange{0, 1e12, true});
      }
      ar.finish();
    }
    spec.start_s = w.number_or("start_s", 0, NumberRange::at_least(0));
    if (auto c = w.opt_integer("count", 1, kMaxSyntheticJobs)) spec.count = static_cast<std::uint64_t>(*c);
    if (const Json* g = w.object("gpus", true)) spec.gpus = read_distribution(*g, w.member_pointer("gpus"), ctx, true);
    if (const Json* d = w.object("duration_s", true))
      spec.duration_s = read_distribution(*d, w.member_pointer("duration_s"), ctx, false);
    spec.walltime_factor = w.number_or("walltime_factor", 1, NumberRange{1, 1000, false});
  }

  void read_swf_workload(ObjectReader& w, WorkloadSpec& spec) {
    spec.kind = WorkloadSpec::Kind::kSwf;
    const std::string path = w.string("path");
    const std::string estimates = w.choice("requested_time", {"trace", "perfect"}, std::string("trace"));
    spec.perfect_estimates = estimates == "perfect";
    const double submit_scale = w.number_or("submit_scale", 1, NumberRange{0, 1e6, true});
    if (path.empty()) {
      if (w.has("path") && w.raw("path")->is_string())
        ctx.error(w.member_pointer("path"), "expected a path to an SWF file, found an empty string");
      return;
    }
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    spec.path = p.lexically_normal().string();
    Diagnostics trace_diags;
    spec.records = read_swf(spec.path, spec.perfect_estimates, trace_diags);
    for (auto& r : spec.records) r.submit *= submit_scale;
    for (const auto& d : trace_diags.items()) {
      if (d.location.empty()) diags.add(file, w.member_pointer("path"), fmt::format("{}: {}", d.file, d.message));
      else diags.add(d.file, d.location, d.message);
    }
  }
};

}  // namespace

Scenario load_scenario_json(const nlohmann::json& doc, const std::string& file, const std::string& base_dir,
                            const LoadOptions& options) {
  Loader loader(options, file, base_dir);
  return loader.load(doc);
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostics d;
    d.add(path, "", "cannot open scenario file (does it exist and is it readable?)");
    throw InputError(std::move(d));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    Diagnostics d;
    d.add(path, fmt::format("byte {}", e.byte), fmt::format("expected valid JSON: {}", e.what()));
    throw InputError(std::move(d));
  }
  std::string base = std::filesystem::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return load_scenario_json(doc, path, base, options);
}

}  // namespace gpufleet
