#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: starts a logpouchd (the given binary) on a temporary socket
# and data root, runs bench/lpbench.py against it and, when a dockerd socket
# is given, against dockerd too; stops the daemon and removes its files.
#
#   bench/run.sh LOGPOUCHD [DOCKERD_SOCK]
#   (BENCH_ARGS, SINCE_ARGS: more options; BENCH_FIGURES: which)
set -eu
lpd=$1
dsock=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/lpbench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Ten thousand followers need as many fds on each side.
ulimit -n "$(ulimit -Hn)"
# --debug for the task dump (figure 5) and /debug/vars (heap), but the
# log at info: the daemon logs nothing per line either way.
"$lpd" --debug --log-level info -H "unix://$dir/sock" \
	--data-root "$dir/data" >"$dir/daemon.log" 2>&1 </dev/null &
pid=$!
i=0
until [ -S "$dir/sock" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$dir/daemon.log" >&2; exit 1; }
	sleep 0.05
done
# Create needs the image: busybox from busybox-static.
"$here/../scripts/busybox-image.sh" import "$dir/sock"
# BENCH_FIGURES: all (the default), main (lpbench.py: figures 1-7) or
# since (since.py: figure 8, since in the middle of a large log).
figs=${BENCH_FIGURES:-all}
if [ "$figs" != since ]; then
	LPBENCH_BUILD=$dir python3 "$here/lpbench.py" \
		--sock "logpouchd=$dir/sock" ${dsock:+--sock "dockerd=$dsock"} \
		${BENCH_ARGS:-}
fi
if [ "$figs" != main ]; then
	LPBENCH_BUILD=$dir python3 "$here/since.py" \
		--sock "logpouchd=$dir/sock" ${dsock:+--sock "dockerd=$dsock"} \
		${SINCE_ARGS:-}
fi
