// Facts about this process (they vary between runs: run.json, never summary.json).
#pragma once

namespace gpufleet {

// Peak resident set size of this process so far, in MiB (getrusage).
double peak_memory_mib();

}  // namespace gpufleet
