#!/usr/bin/env bash
# The test run itself, after scripts/test.sh's set-up and checks: the given files, or every unit
# and e2e file side by side and then the timing tests alone.
#   scripts/run-tests.sh [FILE...]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
shopt -s globstar nullglob
# PEAPOD_E2E_TIME_FACTOR=N (default 1) stretches every e2e wait and upper time bound N times, and
# the per-test limit with them, for machines many times slower (an emulated VM: README, Testing).
test_timeout=$(awk -v f="${PEAPOD_E2E_TIME_FACTOR:-1}" 'BEGIN { f += 0; printf "%d", 300000 * (f > 1 ? f : 1) }')
run_tests() { # CONCURRENCY FILE...
  local concurrency=$1
  shift
  node --import tsx --test --test-concurrency="$concurrency" --test-timeout="$test_timeout" --test-reporter=spec "$@"
}
if [ "$#" -gt 0 ]; then
  run_tests 3 "$@"
  exit 0
fi
# The e2e files each start their own daemon(s) on private dirs, bridges and CIDRs, so they run
# side by side; 3 at a time keeps 2 cores busy without starving the timing-sensitive ones. The
# `*.timing.e2e.test.ts` files assert the kubelet's timings under a load they make themselves
# (CPU hogs, ten pods at once), so they run afterwards, alone.
files=()
for f in src/**/*.test.ts test/**/*.test.ts; do
  case "$f" in *.timing.e2e.test.ts) ;; *) files+=("$f") ;; esac
done
timing=(test/**/*.timing.e2e.test.ts)
status=0
run_tests 3 "${files[@]}" || status=$?
if [ "${#timing[@]}" -gt 0 ]; then
  echo
  echo "timing tests, alone: ${timing[*]}"
  run_tests 1 "${timing[@]}" || status=$?
fi
exit "$status"
