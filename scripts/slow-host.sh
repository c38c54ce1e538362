#!/usr/bin/env bash
# Runs a command beside CPU hogs (HOGS of them, default one per core), so it sees a host about
# half as fast, as a busy or smaller machine would be. The hogs go when the command ends.
#   [HOGS=N] scripts/slow-host.sh CMD [ARGS...]
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: [HOGS=N] scripts/slow-host.sh CMD [ARGS...]" >&2; exit 2; }
hogs=()
for _ in $(seq 1 "${HOGS:-$(nproc)}"); do
  (while :; do :; done) &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
"$@"
