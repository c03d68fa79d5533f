#!/usr/bin/env bash
# Installs the Debian packages logpouch builds and tests with, when missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -euo pipefail
pkgs=(cmake make gcc pkg-config libevent-dev libjansson-dev libcmocka-dev
	curl python3 procps runc crun
	libarchive-dev libssl-dev zlib1g-dev busybox-static python3-docker docker-compose
	systemd prometheus chromium
	man-db groff-base)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
# The integration tests drive the real docker CLI; Debian's comes with
# docker.io (20.10, the reference). A newer CLI already installed will do.
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
# integration/85-dockerode.sh runs dockerode under node and installs it
# with npm; Debian 12's (18, 9) will do, and so does a newer node bundling
# its own npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "logpouch needs these Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
