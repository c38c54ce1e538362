#!/usr/bin/env bash
# The demo: set-up, the local busybox image, the daemon (started if it is not running), then the
# Helloworld pod of examples/helloworld.yaml with its status and the logs of its four containers.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
scripts/setup.sh

log=/var/log/peapod.log
if ! peapod version >/dev/null 2>&1; then
  echo "demo: starting the daemon (log: $log)"
  setsid nohup peapod serve >>"$log" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do peapod version >/dev/null 2>&1 && break; sleep 0.1; done
  peapod version >/dev/null || { echo "demo: the daemon did not come up; see $log" >&2; tail -20 "$log" >&2; exit 1; }
fi

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
