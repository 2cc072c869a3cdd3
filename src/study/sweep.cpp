#include "study/sweep.hpp"

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/json_input.hpp"
#include "core/json_reader.hpp"
#include "core/time_format.hpp"
#include "metrics/stats.hpp"
#include "metrics/summary_fields.hpp"
#include "output/report.hpp"
#include "output/svg_chart.hpp"
#include "scenario/scenario_resolve.hpp"

namespace gpufleet {
namespace {

using OJson = nlohmann::ordered_json;

std::string value_text(const OJson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string num(double x) {
  if (!std::isfinite(x)) return "n/a";
  const double a = std::fabs(x);
  if (a >= 1e4) return svg::grouped(x, 0);
  if (a >= 100) return svg::grouped(x, 1);
  return fmt::format("{:.4g}", x);
}

struct Cell {
  MeanCI value;
  MeanCI diff;  // paired, against variant 0
};

// stats[metric][variant]
std::vector<std::vector<Cell>> compute(const SweepSpec& spec, const std::vector<RunRow>& rows) {
  const std::size_t nv = spec.variant_count();
  std::vector<std::vector<Cell>> out(spec.metrics.size(), std::vector<Cell>(nv));
  for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
    // value of (variant, seed index)
    std::vector<std::vector<double>> grid(nv, std::vector<double>(spec.seeds.size(), NAN));
    for (const RunRow& r : rows) {
      if (r.exit_code != 0 || r.variant >= nv) continue;
      const std::size_t s = r.index % spec.seeds.size();
      grid[r.variant][s] = r.metrics[m];
    }
    for (std::size_t v = 0; v < nv; ++v) {
      out[m][v].value = mean_ci(grid[v]);
      std::vector<double> d;
      for (std::size_t s = 0; s < spec.seeds.size(); ++s)
        if (std::isfinite(grid[v][s]) && std::isfinite(grid[0][s])) d.push_back(grid[v][s] - grid[0][s]);
      out[m][v].diff = mean_ci(d);
    }
  }
  return out;
}

std::string pm(const MeanCI& c) { return std::isfinite(c.half_width) ? "±" + num(c.half_width) : "n/a"; }

std::string significant(const MeanCI& d) {
  if (!std::isfinite(d.half_width)) return "n/a";
  if (d.half_width == 0) return d.mean != 0 ? "yes (no seed variance)" : "no (identical)";
  return std::fabs(d.mean) > d.half_width ? "yes" : "no";
}

struct Header {
  std::size_t runs = 0, ok = 0;
  std::string seeds, axes;
};

Header header(const SweepSpec& spec, const std::vector<RunRow>& rows) {
  Header h;
  h.runs = rows.size();
  for (const auto& r : rows) h.ok += r.exit_code == 0;
  for (std::size_t i = 0; i < spec.seeds.size(); ++i) h.seeds += (i ? ", " : "") + std::to_string(spec.seeds[i]);
  for (std::size_t i = 0; i < spec.vary.size(); ++i) h.axes += (i ? ", " : "") + spec.vary[i].pointer;
  return h;
}

}  // namespace

std::size_t SweepSpec::variant_count() const {
  std::size_t n = 1;
  for (const auto& a : vary) {  // saturates instead of wrapping (64 axes of two values are 2^64)
    if (a.values.empty()) return 0;
    n = n > SIZE_MAX / a.values.size() ? SIZE_MAX : n * a.values.size();
  }
  return n;
}

std::size_t SweepSpec::run_count() const {
  const std::size_t v = variant_count();
  return seeds.empty() ? 0 : v > SIZE_MAX / seeds.size() ? SIZE_MAX : v * seeds.size();
}

std::optional<std::string> sweep_size_problem(const SweepSpec& spec) {
  if (spec.run_count() <= kMaxSweepRuns) return std::nullopt;
  double runs = static_cast<double>(spec.seeds.size());
  for (const auto& a : spec.vary) runs *= static_cast<double>(a.values.size());
  return fmt::format("expected at most {} runs (variants x seeds), found {:.6g}", kMaxSweepRuns, runs);
}

OJson SweepSpec::to_json() const {
  OJson j;
  j["scenario"] = scenario;
  j["patches"] = patches;
  j["set"] = sets;
  auto& v = j["vary"] = OJson::array();
  for (const auto& a : vary) v.push_back({{"pointer", a.pointer}, {"values", a.values}});
  j["seeds"] = seeds;
  j["metrics"] = metrics;
  return j;
}

std::vector<std::string> default_metrics(bool rollout) {
  std::vector<std::string> m(summary_fields::kDefaultMetrics.begin(), summary_fields::kDefaultMetrics.end());
  if (rollout)
    m.insert(m.end(), summary_fields::kDefaultRolloutMetrics.begin(), summary_fields::kDefaultRolloutMetrics.end());
  return m;
}

std::vector<std::string> variant_labels(const SweepSpec& spec, std::size_t variant) {
  std::vector<std::string> labels(spec.vary.size());
  for (std::size_t i = spec.vary.size(); i-- > 0;) {
    const auto& a = spec.vary[i];
    labels[i] = value_text(a.values[variant % a.values.size()]);
    variant /= a.values.size();
  }
  return labels;
}

std::vector<SweepRun> enumerate_runs(const SweepSpec& spec, const Shard& shard) {
  std::vector<SweepRun> runs;
  const std::size_t nv = spec.variant_count();
  for (std::size_t v = 0; v < nv; ++v) {
    std::vector<std::string> sets(spec.vary.size());
    std::size_t rest = v;
    for (std::size_t i = spec.vary.size(); i-- > 0;) {
      const auto& a = spec.vary[i];
      sets[i] = a.pointer + "=" + a.values[rest % a.values.size()].dump();
      rest /= a.values.size();
    }
    for (std::size_t s = 0; s < spec.seeds.size(); ++s) {
      const std::size_t k = v * spec.seeds.size() + s;
      if (k % shard.count != shard.index - 1) continue;
      runs.push_back(SweepRun{k, v, spec.seeds[s], sets, fmt::format("r{:04}-v{}-s{}", k, v, spec.seeds[s])});
    }
  }
  return runs;
}

std::optional<VaryAxis> parse_vary(const std::string& text, Diagnostics& diags) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || text[0] != '/') {
    diags.add("--vary", text,
              "expected POINTER=V1,V2,... with a JSON Pointer, e.g. /scheduling/backfill/policy=none,easy");
    return std::nullopt;
  }
  VaryAxis a;
  a.pointer = text.substr(0, eq);
  std::stringstream ss(text.substr(eq + 1));
  std::string item;
  bool ok = true;
  while (std::getline(ss, item, ',')) {
    auto v = parse_cli_value(item, "--vary", text.substr(0, eq), diags);
    if (v) a.values.push_back(std::move(*v));
    else ok = false;
  }
  if (!ok) return std::nullopt;
  if (a.values.empty()) {
    diags.add("--vary", text, "expected at least one value after '='");
    return std::nullopt;
  }
  return a;
}

