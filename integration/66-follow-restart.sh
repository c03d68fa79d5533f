#!/usr/bin/env bash
# A follow across a restart ends with the run it followed, as dockerd
# 20.10's does (its follow ends when the container stops): every record of
# that run, none of the next, although the next run appends to the same
# file. It used to read on into the next run and stop anywhere.
. "$(dirname "$0")/lib.sh"
lp_start
lp_create rs 'echo run-$$; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line$i; [ $((i % 100)) = 0 ] && sleep 0.05; done' >/dev/null
lp_baseline
lp_start_container rs
sleep 0.3
lp_step "follow, then restart"
lp_api '/containers/rs/logs?stdout=1&follow=1' -m 20 -o "$LP_DIR/follow" &
fpid=$!
sleep 0.5
code=$(lp_status POST '/containers/rs/restart?t=1')
lp_eq "$code" 204 "restart"
wait "$fpid" || lp_fail "the follow did not end cleanly"
sleep 0.5
lp_api '/containers/rs/logs?stdout=1' -o "$LP_DIR/all"
lp_frames <"$LP_DIR/follow" >"$LP_DIR/got"
lp_frames <"$LP_DIR/all" >"$LP_DIR/every"
lp_eq "$(grep -c 'run-' "$LP_DIR/every")" 2 "runs in the log"
lp_eq "$(grep -c 'run-' "$LP_DIR/got")" 1 "runs in the follow"
# The follow is exactly the first run: the log up to the second run's start.
first=$(grep -n 'run-' "$LP_DIR/every" | sed -n 2p | cut -d: -f1)
head -n $((first - 1)) "$LP_DIR/every" >"$LP_DIR/want"
cmp -s "$LP_DIR/got" "$LP_DIR/want" ||
	lp_fail "follow is not the first run: $(wc -l <"$LP_DIR/got") of $(wc -l <"$LP_DIR/want") lines; $(diff "$LP_DIR/want" "$LP_DIR/got" | head -3)"
lp_log "follow got the first run's $(wc -l <"$LP_DIR/got") records and ended"
lp_status POST '/containers/rs/kill' >/dev/null
lp_wait_exit rs >/dev/null
lp_released 200
lp_stop
lp_log ok
