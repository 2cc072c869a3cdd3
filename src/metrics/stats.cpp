#include "metrics/stats.hpp"

#include <cmath>
#include <limits>

namespace gpufleet {

double student_t_975(std::size_t df) {
  // Two-sided 95 % critical values (e.g. Abramowitz & Stegun, table 26.10).
  static const double kTable[31] = {0,      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
                                    2.3060, 2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
                                    2.1199, 2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
                                    2.0639, 2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df == 0) return std::numeric_limits<double>::quiet_NaN();
  if (df <= 30) return kTable[df];
  const double z = 1.959963984540054, v = static_cast<double>(df);
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

MeanCI mean_ci(const std::vector<double>& xs) {
  MeanCI r;
  double sum = 0;
  for (double x : xs)
    if (std::isfinite(x)) {
      sum += x;
      ++r.n;
    }
  if (r.n == 0) {
    r.mean = r.half_width = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  r.mean = sum / static_cast<double>(r.n);
  if (r.n < 2) {
    r.half_width = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  double ss = 0;
  for (double x : xs)
    if (std::isfinite(x)) ss += (x - r.mean) * (x - r.mean);
  r.sd = std::sqrt(ss / static_cast<double>(r.n - 1));
  r.half_width = student_t_975(r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n));
  return r;
}

}  // namespace gpufleet
