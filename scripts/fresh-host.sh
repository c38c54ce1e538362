#!/usr/bin/env bash
# Runs a command as it would run on a freshly booted host's network: in a new network namespace
# (no iptables or nftables rules, no CNI chains, bridges or netns routes left by earlier runs,
# ip_forward off) with lo up and an uplink `eth0` (192.0.2.10/24, default route via 192.0.2.1)
# that leads nowhere, so nothing the tests send can leave the machine. /sys is mounted anew for
# the namespace, with the host's cgroup hierarchies bound back under it; mounts the command makes
# stay inside. Anything that needs the network (apt, npm) must run before. Root only.
#   scripts/fresh-host.sh CMD [ARGS...]
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "fresh-host: run as root" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: scripts/fresh-host.sh CMD [ARGS...]" >&2; exit 2; }
exec unshare --net --mount --propagation slave -- bash -c '
  set -e
  ip link set lo up
  ip link add eth0 type veth peer name uplink0
  ip link set uplink0 up
  ip addr add 192.0.2.10/24 dev eth0
  ip link set eth0 up
  ip route add default via 192.0.2.1 dev eth0
  # sysfs shows the namespace it was mounted in: mount it again, keeping the cgroup mounts.
  keep=$(mktemp -d /run/peapod-fresh-host.XXXXXX)
  mount --rbind /sys/fs/cgroup "$keep"
  mount -t sysfs sysfs /sys
  mount --rbind "$keep" /sys/fs/cgroup
  umount -l "$keep"
  rmdir "$keep"
  exec "$@"' fresh-host "$@"
