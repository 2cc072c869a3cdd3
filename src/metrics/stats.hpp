// Small-sample statistics for comparing runs over seeds.
#pragma once

#include <cstddef>
#include <vector>

namespace gpufleet {

// The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1): exact
// table values for df <= 30, a Cornish-Fisher expansion beyond (error < 1e-4).
double student_t_975(std::size_t df);

struct MeanCI {
  std::size_t n = 0;
  double mean = 0;
  double sd = 0;          // sample standard deviation (n - 1); 0 when n < 2
  double half_width = 0;  // 95 % CI half-width t * sd / sqrt(n); NaN when n < 2
};

// Mean and 95 % confidence interval of the finite values of `xs`.
MeanCI mean_ci(const std::vector<double>& xs);

}  // namespace gpufleet
