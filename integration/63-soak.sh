#!/usr/bin/env bash
# Soak: SOAK_N follow requests (default 2,000; `make soak` runs 100,000)
# aborted at random points: during the headers, in the backlog, idle in
# follow; by FIN and by RST, over unix and TCP. Afterwards the daemon's
# fds and tasks are back at the baseline and its RSS within a tolerance.
# ASan keeps freed memory in a 256 MiB quarantine by default, which would
# read as RSS growth; a small one makes the RSS figure mean something.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:quarantine_size_mb=4:thread_local_quarantine_size_kb=64}
. "$(dirname "$0")/lib.sh"
SC="$(dirname "${BASH_SOURCE[0]}")/soakclient.py"
N=${SOAK_N:-2000}
CONC=${SOAK_CONC:-50}

rss() { lp_api /debug/vars | lp_json 'd["rss"]'; }

lp_start --header-timeout 5
lp_create chatty 'for i in $(seq 1 300); do echo "backlog line $i"; done; while true; do echo tick; sleep 0.2; done' >/dev/null
lp_start_container chatty
lp_until 5000 eval '[ "$(lp_api "/containers/chatty/logs?stdout=1&tail=all" | lp_frames | wc -l)" -ge 300 ]' ||
	lp_fail "backlog not written"

lp_step "warm-up (allocator pools), then the baseline"
warm=$((N / 4 < 500 ? 500 : N / 4))
python3 "$SC" soak "$LP_SOCK" '/containers/chatty/logs?stdout=1&follow=1' "$warm" "$CONC" 1 >/dev/null
python3 "$SC" soak "tcp:$LP_PORT" '/containers/chatty/logs?stdout=1&follow=1' "$warm" "$CONC" 1 >/dev/null
sleep 0.5
lp_baseline
rss0=$(rss)

lp_step "$N aborted follow requests"
half=$((N / 2))
out1=$(python3 "$SC" soak "$LP_SOCK" '/containers/chatty/logs?stdout=1&follow=1' "$half" "$CONC" 2) ||
	lp_fail "unix soak: $out1"
out2=$(python3 "$SC" soak "tcp:$LP_PORT" '/containers/chatty/logs?stdout=1&stderr=1&follow=1&tail=100' \
	$((N - half)) "$CONC" 3) || lp_fail "tcp soak: $out2"
lp_log "unix: $out1"
lp_log "tcp:  $out2"

lp_step "back at the baseline"
lp_released 10000
fig=$(python3 "$(dirname "$0")/lpclient.py" figures "$LP_SOCK")
rss1=$(rss)
lp_log "fds: before $LP_BASE_FDS after ${fig#* }; tasks: before $LP_BASE_TASKS after ${fig% *}; rss: before $((rss0 / 1024)) KiB after $((rss1 / 1024)) KiB"
# Tolerance: the quarantine above plus allocator slack.
tol=$((16 * 1024 * 1024))
[ $((rss1 - rss0)) -le $tol ] || lp_fail "RSS grew by $(((rss1 - rss0) / 1024)) KiB"
lp_eq "$(lp_api /_ping)" OK "/_ping after the soak"
lp_api /containers/chatty/kill -X POST >/dev/null
lp_stop
