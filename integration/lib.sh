# SPDX-License-Identifier: MIT
# Shared harness for integration tests (bash + curl): each test starts its
# own logpouchd on a fresh temp data root, on a unix socket and a loopback
# TCP port, records a baseline, and always tears down; on failure it prints
# the daemon's log and task dump.
set -euo pipefail

LOGPOUCHD=${LOGPOUCHD:?set LOGPOUCHD to the daemon binary}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

LP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lpit.XXXXXX")
LP_SOCK=$LP_DIR/sock
LP_DATA=$LP_DIR/data
LP_LOG=$LP_DIR/daemon.log
LP_PID=
LP_PORT=
LP_FAILED=0
LP_STEP="start"

lp_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

lp_dump_on_failure() {
	[ -n "$LP_PID" ] || return 0
	lp_log "task dump:"
	curl -s -m 2 --unix-socket "$LP_SOCK" \
		'http://x/debug/pprof/goroutine?debug=2' >&2 || true
}

lp_cleanup() {
	local rc=$?
	if [ $rc -ne 0 ] || [ $LP_FAILED -ne 0 ]; then
		lp_log "FAILED at: $LP_STEP"
		lp_dump_on_failure
		lp_log "daemon log:"
		tail -n 80 "$LP_LOG" >&2 2>/dev/null || true
		rc=1
	fi
	if [ -n "$LP_PID" ]; then
		kill -KILL "$LP_PID" 2>/dev/null || true
		wait "$LP_PID" 2>/dev/null || true
	fi
	# Containers a failed test left behind die with their groups.
	pkill -KILL -f "lpit-marker-$$" 2>/dev/null || true
	# ... and OCI containers with their runtime state, then their roots.
	local r id
	for r in "$LP_DATA"/runtimes/*/; do
		[ -d "$r" ] || continue
		for id in $(ls "$r"); do
			"$(basename "$r")" --root "$r" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	grep -o " $LP_DIR/[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r |
		xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$LP_DIR"
	exit $rc
}
trap lp_cleanup EXIT

lp_fail() {
	LP_FAILED=1
	lp_log "FAIL: $*"
	exit 1
}

lp_step() { LP_STEP=$*; }

lp_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# lp_start [extra logpouchd flags...]: starts the daemon and waits for it.
lp_start() {
	LP_PORT=$(lp_free_port)
	"$LOGPOUCHD" --debug -H "unix://$LP_SOCK" -H "tcp://127.0.0.1:$LP_PORT" \
		--data-root "$LP_DATA" "$@" >>"$LP_LOG" 2>&1 &
	LP_PID=$!
	for _ in $(seq 1 200); do
		if curl -sf -m 1 --unix-socket "$LP_SOCK" http://x/_ping >/dev/null 2>&1; then
			# Create needs the image, as dockerd: busybox from Debian.
			bash "${LP_SRCDIR:-$(dirname "${BASH_SOURCE[0]}")/..}/scripts/busybox-image.sh" import "$LP_SOCK" ||
				lp_fail "busybox image import"
			return 0
		fi
		kill -0 "$LP_PID" 2>/dev/null || lp_fail "daemon died at start"
		sleep 0.05
	done
	lp_fail "daemon did not answer /_ping"
}

# lp_need_namespaces: the OCI tests run only where namespaces can be made;
# elsewhere the test says so and passes (what the README promises).
lp_need_namespaces() {
	unshare -pfmui --net true 2>/dev/null && return 0
	lp_log "SKIP: this machine cannot create pid/mount/uts/ipc/net namespaces"
	exit 0
}

# lp_stop: SIGTERM; the daemon must exit 0 with no sanitizer report.
lp_stop() {
	local rc=0
	kill -TERM "$LP_PID"
	wait "$LP_PID" || rc=$?
	LP_PID=
	[ $rc -eq 0 ] || lp_fail "daemon exited $rc after SIGTERM"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$LP_LOG"; then
		lp_fail "sanitizer report in the daemon log"
	fi
}

# lp_docker_cli: the docker CLI against the daemon under test, as D, with
# a config of the test's own (no user config, no contexts); 60 s bound.
lp_docker_cli() {
	export DOCKER_CONFIG=$LP_DIR/docker-config
	D() { timeout -k 5 60 docker -H "unix://$LP_SOCK" "$@"; }
}

# lp_api PATH [curl args...]: body on stdout, over the unix socket.
lp_api() {
	local path=$1
	shift
	curl -sS -m 10 --unix-socket "$LP_SOCK" "$@" "http://x$path"
}

# lp_tcp PATH [curl args...]: the same over the loopback TCP listener.
lp_tcp() {
	local path=$1
	shift
	curl -sS -m 10 "$@" "http://127.0.0.1:$LP_PORT$path"
}

# lp_status METHOD PATH [curl args...]: prints the status code only.
lp_status() {
	local method=$1 path=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' -m 10 -X "$method" \
		--unix-socket "$LP_SOCK" "$@" "http://x$path"
}

lp_json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

lp_eq() {
	[ "$1" = "$2" ] || lp_fail "${3:-value}: got [$1], want [$2]"
}

lp_contains() {
	case "$1" in
	*"$2"*) ;;
	*) lp_fail "${3:-output} does not contain [$2]: [$1]" ;;
	esac
}

# lp_until TIMEOUT_MS CMD...: polls CMD every 10 ms; fails after TIMEOUT_MS.
lp_until() {
	local ms=$1 i
	shift
	for ((i = 0; i <= ms / 10; i++)); do
		if "$@"; then
			return 0
		fi
		sleep 0.01
	done
	return 1
}

lp_ngoroutines() { lp_api /info | lp_json 'd["NGoroutines"]'; }
lp_nfd() { lp_api /info | lp_json 'd["NFd"]'; }
lp_tasks_of() {
	lp_api /debug/vars | lp_json "d['tasks_by_kind'].get('$1', 0)"
}

# Baseline: the figures a test's clients must leave as they found them.
lp_baseline() {
	local fig
	fig=$(python3 "$(dirname "${BASH_SOURCE[0]}")/lpclient.py" figures "$LP_SOCK")
	LP_BASE_TASKS=${fig% *}
	LP_BASE_FDS=${fig#* }
}

# True when tasks and fds are back at the baseline (the /info request
# itself is one task; it is counted in the baseline as well).
lp_at_baseline() {
	python3 "$(dirname "${BASH_SOURCE[0]}")/lpclient.py" baseline \
		"$LP_SOCK" "$LP_BASE_TASKS" "$LP_BASE_FDS" 0 >/dev/null 2>&1
}

# lp_create NAME CMD: creates and starts a container running sh -c CMD.
lp_create() {
	local name=$1 cmd=$2 body
	body=$(python3 -c 'import json,sys; print(json.dumps({"Image":"busybox","Cmd":["sh","-c",sys.argv[1]],"Labels":{"m":sys.argv[2]}}))' "$cmd" "lpit-marker-$$")
	lp_api "/containers/create?name=$name" -X POST \
		-H 'Content-Type: application/json' -d "$body" | lp_json 'd["Id"]'
}

lp_start_container() {
	local code
	code=$(lp_status POST "/containers/$1/start")
	[ "$code" = 204 ] || lp_fail "start $1: status $code"
}

# lp_frames: decodes a multiplexed logs body on stdin into one line per
# frame, "STREAM|payload" with the payload's newline shown as \n.
lp_frames() {
	python3 -c '
import sys
b = sys.stdin.buffer.read()
i = 0
while i < len(b):
    if i + 8 > len(b):
        print("TRUNCATED"); break
    n = int.from_bytes(b[i+4:i+8], "big")
    p = b[i+8:i+8+n]
    if len(p) < n:
        print("TRUNCATED"); break
    print("%d|%s" % (b[i], p.decode("utf-8", "backslashreplace").replace("\n", "\\n")))
    i += 8 + n
'
}

# lp_wait_exit ID: blocks until the container has exited; prints its code.
lp_wait_exit() {
	lp_api "/containers/$1/wait" -X POST -m 30 | lp_json 'd["StatusCode"]'
}

# lp_no_logs_tasks: true when no logs stream or reader task is alive.
lp_no_logs_tasks() {
	local dump
	dump=$(lp_api '/debug/pprof/goroutine?debug=2')
	! grep -q logs_container <<<"$dump"
}

LP_CLIENT="$(dirname "${BASH_SOURCE[0]}")/lpclient.py"

# lp_released [MS] [STANZA]: after a client left, tasks and fds return to
# the baseline and no STANZA (default logs_container: the endpoint's task
# kind) remains in the dump, within MS (default 100).
# The figures are read in-process, so the poll itself costs ~1 ms.
lp_released() {
	local ms=${1:-100} took
	took=$(python3 "$LP_CLIENT" baseline "$LP_SOCK" "$LP_BASE_TASKS" \
		"$LP_BASE_FDS" "$ms" ${2:+"$2"}) ||
		lp_fail "not released within $ms ms"
	lp_log "released in $took ms"
}

# lp_tasks_is KIND N: true when exactly N tasks of KIND are alive (for
# lp_until, which needs a command it can run again, not a value).
lp_tasks_is() { [ "$(lp_tasks_of "$1")" = "$2" ]; }

# lp_ui_url: the log viewer's address, as the daemon logged it (--ui with
# port 0 lets the kernel pick the port).
lp_ui_url() {
	local url
	for _ in $(seq 1 100); do
		url=$(grep -o 'log viewer at http://[^ ]*' "$LP_LOG" | tail -n 1)
		[ -n "$url" ] && { echo "${url#log viewer at }"; return 0; }
		sleep 0.02
	done
	lp_fail "no 'log viewer at' line in the daemon log"
}

# lp_ui_containers: alpha and beta, as integration/uiclient.py expects
# them: alpha prints ANSI red, a 400-character line, "alpha ready", and a
# line on stdout and one on stderr per SIGUSR1; beta 150 requests (every
# third FAIL), then "beta tick N" per SIGUSR1. Both exit on SIGTERM (as
# PID 1 they would ignore it, and the daemon's stop would wait 10 s).
lp_ui_containers() {
	local id
	id=$(lp_create alpha 'trap "exit 0" TERM; trap '\''i=$((i+1)); echo "alpha tick $i"; echo "alpha oops $i" >&2'\'' USR1; i=0
printf "\033[31mred alert\033[0m\n"
printf "long %s\n" "$(head -c 400 /dev/zero | tr "\0" x)"
echo "alpha ready"
while :; do sleep 0.05; done')
	lp_start_container "$id"
	id=$(lp_create beta 'trap "exit 0" TERM; trap '\''j=$((j+1)); echo "beta tick $j"'\'' USR1; j=0; i=0
while [ $i -lt 150 ]; do i=$((i+1)); if [ $((i % 3)) -eq 0 ]; then echo "beta req $i status FAIL"; else echo "beta req $i status ok"; fi; done
while :; do sleep 0.05; done')
	lp_start_container "$id"
	lp_until 3000 lp_ui_ready || lp_fail "alpha and beta did not start writing"
}
lp_ui_ready() {
	lp_api '/containers/alpha/logs?stdout=1' | grep -q 'alpha ready' &&
		lp_api '/containers/beta/logs?stdout=1' | grep -q 'beta req 150'
}
