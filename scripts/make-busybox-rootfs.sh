#!/usr/bin/env bash
# Makes a tiny root filesystem from the host's busybox-static: /bin/busybox with one link per
# applet, /etc/passwd and /etc/group, and the mount-point dirs runc needs.
#   scripts/make-busybox-rootfs.sh DIR
set -euo pipefail
dir=${1:?usage: make-busybox-rootfs.sh DIR}
bb=/bin/busybox
[ -x "$bb" ] || { echo "make-busybox-rootfs: $bb missing: apt-get install busybox-static" >&2; exit 1; }
if LC_ALL=C ldd "$bb" >/dev/null 2>&1; then
  echo "make-busybox-rootfs: $bb is dynamically linked: apt-get install busybox-static" >&2; exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root,var/www,usr/bin,home}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
