#!/usr/bin/env bash
# Issue #12's speed check: the 1M-job engine benchmark (bench/run.sh's FCFS case) with its load split
# over 16 tenants, without quotas, under quotas (one cohort, nominal 1/16 of the GPUs each), and
# under the fair_share queue order, against the one-workload baseline. Figures: docs/performance.md.
#   bash bench/tenants.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGPUFLEET_BUILD_BENCH=ON > /dev/null
cmake --build "$build" -j2 --target bench_engine > /dev/null
echo "# $(date -u +%F) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Interleaved, three rounds: wall times on a shared 2-core VM drift by tens of percent.
for run in 1 2 3; do
  "$build/bench/bench_engine" --jobs 1000000
  "$build/bench/bench_engine" --jobs 1000000 --tenants 16 --quotas 0
  "$build/bench/bench_engine" --jobs 1000000 --tenants 16 --quotas 1
  "$build/bench/bench_engine" --jobs 1000000 --tenants 16 --quotas 0 --queue fair_share
  "$build/bench/bench_engine" --jobs 1000000 --tenants 16 --quotas 1 --queue fair_share
done
