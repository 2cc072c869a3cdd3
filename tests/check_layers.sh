#!/usr/bin/env bash
# The dependency rule: only src/engine/ includes SimGrid. Fails (and names the files) otherwise.
set -u
cd "$1"
bad=$(grep -rlE '#include[[:space:]]*[<"]simgrid/' src include tests bench | grep -v '^src/engine/' || true)
if [ -n "$bad" ]; then
  echo "files outside src/engine/ that include SimGrid:"; echo "$bad"; echo "0 passed, 1 failed"; exit 1
fi
[ -n "$(grep -rlE '#include[[:space:]]*[<"]simgrid/' src/engine)" ] || { echo "src/engine/ does not include SimGrid?"; exit 1; }
echo "1 passed, 0 failed"
