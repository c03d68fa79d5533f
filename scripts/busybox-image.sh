#!/usr/bin/env bash
# Builds a busybox rootfs tarball from Debian's busybox-static and, given a
# socket, imports it as busybox:latest (as dockerd-reference.sh does for
# dockerd), so `docker run busybox ...` works with no registry.
#
#   busybox-image.sh tar  OUT.tar        # only build the tarball
#   busybox-image.sh import SOCKET       # build (cached) and import
#
# The root: /bin/busybox and its applet links, /etc/passwd and /etc/group
# with root, daemon and nobody (so `-u daemon` resolves), /tmp /root /home
# /var /proc /sys /dev. Timestamps are fixed, so the tarball (and the
# layer's diff_id) is the same on every run with the same busybox.
set -euo pipefail

build() {
	local out=$1 root
	[ -x /bin/busybox ] || { echo "busybox-image.sh: needs busybox-static (scripts/deps.sh)" >&2; exit 1; }
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,etc,tmp,root,home,var/tmp,proc,sys,dev}
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 700 "$root/root"
	cp /bin/busybox "$root/bin/busybox"
	for c in $("$root/bin/busybox" --list); do
		[ "$c" = busybox ] || ln -sf busybox "$root/bin/$c"
	done
	cat >"$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PW
	cat >"$root/etc/group" <<'GR'
root:x:0:
daemon:x:1:
nogroup:x:65534:
GR
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-C "$root" -cf "$out.tmp" .
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

case "${1:-}" in
tar) build "$2" ;;
import)
	sock=$2
	cache=${LP_BUSYBOX_TAR:-${TMPDIR:-/tmp}/lp-busybox-$(id -u).tar}
	[ -s "$cache" ] && [ "$cache" -nt /bin/busybox ] || build "$cache"
	curl -fsS --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
		--data-binary "@$cache" 'http://x/images/create?fromSrc=-&repo=busybox&tag=latest' >/dev/null
	;;
*) echo "usage: $0 tar OUT.tar | import SOCKET" >&2; exit 2 ;;
esac
