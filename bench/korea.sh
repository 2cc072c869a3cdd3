#!/usr/bin/env bash
# Issue #3 benchmark: the whole Korean rollout (260,000 GPUs, 2025-2029, with its workloads), three runs,
# Release build. Prints the wall time and peak memory of each run (GNU time) and the engine's own figures.
#   bash bench/korea.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target gpufleet > /dev/null
echo "# $(date -u +%F) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
out=$(mktemp -d)
for run in 1 2 3; do
  /usr/bin/time -f "process: wall %e s, peak RSS %M KiB" "$build/gpufleet" run scenarios/korea-2025.json --out "$out" -q 2>&1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('engine: wall_time_s=%s peak_memory_mib=%s events=%s' % (r['wall_time_s'], r['peak_memory_mib'], r['events_processed']))" "$out/run.json"
done
rm -rf "$out"
