#!/usr/bin/env bash
# Scenario 9: follow across rotation (tiny max-size, max-file 3) delivers
# every line exactly once and in order — where dockerd loses or repeats.
. "$(dirname "$0")/lib.sh"
lp_start

body='{"Image":"busybox","Cmd":["sh","-c","sleep 1; seq 1 3000; sleep 0.2; seq 3001 6000"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"10k","max-file":"3"}}}}'
lp_api '/containers/create?name=rot' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_baseline
lp_start_container rot
lp_step "follow from the start through many rotations"
lp_api '/containers/rot/logs?stdout=1&follow=1' -m 20 -o "$LP_DIR/rot" ||
	lp_fail "follower did not end cleanly"
lp_frames <"$LP_DIR/rot" | sed 's/^1|//; s/\\n$//' >"$LP_DIR/got"
seq 1 6000 >"$LP_DIR/want"
cmp -s "$LP_DIR/got" "$LP_DIR/want" ||
	lp_fail "lines lost or repeated: $(diff "$LP_DIR/want" "$LP_DIR/got" | head -5)"
ls "$LP_DATA"/containers/*/ | grep -c json.log >"$LP_DIR/files"
lp_eq "$(cat "$LP_DIR/files")" 3 "files kept with max-file 3"
lp_released 200
lp_stop
lp_log ok
