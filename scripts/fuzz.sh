#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded time.
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET...]      (GPUFLEET_FUZZ_JOBS targets at a time, default nproc)
# Fails (exit 1) on any crash, leak, timeout, out-of-memory or sanitizer report; the
# input that caused it is kept in build-asan/fuzz/artifacts/ (make it a regression test).
# Corpora grow in build-asan/fuzz/corpus/<target>, seeded from the shipped scenarios,
# golden results and tests/fuzz/seeds. Prints execs/s and total execs per target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario overrides swf results json)
command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
# The fuzzers live in the asan tree (CMakePresets.json), beside the sanitized tests: one clang build
# serves both. Corpora, logs and findings go under build-asan/fuzz/.
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

# Seeds and a dictionary of the scenario format's keys and policy names (from the JSON Schema).
mkdir -p build-asan/fuzz/artifacts
for t in "${targets[@]}"; do mkdir -p "build-asan/fuzz/corpus/$t"; done
cp scenarios/*.json tests/data/*.json build-asan/fuzz/corpus/scenario/ 2>/dev/null || true
cp tests/fuzz/seeds/overrides/* build-asan/fuzz/corpus/overrides/ 2>/dev/null || true
cp tests/fuzz/seeds/swf/* build-asan/fuzz/corpus/swf/ 2>/dev/null || true
cp tests/fuzz/seeds/results/* tests/golden/*.summary.json build-asan/fuzz/corpus/results/ 2>/dev/null || true
cp scenarios/*.json tests/golden/*.summary.json tests/fuzz/regressions/json/* build-asan/fuzz/corpus/json/ 2>/dev/null || true
python3 - > build-asan/fuzz/scenario.dict <<'PY'
import json
schema = json.load(open("scenarios/schema/scenario-v1.schema.json"))
words = set()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "properties" and isinstance(v, dict): words.update(v.keys())
            if k in ("enum", "const"): words.update(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
            walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(schema)
# Policy names are the registry's, not the schema's: take them from docs/policies.md's table
# (which a test keeps equal to `gpufleet policies --markdown`).
import re
for line in open("docs/policies.md"):
    m = re.match(r"\| [a-z]+ \| `([a-z_0-9]+)` \|", line)
    if m: words.add(m.group(1))
for w in sorted(words): print(json.dumps(json.dumps(w)))
PY

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -timeout=30: an input running 30 s is a hang. Inputs take about a millisecond (the execs/s below),
# so that bound is hundreds of times the normal cost even on a slow or loaded machine.
# Targets run GPUFLEET_FUZZ_JOBS at a time (default: one per core); each keeps its own log.
fuzz_one() {
  local t=$1 dict=() log=build-asan/fuzz/fuzz_$1.log result=build-asan/fuzz/fuzz_$1.result
  case "$t" in scenario|overrides|results|json) dict=(-dict=build-asan/fuzz/scenario.dict) ;; esac
  if ! ./build-asan/tests/fuzz/fuzz_"$t" "${dict[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix=build-asan/fuzz/artifacts/"$t"- \
       build-asan/fuzz/corpus/"$t" > "$log" 2>&1; then
    { echo "fuzz_$t: FINDING (see $log and build-asan/fuzz/artifacts/)"
      grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -10; } > "$result"
    return 1
  fi
  local execs cov
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" || echo 0)
  cov=$(grep -oP '#[0-9]+\s+DONE\s+cov: \K[0-9]+' "$log" || echo '?')
  echo "fuzz_$t: no finding in ${seconds} s: ${execs} execs, $((execs / seconds)) execs/s, coverage ${cov}, corpus $(ls build-asan/fuzz/corpus/$t | wc -l) inputs" > "$result"
}
parallel=${GPUFLEET_FUZZ_JOBS:-$(nproc)}
status=0 running=0
for t in "${targets[@]}"; do
  rm -f build-asan/fuzz/fuzz_"$t".result
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
for t in "${targets[@]}"; do cat build-asan/fuzz/fuzz_"$t".result 2>/dev/null || { echo "fuzz_$t: no result"; status=1; }; done
exit $status
