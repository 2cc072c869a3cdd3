// Small, dependency-free SVG charts for the HTML reports (no scripts, no fonts,
// no network: the report must open anywhere, offline, as one file).
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace gpufleet::svg {

struct Series {
  std::string name;
  std::vector<double> x;  // for time axes: seconds since the epoch (UTC)
  std::vector<double> y;
  bool dashed = false;
  int colour = -1;  // index into the palette; < 0: the series' position in the chart
};

struct LineChart {
  std::string title;
  std::string y_label;
  bool x_is_date = true;
  std::string x_label;  // when not a date axis
  std::vector<Series> series;
  int width = 920, height = 320;
  std::size_t max_points = 600;  // per series; longer series are thinned (every k-th point, last kept)
};

struct Bar {
  std::string label;
  double value = 0;
  double error = std::numeric_limits<double>::quiet_NaN();  // whisker +/- error when finite
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<Bar> bars;
  int width = 920, height = 300;
};

// An <svg> element (well-formed XML) with axes, ticks, a legend and the data.
std::string render(const LineChart& chart);
std::string render(const BarChart& chart);

// Text escaped for HTML/XML content and attribute values.
std::string escape(const std::string& text);
// 1234567 -> "1,234,567"; 1234.5 with decimals 1 -> "1,234.5".
std::string grouped(double value, int decimals = 0);
// Tick values: "nice" numbers (1, 2, 5 x 10^k) covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target);

}  // namespace gpufleet::svg
