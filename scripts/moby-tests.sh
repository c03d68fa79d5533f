#!/bin/sh
# SPDX-License-Identifier: MIT
# Docker's own container tests (moby v20.10.24, integration/container)
# against a running daemon, as docs/api.md reports them: the test binary
# is built from a moby checkout with Debian's golang-go (GOPATH mode, the
# vendored dependencies, no network), the images the suite expects are
# tagged from the daemon's busybox, and every test runs except those that
# start daemons of their own (dockerd binaries and containerd, which no
# daemon under test provides) and one volume test (its nil dereference
# aborts the whole binary on a daemon without volumes). Not part of `make test`: it needs the moby
# source and takes about ten minutes.
#
#   scripts/moby-tests.sh MOBY_CHECKOUT SOCKET [OUT]
#   e.g. git clone -b v20.10.24 https://github.com/moby/moby /tmp/moby
#        scripts/moby-tests.sh /tmp/moby /tmp/lp/sock
# Prints the PASS/FAIL/SKIP counts; OUT (default ./moby-tests.out) holds
# go test -v's output.
set -eu
src=$1
sock=$2
out=${3:-$PWD/moby-tests.out}
command -v go >/dev/null || { echo "no go: apt-get install golang-go" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/moby-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/github.com/docker"
ln -s "$(cd "$src" && pwd)" "$work/src/github.com/docker/docker"
(cd "$work/src/github.com/docker/docker" &&
	GOPATH=$work GO111MODULE=off GOCACHE=$work/cache \
	go test -c -o "$work/container.test" ./integration/container)
export DOCKER_HOST="unix://$sock"
# environment.EnsureFrozenImagesLinux pulls these when they are missing.
for t in busybox:glibc hello-world:frozen debian:bullseye-slim; do
	docker tag busybox:latest "$t"
done
skip='^(TestAPIIpcModeHost|TestCgroupNamespacesRun.*|TestContainerKillOnDaemonStart|TestContainerStartOnDaemonRestart|TestDaemonHostGatewayIP|TestDaemonIpcMode.*|TestDaemonRestartIpcMode|TestDaemonRestartKillContainers|TestExportContainerAfterDaemonRestart|TestRestartDaemonWithRestartingContainer|TestRemoveContainerWithVolume)$'
"$work/container.test" -test.list '.*' | grep '^Test' | grep -Ev "$skip" >"$work/tests"
re="^($(paste -sd'|' "$work/tests"))\$"
rc=0
(cd "$work" && "$work/container.test" -test.v -test.timeout 900s \
	-test.run "$re") >"$out" 2>&1 || rc=$?
grep -E '^--- (PASS|FAIL|SKIP)' "$out" | awk '{print $2}' | sort | uniq -c
echo "tests: $(wc -l <"$work/tests"), go test exit $rc, output in $out"
