#!/usr/bin/env bash
# bench/pods.bench.ts on a cgroup v2 host with systemd: a Debian 12 VM booted by
# ../shared/tools/cgv2-vm, with this checkout's build copied in and podman installed there, once
# with runc and once with crun, so each runtime's figures stand beside podman driving the same
# runtime in the same run. Outside CI; figures for the closing notes.
#   scripts/bench-cgroup-v2.sh [BENCH ARGS...]   default: --runs 10 --only startup,delete,churn
# Environment: CGV2_VM (the tool); CGV2_VM_* settings pass through to the tool. The report lands in
# CGV2_VM_OUT (default /var/tmp/peapod-cgv2-bench/<time>).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
vm=${CGV2_VM:-../shared/tools/cgv2-vm}
[ -x "$vm" ] || vm=/work/shared/tools/cgv2-vm
[ -x "$vm" ] || { echo "bench-cgroup-v2: no cgv2-vm tool (set CGV2_VM)" >&2; exit 2; }
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--runs 10 --only startup,delete,churn)

scripts/setup.sh --test
export CGV2_VM_COPY=all CGV2_VM_NICE=${CGV2_VM_NICE:-10}
export CGV2_VM_OUT=${CGV2_VM_OUT:-/var/tmp/peapod-cgv2-bench/$(date +%Y%m%d-%H%M%S)}
echo "bench-cgroup-v2: the reports will be in $CGV2_VM_OUT"
exec "$vm" "$PWD" "set -e
echo \"cgroup: \$(stat -fc %T /sys/fs/cgroup) (\$(cat /sys/fs/cgroup/cgroup.controllers)); \$(nproc) CPUs; \$(systemctl --version | head -1)\"
scripts/setup.sh --test >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman >/dev/null
echo \"\$(podman --version); \$(runc --version | head -1); \$(crun --version | head -1)\"
for rt in runc crun; do
  echo \"=== pods.bench with \$rt\"
  PEAPOD_E2E_RUNTIME=\$rt node --import tsx bench/pods.bench.ts ${args[*]} | tee \"\$CGV2_OUT/pods-bench-\$rt.txt\"
done"
