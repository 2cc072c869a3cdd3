#!/usr/bin/env bash
# The C++ sources follow .clang-format: clang-format 14 (Debian 12's) would change nothing.
#   check_format.sh CLANG_FORMAT SOURCE_DIR      (exit 77 = skipped: another clang-format version)
set -u
cf=$1 root=$2
version=$("$cf" --version 2>/dev/null | grep -o 'version [0-9]*' | cut -d' ' -f2)
if [ "$version" != 14 ]; then
  echo "SKIPPED: $cf is version ${version:-unknown}; the style is pinned to clang-format 14 (apt-get install clang-format)"
  exit 77
fi
cd "$root"
mapfile -t files < <(find src include tests bench examples -name '*.cpp' -o -name '*.hpp' | LC_ALL=C sort)
bad=0
for f in "${files[@]}"; do
  if ! "$cf" --dry-run --Werror "$f" > /dev/null 2>&1; then
    echo "FAIL $f is not formatted (clang-format -i $f):"
    "$cf" "$f" | diff "$f" - | head -20
    bad=$((bad + 1))
  fi
done
echo "${#files[@]} files checked: $((${#files[@]} - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
