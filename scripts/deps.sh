#!/usr/bin/env bash
# Installs the Debian packages logpouch builds and tests with, when missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -euo pipefail
pkgs=(cmake make gcc pkg-config libevent-dev libjansson-dev libcmocka-dev
	curl python3 procps runc crun
	libarchive-dev libssl-dev busybox-static python3-docker docker-compose
	chromium)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "logpouch needs these Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
