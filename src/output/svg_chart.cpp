#include "output/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/time_format.hpp"

namespace gpufleet::svg {
namespace {

// Colour-blind-safe palette (Okabe & Ito).
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
constexpr int kLeft = 78, kRight = 190, kTop = 34, kBottom = 46;

std::string axis_number(double v, double step) {
  const double a = std::fabs(v);
  if (a >= 1e6 && step >= 1e5) return fmt::format("{}M", grouped(v / 1e6, step >= 1e6 ? 0 : 1));
  if (a >= 1e4 && step >= 1e3) return fmt::format("{}k", grouped(v / 1e3, step >= 1e3 ? 0 : 1));
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
  return grouped(v, decimals);
}

std::string header(int w, int h, const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"{}\" "
      "height=\"{}\" aria-label=\"{}\"><title>{}</title>"
      "<text x=\"{}\" y=\"20\" class=\"ct\">{}</text>",
      w, h, w, h, escape(title), escape(title), kLeft, escape(title));
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string grouped(double value, int decimals) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "n/a";
  std::string s = fmt::format("{:.{}f}", std::fabs(value), std::max(0, decimals));
  const std::size_t dot = s.find('.');
  std::string int_part = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot);
  std::string g;
  for (std::size_t i = 0; i < int_part.size(); ++i) {
    if (i && (int_part.size() - i) % 3 == 0) g += ',';
    g += int_part[i];
  }
  const bool negative = value < 0 && s.find_first_not_of("0.,") != std::string::npos;
  return (negative ? "-" : "") + g + frac;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  // From the last multiple of step at or below lo to the first at or above hi: the data fit inside.
  std::vector<double> ticks;
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  for (double k = first; k <= last && ticks.size() < 64; k += 1) ticks.push_back(k == 0 ? 0.0 : k * step);
  return ticks;
}

std::string render(const LineChart& c) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y1 = 0;
  for (const auto& s : c.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y1 = std::max(y1, s.y[i]);
    }
  std::string out = header(c.width, c.height, c.title);
  const double pw = c.width - kLeft - kRight, ph = c.height - kTop - kBottom;
  if (!std::isfinite(x0)) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"na\">no data</text></svg>", kLeft, kTop + ph / 2);
    return out;
  }
  if (!(x1 > x0)) x1 = x0 + 1;
  const std::vector<double> yt = nice_ticks(0, y1 > 0 ? y1 : 1, 5);
  const double ytop = yt.back() > 0 ? yt.back() : 1;
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return kTop + ph - y / ytop * ph; };
  // Grid and y ticks.
  for (double v : yt)
    out += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"yt\">{}</text>",
        kLeft, py(v), kLeft + pw, py(v), kLeft - 6, py(v) + 4, axis_number(v, ystep));
  // X ticks: dates or numbers, about 6.
  const int nx = 6;
  for (int k = 0; k <= nx; ++k) {
    const double x = x0 + (x1 - x0) * k / nx;
    const std::string label = c.x_is_date ? ((x1 - x0) > 4 * 86400 ? format_date(x) : format_utc(x).substr(5, 11))
                                          : axis_number(x, (x1 - x0) / nx);
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" class=\"axis\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" class=\"xt\">{4}</text>",
        px(x), kTop + ph, kTop + ph + 5, kTop + ph + 18, escape(label));
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" class=\"axis\"/>", kLeft, kTop + ph,
                     kLeft + pw);
  out += fmt::format("<text x=\"14\" y=\"{:.1f}\" class=\"yl\" transform=\"rotate(-90 14 {:.1f})\">{}</text>",
                     kTop + ph / 2, kTop + ph / 2, escape(c.y_label));
  if (!c.x_is_date && !c.x_label.empty())
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"xl\">{}</text>", kLeft + pw / 2, c.height - 6,
                       escape(c.x_label));
  // Series and legend.
  for (std::size_t si = 0; si < c.series.size(); ++si) {
    const Series& s = c.series[si];
    const char* colour = kPalette[(s.colour >= 0 ? static_cast<std::size_t>(s.colour) : si) % std::size(kPalette)];
    const std::size_t n = std::min(s.x.size(), s.y.size());
    const std::size_t stride =
        std::max<std::size_t>(1, (n + c.max_points - 1) / std::max<std::size_t>(1, c.max_points));
    std::string pts;
    for (std::size_t i = 0; i < n; i += stride) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
    }
    if (n && (n - 1) % stride && std::isfinite(s.y[n - 1]))
      pts += fmt::format("{:.1f},{:.1f} ", px(s.x[n - 1]), py(s.y[n - 1]));
    if (!pts.empty()) pts.pop_back();
    out += fmt::format(
        "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"{} "
        "points=\"{}\"><title>{}</title></polyline>",
        colour, s.dashed ? " stroke-dasharray=\"5 4\"" : "", pts, escape(s.name));
    const double ly = kTop + 8 + 18.0 * static_cast<double>(si);
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"3\"{4}/>"
        "<text x=\"{5:.1f}\" y=\"{6:.1f}\" class=\"lg\">{7}</text>",
        kLeft + pw + 12, ly, kLeft + pw + 32, colour, s.dashed ? " stroke-dasharray=\"5 4\"" : "", kLeft + pw + 38,
        ly + 4, escape(s.name));
  }
  out += "</svg>";
  return out;
}

std::string render(const BarChart& c) {
  std::string out = header(c.width, c.height, c.title);
  const double pw = c.width - kLeft - 40, ph = c.height - kTop - kBottom;
  double ymax = 0;
  for (const Bar& b : c.bars) ymax = std::max(ymax, b.value + (std::isfinite(b.error) ? b.error : 0));
  if (!(ymax > 0)) return out + "<text x=\"80\" y=\"120\" class=\"na\">no data</text></svg>";
  const std::vector<double> yt = nice_ticks(0, ymax > 0 ? ymax : 1, 5);
  const double ytop = yt.back() > 0 ? yt.back() : 1;
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  auto py = [&](double y) { return kTop + ph - y / ytop * ph; };
  for (double v : yt)
    out += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"yt\">{}</text>",
        kLeft, py(v), kLeft + pw, py(v), kLeft - 6, py(v) + 4, axis_number(v, ystep));
  const double bw = pw / static_cast<double>(c.bars.size());
  for (std::size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    const double x = kLeft + bw * static_cast<double>(i);
    out += fmt::format(
        "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
        "<title>{}: {}</title></rect>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"xt\">{}</text>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"bv\">{}</text>",
        x + bw * 0.12, py(b.value), bw * 0.76, kTop + ph - py(b.value), kPalette[0], escape(b.label), grouped(b.value),
        x + bw / 2, kTop + ph + 18, escape(b.label), x + bw / 2, py(b.value) - 4, grouped(b.value));
    if (std::isfinite(b.error) && b.error > 0)
      out += fmt::format(
          "<path class=\"err\" stroke=\"#000\" d=\"M{0:.1f} {1:.1f}V{2:.1f}M{3:.1f} {1:.1f}H{4:.1f}M{3:.1f} "
          "{2:.1f}H{4:.1f}\"/>",
          x + bw / 2, py(std::max(0.0, b.value - b.error)), py(b.value + b.error), x + bw / 2 - 6, x + bw / 2 + 6);
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" class=\"axis\"/>", kLeft, kTop + ph,
                     kLeft + pw);
  out += fmt::format("<text x=\"14\" y=\"{:.1f}\" class=\"yl\" transform=\"rotate(-90 14 {:.1f})\">{}</text></svg>",
                     kTop + ph / 2, kTop + ph / 2, escape(c.y_label));
  return out;
}

}  // namespace gpufleet::svg