std::optional<Shard> parse_shard(const std::string& text, Diagnostics& diags) {
  unsigned long i = 0, n = 0;
  char slash = 0, extra = 0;
  std::istringstream in(text);
  if (text.find_first_not_of("0123456789/") != std::string::npos || !(in >> i >> slash >> n) || slash != '/' ||
      (in >> extra) || n < 1 || i < 1 || i > n || n > 100000) {
    diags.add("--shard", text, "expected I/N with 1 <= I <= N <= 100000, e.g. 2/3");
    return std::nullopt;
  }
  return Shard{i, n};
}

SweepSpec load_sweep_spec(const std::string& path, const ResourceLimits& limits,
                          std::optional<std::uint64_t> base_seed_override) {
  Diagnostics diags;
  // Ordered: the axes keep the file's order.
  const std::optional<OJson> read = read_json_file(path, "sweep file", limits.max_input_bytes(), diags);
  if (!read) throw InputError(std::move(diags));
  const OJson& odoc = *read;
  const OJson& doc = odoc;  // ObjectReader reads ordered JSON, like the scenario path
  detail::ReadContext ctx{path, &diags};
  detail::ObjectReader r(doc, "", ctx);
  SweepSpec spec;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  auto rel = [&](const std::string& p) {
    const std::filesystem::path q(p);
    return (q.is_absolute() ? q : (dir / q)).lexically_normal().string();
  };
  spec.scenario = rel(r.string("scenario"));
  if (const auto* a = r.array("patches", false))
    for (std::size_t i = 0; i < a->size(); ++i) {
      if ((*a)[i].is_string()) spec.patches.push_back(rel((*a)[i].get<std::string>()));
      else ctx.error(detail::pointer_append("/patches", i), "expected a file path (string)");
    }
  if (const auto* a = r.array("set", false))
    for (std::size_t i = 0; i < a->size(); ++i) {
      if ((*a)[i].is_string()) spec.sets.push_back((*a)[i].get<std::string>());
      else ctx.error(detail::pointer_append("/set", i), "expected \"POINTER=VALUE\" (string)");
    }
  if (const auto* a = r.array("metrics", false))
    for (std::size_t i = 0; i < a->size(); ++i) {
      if ((*a)[i].is_string() && (*a)[i].get<std::string>().rfind('/', 0) == 0)
        spec.metrics.push_back((*a)[i].get<std::string>());
      else
        ctx.error(detail::pointer_append("/metrics", i),
                  "expected a JSON Pointer into summary.json (string starting with '/')");
    }
  if (const OJson* v = r.raw("vary")) {
    if (v->is_object() && odoc["vary"].is_object()) {
      for (auto it = odoc["vary"].begin(); it != odoc["vary"].end(); ++it) {
        const std::string where = detail::pointer_append("/vary", it.key());
        if (it.key().empty() || it.key()[0] != '/')
          ctx.error(where, "expected a JSON Pointer as the key (starting with '/')");
        else if (!it.value().is_array() || it.value().empty()) ctx.error(where, "expected a non-empty array of values");
        else spec.vary.push_back(VaryAxis{it.key(), std::vector<OJson>(it.value().begin(), it.value().end())});
      }
    } else if (v->is_array()) {
      for (std::size_t i = 0; i < v->size(); ++i) {
        const std::string where = detail::pointer_append("/vary", i);
        const OJson& e = odoc["vary"][i];
        if (!e.is_object() || !e.contains("pointer") || !e["pointer"].is_string() || !e.contains("values") ||
            !e["values"].is_array() || e["values"].empty() || e.size() != 2)
          ctx.error(where, "expected {\"pointer\": \"/...\", \"values\": [ ... ]} with a non-empty array");
        else
          spec.vary.push_back(
              VaryAxis{e["pointer"].get<std::string>(), std::vector<OJson>(e["values"].begin(), e["values"].end())});
      }
    } else {
      ctx.error("/vary", "expected an object {POINTER: [values]} or an array of {pointer, values}");
    }
  } else {
    ctx.error("/vary", "expected at least one axis to vary (missing key)");
  }
  const std::uint64_t first = base_seed_override.value_or(1);
  if (const OJson* s = r.raw("seeds")) {
    if (s->is_number_unsigned() && s->get<std::uint64_t>() >= 1 && s->get<std::uint64_t>() <= 10000) {
      for (std::uint64_t i = 0; i < s->get<std::uint64_t>(); ++i) spec.seeds.push_back(first + i);
    } else if (s->is_array() && !s->empty()) {
      std::set<std::uint64_t> seen;
      for (std::size_t i = 0; i < s->size(); ++i) {
        if (!(*s)[i].is_number_unsigned() || (*s)[i].get<std::uint64_t>() > kMaxSeed)
          ctx.error(detail::pointer_append("/seeds", i),
                    fmt::format("expected an integer seed in [0, {}] (what --seed takes), found {}", kMaxSeed,
                                (*s)[i].dump()));
        else if (!seen.insert((*s)[i].get<std::uint64_t>()).second)
          ctx.error(detail::pointer_append("/seeds", i), "expected distinct seeds");
        else spec.seeds.push_back((*s)[i].get<std::uint64_t>());
      }
    } else {
      ctx.error("/seeds", fmt::format("expected a count 1..10000 or a non-empty array of seeds, found {}", s->dump()));
    }
  } else {
    spec.seeds.push_back(first);
  }
  r.finish();
  if (diags.empty())
    if (const auto too_big = sweep_size_problem(spec)) diags.add(path, "", *too_big);
  if (!diags.empty()) throw InputError(std::move(diags));
  return spec;
}

