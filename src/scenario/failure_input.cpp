#include "scenario/failure_input.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace gpufleet::detail {

Distribution read_distribution(const Json& v, const std::string& pointer, const ReadContext& ctx, bool gpu_count) {
  Distribution d;
  ObjectReader r(v, pointer, ctx);
  const std::vector<std::string> kinds =
      gpu_count ? std::vector<std::string>{"fixed", "uniform", "discrete"}
                : std::vector<std::string>{"fixed", "uniform", "exponential", "lognormal", "discrete"};
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
    if (d.max < d.min)
      ctx.error(r.member_pointer("max"), fmt::format("expected max >= min ({}), found {}", d.min, d.max));
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
        ctx.error(r.member_pointer("weights"),
                  fmt::format("expected {} weights (one per value), found {}", values->size(), weights->size()));
      else if (!weights->empty() && !(total > 0))
        ctx.error(r.member_pointer("weights"), "expected weights with a positive sum, found all zero");
    }
  }
  r.finish();
  return d;
}

namespace {

Distribution fixed(double v) {
  Distribution d;
  d.kind = Distribution::Kind::kFixed;
  d.value = v;
  return d;
}

Distribution lognormal(double median, double sigma) {
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.median = median;
  d.sigma = sigma;
  return d;
}

}  // namespace

std::vector<FailureClassSpec> llama3_failure_classes() {
  // Shares: Llama 3 405B, 419 unplanned interruptions in 54 days (domain-facts.md section 4; Dubey et al.
  // 2024, table 5); "other" is what the five named classes leave (23.8 %). Recovery (assumption,
  // docs/failures.md): 99 % automatic in 10 minutes (the report: only 3 of 466 interruptions needed
  // manual intervention), else a manual repair of median 2 days.
  const auto cls = [](const char* id, double share) {
    return FailureClassSpec{id, share, 0.99, fixed(600), lognormal(2 * 86400.0, 0.8)};
  };
  return {cls("gpu", 0.301),     cls("hbm", 0.172),  cls("software", 0.129),
          cls("network", 0.084), cls("host", 0.076), cls("other", 0.238)};
}

FailureSpec read_failures(const Json& v, const std::string& pointer, const ReadContext& ctx) {
  ObjectReader r(v, pointer, ctx);
  FailureSpec f;
  // At most one failure per GPU-hour (the Llama 3 rate is 2e-5): higher rates are input mistakes.
  const auto rate = r.opt_number("rate_per_gpu_hour", NumberRange{0, 1, true});
  const auto mtbf = r.opt_number("node_mtbf_h", NumberRange::above(0));
  const auto gpus = r.opt_integer("mtbf_node_gpus", 1, 1024);
  if (rate && mtbf)
    ctx.error(r.member_pointer("node_mtbf_h"), "expected one of rate_per_gpu_hour and node_mtbf_h, found both");
  else if (!rate && !mtbf && r.ok())
    ctx.error(pointer, "expected rate_per_gpu_hour (failures per GPU-hour) or node_mtbf_h with mtbf_node_gpus");
  if (mtbf && !gpus)
    ctx.error(r.member_pointer("node_mtbf_h"),
              "expected mtbf_node_gpus (the GPUs of the node the MTBF is for) with it");
  if (gpus && !mtbf) ctx.error(r.member_pointer("mtbf_node_gpus"), "expected node_mtbf_h with it");
  if (rate) f.rate_per_gpu_hour = *rate;
  else if (mtbf && gpus) f.rate_per_gpu_hour = 1.0 / (*mtbf * static_cast<double>(*gpus));
  if (mtbf && gpus && f.rate_per_gpu_hour > 1)
    ctx.error(r.member_pointer("node_mtbf_h"), fmt::format("expected at most one failure per GPU-hour (node_mtbf_h >= "
                                                           "1 / mtbf_node_gpus), found {} per GPU-hour",
                                                           f.rate_per_gpu_hour));
  f.weibull_shape = r.number_or("weibull_shape", 1, NumberRange::between(0.1, 10));
  f.domain_share = r.number_or("domain_share", 0, NumberRange::between(0, 1));
  if (const Json* sys = r.object("systematic", false)) {
    ObjectReader y(*sys, r.member_pointer("systematic"), ctx);
    SystematicFailures sf;
    sf.node_share = y.number("node_share", NumberRange::between(0, 1));
    sf.factor = y.number("factor", NumberRange::between(1, 1000));
    sf.found_after = static_cast<std::uint32_t>(y.integer("found_after", 1, 1'000'000));
    y.finish();
    f.systematic = sf;
  }
  if (const Json* classes = r.array("classes", false)) {
    const std::string cp = r.member_pointer("classes");
    if (classes->empty()) ctx.error(cp, "expected at least one failure class, found an empty array");
    double total = 0;
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < classes->size(); ++i) {
      ObjectReader c((*classes)[i], pointer_append(cp, i), ctx);
      FailureClassSpec k;
      k.id = c.string("id");
      if (!k.id.empty() && !seen.emplace(k.id, i).second)
        ctx.error(c.member_pointer("id"), fmt::format("expected a unique failure class id, found \"{}\" again", k.id));
      k.share = c.number("share", NumberRange::between(0, 1));
      total += k.share;
      k.auto_share = c.number("auto_share", NumberRange::between(0, 1));
      if (const Json* a = c.object("auto_s", k.auto_share > 0))
        k.auto_s = read_distribution(*a, c.member_pointer("auto_s"), ctx, false);
      if (const Json* m = c.object("manual_s", k.auto_share < 1))
        k.manual_s = read_distribution(*m, c.member_pointer("manual_s"), ctx, false);
      c.finish();
      f.classes.push_back(std::move(k));
    }
    if (!classes->empty() && std::abs(total - 1) > 1e-9)
      ctx.error(cp, fmt::format("expected shares that sum to 1, found a sum of {}", total));
  } else {
    f.classes = llama3_failure_classes();
  }
  r.finish();
  return f;
}

