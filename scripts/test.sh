#!/usr/bin/env bash
# Runs every check: set-up (packages, npm, build), the layering rule, the type check, then the
# unit tests and the root e2e tests (real runc, conmon, CNI, catatonit) in one node test run.
#   scripts/test.sh [FILE...]   only the given test files (after the same set-up and checks)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
scripts/setup.sh --test
node scripts/check-layers.mjs
npx tsc -p tsconfig.json --noEmit
echo "typecheck: ok"

shopt -s globstar nullglob
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  files=(src/**/*.test.ts test/e2e/*.e2e.test.ts)
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "WARNING: not root: the e2e tests will report themselves as failed, not skipped" >&2
fi
# The e2e files each start their own daemon(s) on private dirs, bridges and CIDRs, so they run
# side by side; 3 at a time keeps 2 cores busy without starving the timing-sensitive ones.
exec node --import tsx --test --test-concurrency=3 --test-timeout=300000 --test-reporter=spec "${files[@]}"
