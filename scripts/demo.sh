#!/usr/bin/env bash
# The demo: set-up, the local busybox image, the daemon (the systemd service where systemd runs,
# else started in the background if it is not running), then the Helloworld pod of
# examples/helloworld.yaml with its status and the logs of its four containers.
#   scripts/demo.sh --down   deletes the Helloworld pod (its containers, mounts, netns and veth
#                            go with it) and stops the daemon the demo started in the background
#                            (peapod.service, where systemd runs it, is left running)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

if [ "${1:-}" = --down ]; then
  peapod version >/dev/null 2>&1 || { echo "demo: no daemon is running"; exit 0; }
  peapod delete -f examples/helloworld.yaml --ignore-not-found
  # The API object goes first, the pod's containers (their rootfs mounts) right after it: stopping
  # the daemon before that would leave them to its next start.
  for _ in $(seq 1 150); do
    grep -qs '"io.kubernetes.pod.name":"helloworld"' /var/lib/peapod/containers/*/config.json || break
    sleep 0.2
  done
  if [ -d /run/systemd/system ] && systemctl is-active --quiet peapod 2>/dev/null; then exit 0; fi
  pid=$(cat /run/peapod/peapod.pid 2>/dev/null || true)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "demo: the daemon (pid $pid) did not stop" >&2; exit 1; }
  echo "demo: stopped the daemon (pid $pid); \`peapod reset\` would also remove its images and data"
  exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [--down]" >&2; exit 2; }
scripts/setup.sh

log=/var/log/peapod.log
if [ -d /run/systemd/system ] && [ -f /etc/systemd/system/peapod.service ]; then
  log="journalctl -u peapod"
  systemctl is-active --quiet peapod || { echo "demo: starting peapod.service"; systemctl start peapod; }
elif ! peapod version >/dev/null 2>&1; then
  echo "demo: starting the daemon (log: $log)"
  setsid nohup peapod serve >>"$log" 2>&1 < /dev/null &
fi
for _ in $(seq 1 300); do peapod version >/dev/null 2>&1 && break; sleep 0.1; done
peapod version >/dev/null || { echo "demo: the daemon did not come up; see $log" >&2; exit 1; }

if ! peapod image ls | grep -q '^localhost/busybox '; then
  rootfs=$(mktemp -d /tmp/peapod-busybox.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  scripts/make-busybox-rootfs.sh "$rootfs/rootfs"
  peapod image import "$rootfs/rootfs" busybox --change 'ENV PATH=/bin' --change 'CMD ["sh"]'
fi
peapod image ls

echo
echo "\$ peapod apply -f examples/helloworld.yaml"
peapod apply -f examples/helloworld.yaml
for _ in $(seq 1 100); do
  peapod get pod helloworld | grep -q ' 4/4 *Running' && break
  sleep 0.2
done
sleep 3  # let the four talk to each other for a few rounds
echo
echo "\$ peapod get pods -o wide"
peapod get pods -o wide
for c in compute api main log; do
  echo
  echo "\$ peapod logs helloworld -c $c --tail 4"
  peapod logs helloworld -c "$c" --tail 4
done
echo
echo "\$ wget -qO- http://127.0.0.1:18080/result     # the api container's hostPort, from the host"
busybox wget -qO- http://127.0.0.1:18080/result
echo
echo "Try: peapod describe pod helloworld;  peapod exec helloworld -c main -- ps;  peapod delete pod helloworld"
