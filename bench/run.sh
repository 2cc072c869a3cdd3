#!/usr/bin/env bash
# Engine benchmark of issue #2: 1,000,000 synthetic jobs on 260,000 GPUs (32,500 nodes of 8),
# FCFS/first_fit and EASY/first_fit, in a Release build. Figures go to docs/performance.md.
#   bash bench/run.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGPUFLEET_BUILD_BENCH=ON > /dev/null  # ON: a "build.sh run" cache has it off
cmake --build "$build" -j2 --target bench_engine > /dev/null
echo "# $(date -u +%F) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Three runs of each: wall times on a shared 2-core VM vary by tens of percent between runs.
for backfill in none easy; do
  for run in 1 2 3; do
    "$build/bench/bench_engine" --jobs 1000000 --backfill "$backfill" --placement first_fit --load 1.0
  done
done