double metric_value(const nlohmann::json& summary, const std::string& pointer) {
  try {
    const nlohmann::json::json_pointer p(pointer);
    if (!summary.contains(p)) return NAN;
    const auto& v = summary.at(p);
    if (v.is_number()) return v.get<double>();
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (v.is_string()) {
      const auto t = parse_utc(v.get<std::string>().substr(0, 10));
      const nlohmann::json::json_pointer start_at{std::string(summary_fields::kScenarioStart)};
      const auto start = summary.contains(start_at) && summary.at(start_at).is_string()
                             ? parse_utc(summary.at(start_at).get<std::string>())
                             : std::nullopt;
      if (t && start) return static_cast<double>(*t - *start) / 86400.0;
    }
  } catch (const nlohmann::json::exception&) {}
  return NAN;
}

std::string compare_csv(const SweepSpec& spec, const std::vector<RunRow>& rows) {
  std::string out = "run,variant";
  for (const auto& a : spec.vary) out += fmt::format(",{}", csv_field(a.pointer));
  out += ",seed,exit_code,complete";
  for (const auto& m : spec.metrics) out += fmt::format(",{}", csv_field(m));
  out += ",wall_time_s,peak_memory_mib\n";
  for (const RunRow& r : rows) {
    out += fmt::format("{},{}", r.index, r.variant);
    for (const auto& l : variant_labels(spec, r.variant)) out += fmt::format(",{}", csv_field(l));
    out += fmt::format(",{},{},{}", r.seed, r.exit_code, r.complete ? "true" : "false");
    for (double v : r.metrics) out += std::isfinite(v) ? fmt::format(",{}", v) : std::string(",");
    out += std::isfinite(r.wall_time_s) ? fmt::format(",{:.6f}", r.wall_time_s) : std::string(",");
    out += std::isfinite(r.peak_memory_mib) ? fmt::format(",{:.1f}\n", r.peak_memory_mib) : std::string(",\n");
  }
  return out;
}

