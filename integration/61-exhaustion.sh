#!/usr/bin/env bash
# Resource exhaustion: 5,000 connections opened and never used are dropped
# by the header deadline while the daemon keeps serving; then more
# connections than the daemon's fd limit (ulimit -n 256): EMFILE is logged
# once per burst, the listener stays, the daemon does not spin (CPU time
# over 2 s measured while the limit is hit), and it serves again once the
# fds are free.
. "$(dirname "$0")/lib.sh"
SC="$(dirname "${BASH_SOURCE[0]}")/soakclient.py"
IDLE_N=${IDLE_N:-5000}

lp_step "$IDLE_N idle connections, --header-timeout 2"
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((IDLE_N + 200)) ]; then
	IDLE_N=$(($(ulimit -Hn) - 200))
	lp_log "hard fd limit $(ulimit -Hn): using $IDLE_N idle connections"
fi
ulimit -n "$(ulimit -Hn)"
lp_start --header-timeout 2
lp_baseline
# The daemon's fd limit came from this shell; the pings go over TCP.
out=$(python3 "$SC" idle "$LP_SOCK" "$IDLE_N" 10 "tcp:$LP_PORT")
lp_log "idle: $out"
lp_contains "$out" "opened $IDLE_N closed $IDLE_N ping OK" "idle connections"
lp_released 2000
lp_eq "$(lp_api /_ping)" OK "/_ping after the idle flood"
lp_stop

lp_step "EMFILE: the daemon under ulimit -n 256"
: >"$LP_LOG"
(ulimit -n 256; exec "$LOGPOUCHD" --debug -H "unix://$LP_SOCK" \
	--data-root "$LP_DATA" --header-timeout 30 >>"$LP_LOG" 2>&1) &
LP_PID=$!
lp_until 5000 curl -sf -m 1 --unix-socket "$LP_SOCK" http://x/_ping -o /dev/null ||
	lp_fail "daemon did not start"
python3 "$SC" hold "$LP_SOCK" 600 6 >"$LP_DIR/held" &
hold_pid=$!
lp_until 5000 grep -q 'Too many open files' "$LP_LOG" || lp_fail "no EMFILE logged"
sleep 0.5
cpu=$(python3 "$SC" cpu "$LP_PID" 2)
lp_log "held $(cat "$LP_DIR/held") connections; daemon CPU over 2 s at the fd limit: $cpu s"
python3 -c "import sys; sys.exit(0 if float('$cpu') < 0.3 else 1)" ||
	lp_fail "daemon used $cpu s of CPU in 2 s at EMFILE (busy loop)"
n=$(grep -c 'pausing accepts' "$LP_LOG" || true)
lp_eq "$n" 1 "EMFILE log lines in one burst"
kill -0 "$LP_PID" || lp_fail "daemon died at EMFILE"
wait "$hold_pid"
lp_until 5000 curl -sf -m 1 --unix-socket "$LP_SOCK" http://x/_ping -o /dev/null ||
	lp_fail "not serving after the fds came back"
lp_until 3000 grep -q "accepting connections again" "$LP_LOG" ||
	lp_fail "the end of the EMFILE burst was not logged"
lp_eq "$(lp_api /_ping)" OK "/_ping after EMFILE"
lp_stop
