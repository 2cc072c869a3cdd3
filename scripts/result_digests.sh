#!/usr/bin/env bash
# SHA-256 of every result file of every shipped scenario (scenarios/*.json), run by the given binary:
# the "golden digests" a refactoring must leave unchanged. run.json (wall time, memory, host) is left
# out: it is the one file that differs between runs by design. Run from any folder; the scenarios
# are those of this checkout. Traces come from ../shared/data (scenarios that need a missing trace
# are reported as such, not skipped silently).
#   bash scripts/result_digests.sh BUILD/gpufleet > digests.txt     (then diff two such files)
set -euo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sc in scenarios/*.json; do
  name=$(basename "$sc" .json)
  if ! "$bin" run "$sc" --out "$tmp/$name" -q > "$tmp/$name.log" 2>&1; then
    echo "FAILED $sc: $(tail -1 "$tmp/$name.log")"
    continue
  fi
  (cd "$tmp/$name" && find . -type f ! -name run.json | LC_ALL=C sort | xargs sha256sum | sed "s#  \./#  $name/#")
done
