#!/usr/bin/env bash
# Runs every check: set-up (packages, npm, build), the layering rule, the type check, then the
# unit tests and the root e2e tests (real runc, conmon, CNI, catatonit): every file side by side,
# then the timing tests alone.
#   scripts/test.sh [FILE...]   only the given test files (after the same set-up and checks)
#   --fresh-host   run the tests as on a freshly booted host's network (scripts/fresh-host.sh)
#   --slow-host    run them beside a CPU hog per core, as on a host half as fast (scripts/slow-host.sh)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
wrap=()
files=()
for arg in "$@"; do
  case "$arg" in
    --slow-host) wrap+=(scripts/slow-host.sh) ;;
    --fresh-host) wrap+=(scripts/fresh-host.sh) ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "test.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) files+=("$arg") ;;
  esac
done
scripts/setup.sh --test
node scripts/check-layers.mjs
npx tsc -p tsconfig.json --noEmit
npx tsc -p web/tsconfig.json
echo "typecheck: ok"

if [ "$(id -u)" -ne 0 ]; then
  echo "WARNING: not root: the e2e tests will report themselves as failed, not skipped" >&2
fi
exec "${wrap[@]}" scripts/run-tests.sh "${files[@]}"
