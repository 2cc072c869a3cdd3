#!/usr/bin/env bash
# docs/policies.md's reference table is `gpufleet policies --markdown`: the text between its
# policies:begin and policies:end markers must be exactly that output.
#   docs_policy_table.sh GPUFLEET SOURCE_DIR
set -u
bin=$1 doc=$2/docs/policies.md
want=$("$bin" policies --markdown) || { echo "FAIL gpufleet policies --markdown exited $?"; exit 1; }
have=$(sed -n '/^<!-- policies:begin -->$/,/^<!-- policies:end -->$/p' "$doc" | sed '1d;$d')
if [ -z "$have" ]; then echo "FAIL $doc has no policies:begin/end section"; exit 1; fi
if [ "$want" != "$have" ]; then
  echo "FAIL $doc differs from gpufleet policies --markdown (paste that output between the markers):"
  diff <(echo "$have") <(echo "$want")
  exit 1
fi
echo "ok   $doc lists $(($(echo "$want" | wc -l) - 2)) policies as the registry does"
echo "1 passed, 0 failed"