std::vector<RunRow> parse_compare_csv(const std::string& text, const std::string& file, const SweepSpec& spec) {
  Diagnostics diags;
  std::vector<RunRow> rows;
  std::istringstream in(text);
  std::string line;
  const std::size_t ncols = 2 + spec.vary.size() + 3 + spec.metrics.size() + 2;
  std::size_t lineno = 0;
  auto to_double = [](const std::string& s) {
    if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
  };
  while (std::getline(in, line)) {
    if (++lineno == 1) {
      if (line != compare_csv(spec, {}).substr(0, compare_csv(spec, {}).size() - 1))
        diags.add(file, "line 1", "expected the header of this sweep's compare.csv (same axes and metrics)");
      continue;
    }
    const auto f = csv_split(line);
    if (f.size() != ncols) {
      diags.add(file, fmt::format("line {}", lineno), fmt::format("expected {} fields, found {}", ncols, f.size()));
      continue;
    }
    try {
      RunRow r;
      r.index = std::stoul(f[0]);
      r.variant = std::stoul(f[1]);
      std::size_t k = 2 + spec.vary.size();
      r.seed = std::stoull(f[k++]);
      r.exit_code = std::stoi(f[k++]);
      r.complete = f[k++] == "true";
      for (std::size_t m = 0; m < spec.metrics.size(); ++m) r.metrics.push_back(to_double(f[k++]));
      r.wall_time_s = to_double(f[k++]);
      r.peak_memory_mib = to_double(f[k++]);
      rows.push_back(std::move(r));
    } catch (const std::exception&) {
      diags.add(file, fmt::format("line {}", lineno),
                "expected numbers in the run, variant, seed, exit and metric fields");
    }
  }
  if (lineno == 0) diags.add(file, "", "expected a compare.csv header, found an empty file");
  if (!diags.empty()) throw InputError(std::move(diags));
  return rows;
}

