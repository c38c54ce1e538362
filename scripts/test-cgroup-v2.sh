#!/usr/bin/env bash
# The e2e group that depends most on cgroups (resources/QoS/OOM, pods, lifecycle) on
# a cgroup v2 host with systemd: a Debian 12 VM booted by ../shared/tools/cgv2-vm (emulated when
# there is no KVM: ~25x slower, hence PEAPOD_E2E_TIME_FACTOR), with this checkout's build copied
# in. Outside CI's time budget; run it by hand after changing cgroup, runtime or service code.
#   scripts/test-cgroup-v2.sh [runc|crun]   pin the OCI runtime (default: the one the daemon picks)
# Environment: CGV2_VM (the tool), PEAPOD_E2E_TIME_FACTOR (default 25 under emulation, 3 with
# KVM), CGV2_TEST_FILES (default the group below); CGV2_VM_* settings pass through to the tool.
# The e2e daemons' logs (debug level, kept by the helpers) land in CGV2_VM_OUT (default
# /var/tmp/peapod-cgv2-test/<time>), passed or failed.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
vm=${CGV2_VM:-../shared/tools/cgv2-vm}
[ -x "$vm" ] || vm=/work/shared/tools/cgv2-vm
[ -x "$vm" ] || { echo "test-cgroup-v2: no cgv2-vm tool (set CGV2_VM)" >&2; exit 2; }
runtime=${1:-}
case "$runtime" in ''|runc|crun) ;; *) echo "usage: $0 [runc|crun]" >&2; exit 2 ;; esac
if [ -z "${PEAPOD_E2E_TIME_FACTOR:-}" ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ "$(basename "$vm")" != cgv2-vm-tcg ]; then PEAPOD_E2E_TIME_FACTOR=3; else PEAPOD_E2E_TIME_FACTOR=25; fi
fi
# Static pods are checked on v2 by check-cgroup-v2-service.sh, under systemd as users run them.
files=${CGV2_TEST_FILES:-test/e2e/pod-resources.e2e.test.ts test/e2e/pods.e2e.test.ts test/e2e/lifecycle.e2e.test.ts}

# The VM reuses this build (node_modules, dist): make it current first.
scripts/setup.sh --test
export CGV2_VM_COPY=all CGV2_VM_NICE=${CGV2_VM_NICE:-10}
export CGV2_VM_OUT=${CGV2_VM_OUT:-/var/tmp/peapod-cgv2-test/$(date +%Y%m%d-%H%M%S)}
echo "test-cgroup-v2: the e2e daemons' logs will be in $CGV2_VM_OUT"
exec "$vm" "$PWD" "set -e
trap 'cp -r /var/tmp/peapod-e2e-logs \"\$CGV2_OUT/\" 2>/dev/null || true' EXIT
echo \"cgroup: \$(stat -fc %T /sys/fs/cgroup) (\$(cat /sys/fs/cgroup/cgroup.controllers)); \$(systemctl --version | head -1)\"
start=\$(date +%s)
export PEAPOD_E2E_TIME_FACTOR=$PEAPOD_E2E_TIME_FACTOR ${runtime:+PEAPOD_E2E_RUNTIME=$runtime}
scripts/test.sh $files
echo \"test-cgroup-v2: the e2e group took \$(( \$(date +%s) - start )) s in the VM (time factor $PEAPOD_E2E_TIME_FACTOR${runtime:+, runtime $runtime})\""
