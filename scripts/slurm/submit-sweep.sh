#!/bin/bash
# Submits a gpufleet sweep to Slurm: an array of N shard tasks, then a merge job that
# runs once every shard succeeded (afterok). Prints the two job ids.
#
#   scripts/slurm/submit-sweep.sh [--wait] SPEC OUT_DIR N [GPUFLEET] [-- extra sbatch options]
#
# --wait blocks until the merge job has finished and exits with its status.
# The merged compare.csv / compare.md / compare.html land in OUT_DIR/merged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait_flag=()
if [ "${1:-}" = --wait ]; then wait_flag=(--wait); shift; fi
if [ $# -lt 3 ]; then
  echo "usage: $0 [--wait] SPEC OUT_DIR N [GPUFLEET] [-- sbatch options]" >&2
  exit 2
fi
spec=$1; out=$2; n=$3; shift 3
gpufleet=gpufleet
if [ $# -gt 0 ] && [ "$1" != -- ]; then gpufleet=$1; shift; fi
[ "${1:-}" = -- ] && shift
extra=("$@")
case "$n" in ''|*[!0-9]*) echo "N must be a positive integer, got '$n'" >&2; exit 2 ;; esac
[ "$n" -ge 1 ] || { echo "N must be >= 1" >&2; exit 2; }
mkdir -p "$out"
array_id=$(sbatch --parsable "${extra[@]}" --array=1-"$n" --output="$out/shard-%a.log" \
  "$here/gpufleet-sweep.sbatch" "$spec" "$out" "$gpufleet")
array_id=${array_id%%;*}
shards=()
for i in $(seq 1 "$n"); do shards+=("$out/shard-$i"); done
merge_id=$(sbatch --parsable "${extra[@]}" "${wait_flag[@]}" --dependency=afterok:"$array_id" --job-name=gpufleet-merge \
  --output="$out/merge.log" --wrap="$(printf '%q ' "$gpufleet" merge "${shards[@]}" --out "$out/merged")")
echo "array job $array_id ($n shards), merge job ${merge_id%%;*}"
