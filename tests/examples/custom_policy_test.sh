#!/usr/bin/env bash
# A policy built outside the repository (issue #11): install this build of gpufleet into a fresh
# prefix, build examples/custom-policy against it with find_package(gpufleet), and use that
# binary's own policies through run, validate and compare.
#   custom_policy_test.sh CMAKE BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER
set -u
cmake=$1 build=$2 src=$3 work=$4 cxx=$5
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if "$cmake" --install "$build" --prefix "$work/prefix" > "$work/install.log" 2>&1; then
  ok "cmake --install into $work/prefix"
else
  bad "cmake --install: $(tail -3 "$work/install.log")"; finish
fi
# The installed headers are the public API, nothing from src/.
installed=$(cd "$work/prefix/include/gpufleet" && ls | sort | tr '\n' ' ')
expected=$(cd "$src/include/gpufleet" && ls | sort | tr '\n' ' ')
[ "$installed" = "$expected" ] && ok "installed headers are include/gpufleet/ ($installed)" \
  || bad "installed headers: $installed; expected $expected"
[ -f "$work/prefix/lib/cmake/gpufleet/gpufleetConfig.cmake" ] && ok "package config installed" || bad "no gpufleetConfig.cmake"

if "$cmake" -S "$src/examples/custom-policy" -B "$work/example" -DCMAKE_PREFIX_PATH="$work/prefix" \
     -DCMAKE_CXX_COMPILER="$cxx" > "$work/configure.log" 2>&1 &&
   "$cmake" --build "$work/example" -j2 > "$work/build.log" 2>&1; then
  ok "examples/custom-policy configured with find_package(gpufleet) and built"
else
  bad "example build: $(tail -20 "$work/configure.log" "$work/build.log")"; finish
fi
bin=$work/example/gpufleet
cd "$src"

out=$("$bin" policies 2>&1)
grep -q "^queue *workload_share" <<<"$out" && grep -q "^placement *walltime_split" <<<"$out" &&
  grep -q "params.long_hours (number in \[0, 1000000\], default 4.0)" <<<"$out" && grep -q "^backfill *easy" <<<"$out" &&
  ok "gpufleet policies lists the built-ins and both new policies with the declared parameter" ||
  bad "policies listing: $out"

sets=(--set /scheduling/queue/policy=workload_share --set /scheduling/placement/policy=walltime_split)
if "$bin" run scenarios/small-synthetic.json "${sets[@]}" --out "$work/custom" -q > "$work/run.log" 2>&1 &&
   "$bin" run scenarios/small-synthetic.json --out "$work/builtin" -q >> "$work/run.log" 2>&1; then
  ok "a shipped scenario runs with the new queue order and placement"
else
  bad "run: $(tail -5 "$work/run.log")"; finish
fi
grep -q '"queue": {"policy": "workload_share"}' <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d['scheduling']))" "$work/custom/scenario.json") &&
  ok "scenario.json records the policies that ran" || bad "scenario.json does not name workload_share"
waits=$(python3 -c "
import json,sys
a=json.load(open(sys.argv[1]+'/summary.json')); b=json.load(open(sys.argv[2]+'/summary.json'))
w=lambda s,i: s['clusters'][i]['wait_s']['mean']
print(w(a,0), w(b,0), w(a,1), w(b,1), a['run']['complete'])" "$work/custom" "$work/builtin")
read -r custom0 builtin0 custom1 builtin1 complete <<<"$waits"
# pub-h100 follows /scheduling (the new policies); cloud-b200 has its own, so it must not change.
[ "$complete" = True ] && [ "$custom0" != "$builtin0" ] && [ "$custom1" = "$builtin1" ] &&
  ok "the new policies change pub-h100's mean wait ($builtin0 s -> $custom0 s) and not cloud-b200's ($custom1 s)" ||
  bad "mean waits: custom $custom0/$custom1, built-in $builtin0/$builtin1, complete $complete"

"$bin" validate scenarios/small-synthetic.json --set /scheduling/placement/params/long_hours=-1 > "$work/v.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "/scheduling/placement/params/long_hours" "$work/v.log" &&
  ok "a parameter outside its declaration is refused with its pointer (exit 2)" || bad "validate long_hours=-1: rc=$rc $(cat "$work/v.log")"
"$bin" validate scenarios/small-synthetic.json --set /scheduling/queue/policy=lottery > "$work/v2.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "workload_share" "$work/v2.log" &&
  ok "an unknown name is refused, listing the binary's own queue orders (exit 2)" || bad "validate lottery: rc=$rc $(cat "$work/v2.log")"

# compare re-runs this same binary for its variants: they must know workload_share.
if "$bin" compare scenarios/small-synthetic.json --vary /scheduling/queue/policy=fcfs,workload_share --seeds 2 -j 2 -q \
     --out "$work/compare" > "$work/compare.log" 2>&1; then
  rows=$(grep -c "workload_share" "$work/compare/compare.csv")
  [ "$rows" -ge 1 ] && ok "compare runs the new policy in its child processes ($rows rows name it in compare.csv)" ||
    bad "compare.csv does not name workload_share"
else
  bad "compare: $(tail -5 "$work/compare.log")"
fi
finish