std::string compare_markdown(const SweepSpec& spec, const std::vector<RunRow>& rows, const std::string& title) {
  const Header h = header(spec, rows);
  const auto stats = compute(spec, rows);
  std::string out = fmt::format("# Comparison: {}\n\n", title);
  out += fmt::format(
      "- Scenario: `{}`\n- Varied: {}\n- Seeds: {} ({}), the same for every variant (common random numbers)\n",
      spec.scenario, h.axes, spec.seeds.size(), h.seeds);
  out += fmt::format("- Runs: {} of {} in this table; {} succeeded\n", h.runs, spec.run_count(), h.ok);
  out += "- Intervals: 95 %, Student's t over seeds; \"diff\" is paired by seed against variant 0\n\n";
  for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
    out += fmt::format("## `{}`\n\n| variant |", spec.metrics[m]);
    for (const auto& a : spec.vary) out += fmt::format(" `{}` |", a.pointer);
    out += " n | mean | 95 % CI | diff vs variant 0 | 95 % CI of diff | differs? |\n|---|";
    for (std::size_t i = 0; i < spec.vary.size(); ++i) out += "---|";
    out += "---:|---:|---:|---:|---:|---|\n";
    for (std::size_t v = 0; v < spec.variant_count(); ++v) {
      const Cell& c = stats[m][v];
      out += fmt::format("| {} |", v);
      for (const auto& l : variant_labels(spec, v)) out += fmt::format(" {} |", l);
      out +=
          fmt::format(" {} | {} | {} | {} | {} | {} |\n", c.value.n, num(c.value.mean), pm(c.value),
                      v == 0 ? "-" : num(c.diff.mean), v == 0 ? "-" : pm(c.diff), v == 0 ? "-" : significant(c.diff));
    }
    out += "\n";
  }
  return out;
}

std::string compare_html(const SweepSpec& spec, const std::vector<RunRow>& rows, const std::string& title) {
  const Header h = header(spec, rows);
  const auto stats = compute(spec, rows);
  using svg::escape;
  std::string b = fmt::format(
      "<header><h1>Comparison: {}</h1><p class=\"sub\">Scenario {} &#183; varied {} &#183; {} seeds ({}) "
      "&#183; {} of {} runs, {} succeeded</p><p class=\"sub\">Bars: mean over seeds; whiskers and "
      "intervals: 95 %, Student's t; diff: paired by seed against variant 0.</p></header>\n",
      escape(title), escape(spec.scenario), escape(h.axes), spec.seeds.size(), escape(h.seeds), h.runs,
      spec.run_count(), h.ok);
  b += "<section id=\"comparison\">";
  for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
    b += fmt::format("<h2>{}</h2>", escape(spec.metrics[m]));
    svg::BarChart chart;
    chart.title = spec.metrics[m];
    chart.y_label = "mean";
    chart.height = 240;
    for (std::size_t v = 0; v < spec.variant_count(); ++v) {
      std::string label;
      for (const auto& l : variant_labels(spec, v)) label += (label.empty() ? "" : " / ") + l;
      chart.bars.push_back(
          {label, std::isfinite(stats[m][v].value.mean) ? stats[m][v].value.mean : 0, stats[m][v].value.half_width});
    }
    b += svg::render(chart);
    b += "<table><thead><tr><th>variant</th>";
    for (const auto& a : spec.vary) b += "<th>" + escape(a.pointer) + "</th>";
    b += "<th>n</th><th>mean</th><th>95 % CI</th><th>diff vs variant 0</th><th>95 % CI of "
         "diff</th><th>differs?</th></tr></thead><tbody>";
    for (std::size_t v = 0; v < spec.variant_count(); ++v) {
      const Cell& c = stats[m][v];
      b += fmt::format("<tr><td class=\"n\">{}</td>", v);
      for (const auto& l : variant_labels(spec, v)) b += "<td>" + escape(l) + "</td>";
      b += fmt::format(
          "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td><td>{}</td></tr>",
          c.value.n, num(c.value.mean), escape(pm(c.value)), v == 0 ? "-" : num(c.diff.mean),
          v == 0 ? "-" : escape(pm(c.diff)), v == 0 ? "-" : escape(significant(c.diff)));
    }
    b += "</tbody></table>";
  }
  b += "</section>\n<section id=\"runs\"><h2>Runs</h2><table><thead><tr><th>run</th><th>variant</th><th>seed</th>"
       "<th>exit</th><th>wall time (s)</th><th>peak memory (MiB)</th></tr></thead><tbody>";
  for (const RunRow& r : rows)
    b += fmt::format(
        "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        r.index, r.variant, r.seed, r.exit_code, num(r.wall_time_s), num(r.peak_memory_mib));
  b += "</tbody></table></section>";
  return html_page("Comparison: " + title, b);
}

}  // namespace gpufleet
