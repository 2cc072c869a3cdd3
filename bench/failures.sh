#!/usr/bin/env bash
# Issue #13's speed check: the national scenario with failures (korea-2025.json as shipped) against the
# same scenario with its GPU models' failure processes removed (checkpoint writes stay), interleaved,
# three rounds. Prints each run's wall time and peak memory (GNU time). Figures: docs/performance.md.
#   bash bench/failures.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target gpufleet > /dev/null
echo "# $(date -u +%F) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - scenarios/korea-2025.json "$tmp/no-failures.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for m in doc["gpu_models"]:
    m.pop("failures", None)
json.dump(doc, open(sys.argv[2], "w"))
PY
for run in 1 2 3; do
  for sc in "$tmp/no-failures.json" scenarios/korea-2025.json; do
    /usr/bin/time -f "$(basename "$sc"): wall %e s, peak RSS %M KiB" "$build/gpufleet" run "$sc" --out "$tmp/out" -q 2>&1
  done
done
