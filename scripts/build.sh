#!/usr/bin/env bash
# gpufleet set-up on Debian 12, in one of two modes:
#   bash scripts/build.sh run    install what is missing, build (Release), run the Korean reference scenario
#   bash scripts/build.sh test   install what is missing, build, run the whole test suite, then the
#                                suite again under AddressSanitizer + UndefinedBehaviorSanitizer (docs/testing.md)
#                                (clang, a tree that also holds the fuzzers), then every fuzz target
# Needs root or sudo only when packages are missing. .ci/run calls "test".
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  run|test) ;;
  *) echo "usage: bash scripts/build.sh run|test" >&2; exit 2 ;;
esac

# Debian 12 packages the build needs; the tests also need the rest: the schema check
# (python3-jsonschema), Valgrind, the fuzzers (clang + libFuzzer runtime), the format check
# (clang-format, which Debian 12 ships as version 14) and a real one-node
# Slurm for the array-job script (slurm-wlm, munge). The browser check of report.html runs when
# Debian's chromium is installed (apt-get install chromium) and is skipped otherwise: it is large
# and the report's structure is checked without it.
packages=(build-essential cmake pkg-config libsimgrid-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
          libcli11-dev catch2 zlib1g-dev libssl-dev python3 python3-jsonschema time)
if [ "$mode" = test ]; then
  packages+=(valgrind clang libclang-rt-14-dev clang-format slurm-wlm munge)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
# The configurations live in CMakePresets.json (release, asan, fuzz); every option is set there, so
# "run" and "test" configure the same folder the same way except for what "run" turns off.
if [ "$mode" = run ]; then
  cmake --preset release -DGPUFLEET_WERROR=OFF -DGPUFLEET_BUILD_TESTS=OFF -DGPUFLEET_BUILD_BENCH=OFF >/dev/null
  cmake --build --preset release -j"$jobs" --target gpufleet
  ./build/gpufleet run scenarios/korea-2025.json --out out/korea-2025
  exit 0
fi

cmake --preset release -DGPUFLEET_WERROR=ON -DGPUFLEET_BUILD_TESTS=ON -DGPUFLEET_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"
# Sanitizer build (clang 14, -O1): every test but the CLI workflow scripts about process handling
# (the asan test preset's filter; docs/testing.md), every time. The same tree holds the libFuzzer
# targets, so the core is compiled once for both; clang compiles this tree about twice as fast
# as GCC did (docs/performance.md, "CI").
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs"
# Every fuzz target for a bounded time (clang, libFuzzer, ASan + UBSan); any finding fails.
bash scripts/fuzz.sh "${GPUFLEET_FUZZ_SECONDS:-20}"
