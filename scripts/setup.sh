#!/usr/bin/env bash
# Installs everything peapod needs on a Debian 12 machine, idempotently: the Debian packages
# (runtime, networking, test tools), the npm dependencies, the build, and `peapod` on PATH.
#   scripts/setup.sh          what running pods needs, and (where systemd runs) peapod.service,
#                             enabled and started: `peapod service install`
#   scripts/setup.sh --test   plus what the test suite needs (no service: tests run their own daemons)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (peapod manages namespaces, mounts, cgroups and iptables)" >&2
  exit 1
fi

packages=(python3 runc crun conmon containernetworking-plugins catatonit busybox-static attr iptables nftables iproute2 socat zstd util-linux hostname tar openssl)
if [ "$want_test" = 1 ]; then
  packages+=(docker-registry skopeo chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # docker-registry's package starts a service on :5000; the tests run their own registries.
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm dependencies: only when the lock file changed since the last install.
stamp=node_modules/.peapod-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# Build when any source is newer than the build.
if [ ! -f dist/cli/main.js ] || [ -n "$(find src tsconfig.json tsconfig.build.json -newer dist/cli/main.js -print -quit)" ]; then
  echo "setup: building"
  rm -rf dist
  npx tsc -p tsconfig.build.json
fi

# The dashboard's bundle (dist/web, served under /ui/) when any of its sources is newer.
if [ ! -f dist/web/app.js ] || [ -n "$(find web src/core package-lock.json scripts/build-web.mjs -newer dist/web/app.js -print -quit)" ]; then
  echo "setup: building the dashboard"
  node scripts/build-web.mjs
fi

ln -sf "$PWD/bin/peapod" /usr/local/bin/peapod
if [ "$want_test" = 0 ] && [ -d /run/systemd/system ]; then
  peapod service install
fi
echo "setup: done ($(peapod version --client 2>/dev/null | head -1 || echo 'peapod installed'))"
