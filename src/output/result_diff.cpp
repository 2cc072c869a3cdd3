#include "output/result_diff.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "output/svg_chart.hpp"

namespace gpufleet {
namespace {

using Json = nlohmann::ordered_json;

bool keyed_by_id(const Json& v) {
  if (!v.is_array() || v.empty()) return false;
  std::set<std::string> ids;
  for (const Json& e : v) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) return false;
    if (!ids.insert(e["id"].get<std::string>()).second) return false;
  }
  return true;
}

std::string escape_token(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Leaves of `v` in document order: path -> value.
void flatten(const Json& v, const std::string& path, std::vector<std::pair<std::string, const Json*>>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) flatten(it.value(), path + "/" + escape_token(it.key()), out);
    if (v.empty()) out.emplace_back(path, &v);
  } else if (keyed_by_id(v)) {
    for (const Json& e : v) {
      const std::string base = path + "/" + escape_token(e["id"].get<std::string>());
      for (auto it = e.begin(); it != e.end(); ++it)
        if (it.key() != "id") flatten(it.value(), base + "/" + escape_token(it.key()), out);
    }
  } else if (v.is_array() && !v.empty()) {
    for (std::size_t i = 0; i < v.size(); ++i) flatten(v[i], fmt::format("{}/{}", path, i), out);
  } else {
    out.emplace_back(path, &v);
  }
}

bool ignored(const std::string& path, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 && path[p.size()] == '/'))
      return true;
  return false;
}

std::string text(const Json* v) {
  if (!v) return "(absent)";
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

std::string xml_escape(const std::string& s) { return svg::escape(s); }

}  // namespace

DiffResult diff_summaries(const Json& a, const Json& b, const DiffOptions& o) {
  std::vector<std::pair<std::string, const Json*>> la, lb;
  flatten(a, "", la);
  flatten(b, "", lb);
  std::map<std::string, const Json*> mb(lb.begin(), lb.end());
  std::set<std::string> seen;
  DiffResult r;
  auto compare = [&](const std::string& path, const Json* va, const Json* vb) {
    if (ignored(path, o.ignore)) return;
    DiffEntry e;
    e.path = path.empty() ? "/" : path;
    e.a = text(va);
    e.b = text(vb);
    if (va && vb && va->is_number() && vb->is_number()) {
      const double x = va->get<double>(), y = vb->get<double>();
      e.numeric = true;
      e.delta = y - x;
      e.abs_diff = std::fabs(x - y);
      const double scale = std::max(std::fabs(x), std::fabs(y));
      e.rel_diff = scale > 0 ? e.abs_diff / scale : 0;
      e.within = e.abs_diff <= o.atol + o.rtol * scale;
    } else {
      e.within = va && vb && *va == *vb;
    }
    ++r.compared;
    if (!e.within) ++r.differing;
    r.entries.push_back(std::move(e));
  };
  for (const auto& [path, va] : la) {
    seen.insert(path);
    auto it = mb.find(path);
    compare(path, va, it == mb.end() ? nullptr : it->second);
  }
  for (const auto& [path, vb] : lb)
    if (!seen.count(path)) compare(path, nullptr, vb);
  return r;
}

std::string diff_table(const DiffResult& d, const std::string& name_a, const std::string& name_b, bool all) {
  std::vector<const DiffEntry*> rows;
  for (const auto& e : d.entries)
    if (all || !e.within) rows.push_back(&e);
  std::size_t w0 = 6, w1 = std::max<std::size_t>(1, name_a.size()), w2 = std::max<std::size_t>(1, name_b.size());
  for (const auto* e : rows) {
    w0 = std::max(w0, e->path.size());
    w1 = std::max(w1, std::min<std::size_t>(e->a.size(), 40));
    w2 = std::max(w2, std::min<std::size_t>(e->b.size(), 40));
  }
  std::string out;
  constexpr std::size_t kShown = 60;  // a readable screenful; --all or --junit for everything
  const std::size_t hidden = rows.size() > kShown && !all ? rows.size() - kShown : 0;
  if (hidden) rows.resize(kShown);
  if (!rows.empty()) {
    out += fmt::format("{:<{}}  {:>{}}  {:>{}}  {:>12}  {:>9}\n", "metric", w0, "A", w1, "B", w2, "B - A", "rel");
    for (const auto* e : rows) {
      std::string delta = "", rel = "";
      if (e->numeric) {
        delta = fmt::format("{:+.6g}", e->delta);
        rel = fmt::format("{:.3g}%", 100 * e->rel_diff);
      } else {
        delta = "changed";
      }
      out += fmt::format("{:<{}}  {:>{}}  {:>{}}  {:>12}  {:>9}{}\n", e->path, w0, e->a, w1, e->b, w2, delta, rel,
                         e->within ? "" : "  *");
    }
  }
  if (hidden) out += fmt::format("... and {} more beyond tolerance (--all lists every value)\n", hidden);
  out += fmt::format("A = {}\nB = {}\n{} of {} compared values differ beyond tolerance.\n", name_a, name_b, d.differing,
                     d.compared);
  return out;
}

std::string diff_junit(const DiffResult& d, const std::string& suite, const DiffOptions& o) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gpufleet\" tests=\"{0}\" failures=\"{1}\">\n"
      "  <testsuite name=\"{2}\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"0\">\n",
      d.compared, d.differing, xml_escape(suite));
  for (const auto& e : d.entries) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml_escape(suite), xml_escape(e.path));
    if (e.within) {
      out += "/>\n";
      continue;
    }
    const std::string msg = e.numeric ? fmt::format("A={} B={} |B-A|={:.6g} rel={:.3g} (rtol {}, atol {})", e.a, e.b,
                                                    e.abs_diff, e.rel_diff, o.rtol, o.atol)
                                      : fmt::format("A={} B={}", e.a, e.b);
    out += fmt::format(">\n      <failure message=\"{}\" type=\"difference\">{}</failure>\n    </testcase>\n",
                       xml_escape(msg), xml_escape(msg));
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace gpufleet