RepairSpec read_repair(const Json& v, const std::string& pointer, const ReadContext& ctx) {
  ObjectReader r(v, pointer, ctx);
  RepairSpec s;
  if (const auto t = r.opt_integer("technicians", 1, 1'000'000)) s.technicians = static_cast<std::uint32_t>(*t);
  s.spare_nodes = static_cast<std::uint32_t>(r.integer_or("spare_nodes", 0, 0, 1'000'000));
  s.swap_s = r.number_or("swap_s", 0, NumberRange::between(0, 365 * 86400.0));
  r.finish();
  return s;
}

std::vector<TracedFailure> read_failure_trace(const Json& v, const std::string& pointer, const ReadContext& ctx,
                                              const std::vector<FailureClassSpec>& classes, std::uint32_t nodes) {
  std::vector<TracedFailure> out;
  if (!v.is_array()) {
    ctx.error(pointer, "expected an array of failures");
    return out;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    ObjectReader r(v[i], pointer_append(pointer, i), ctx);
    TracedFailure f;
    f.node = static_cast<std::uint32_t>(r.integer("node", 0, nodes > 0 ? nodes - 1 : 0));
    f.at_s = r.number("at_s", NumberRange::at_least(0));
    const std::string cls = r.string("class");
    const auto it =
        std::find_if(classes.begin(), classes.end(), [&](const FailureClassSpec& c) { return c.id == cls; });
    if (it == classes.end() && r.has("class")) {
      std::string known;
      for (const FailureClassSpec& c : classes) known += (known.empty() ? "" : ", ") + c.id;
      ctx.error(r.member_pointer("class"),
                fmt::format("expected a failure class of the cluster's GPU model ({}), found \"{}\"", known, cls));
    } else if (it != classes.end()) {
      f.cls = static_cast<std::uint32_t>(it - classes.begin());
    }
    f.automatic = r.choice("recovery", {"automatic", "manual"}) == "automatic";
    f.duration_s = r.number("duration_s", NumberRange::at_least(0));
    if (!out.empty() && f.at_s < out.back().at_s)
      ctx.error(r.member_pointer("at_s"),
                fmt::format("expected failures in time order (at or after {}), found {}", out.back().at_s, f.at_s));
    r.finish();
    out.push_back(f);
  }
  return out;
}

}  // namespace gpufleet::detail
