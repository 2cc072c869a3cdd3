#include <sys/resource.h>

#include "core/process_info.hpp"

namespace gpufleet {

double peak_memory_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace gpufleet
