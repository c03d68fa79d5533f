#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan + UBSan) in BUILD_DIR and
# runs each for FUZZ_SECONDS (default 5) over its seed corpus in
# tests/fuzz/corpus/<target>/. New inputs go to a scratch corpus in
# BUILD_DIR, never into the source tree; a crash leaves its input in
# BUILD_DIR/artifacts/ and fails the run. Without clang: skipped, exit 0.
# WERROR=OFF: gcc is the warning gate; clang adds -Wformat-nonliteral on
# vprintf wrappers, which -Werror would turn into a build failure.
#
#   tests/fuzz/run-short.sh [BUILD_DIR]        (ctest: fuzz/short)
#   FUZZ_SECONDS=300 tests/fuzz/run-short.sh   (make fuzz)
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-5}
CC=${CC:-clang}
case $CC in
*clang*) ;;
*) CC=clang ;;
esac

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "run-short.sh: SKIPPED: clang not found (libFuzzer needs clang)"
	exit 0
fi

mkdir -p "$BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_C_COMPILER="$CC" -DFUZZ=ON \
	-DSANITIZE=ON -DWERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 ||
	{ cat "$BUILD/configure.log"; exit 1; }

targets=
for f in "$SRC"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	targets="$targets $t"
done
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"${JOBS:-2}" --target $targets >"$BUILD/build.log" 2>&1 ||
	{ tail -n 60 "$BUILD/build.log"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/artifacts"
rc=0
for t in $targets; do
	seeds=$SRC/tests/fuzz/corpus/${t#fuzz_}
	work=$BUILD/corpus/${t#fuzz_}
	mkdir -p "$work"
	[ -d "$seeds" ] || seeds=
	echo "== $t: ${SECONDS_EACH}s"
	# shellcheck disable=SC2086
	if ! "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" \
		-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$BUILD/artifacts/$t-" \
		"$work" $seeds >"$BUILD/$t.log" 2>&1; then
		echo "== $t FAILED:"
		tail -n 60 "$BUILD/$t.log"
		rc=1
		continue
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
		"$BUILD/$t.log" | tr '\n' ' '
	echo
done
exit $rc
