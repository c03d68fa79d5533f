#!/usr/bin/env bash
# Load: containers printing numbered lines at a steady rate, many followers
# each: every follower that stays gets every line exactly once, in order,
# and its stream ends when its container exits. Scaled down here (10
# containers, 500 lines/s each, 100 followers, 4 s); `make load` runs the
# full size: 100 containers at 1,000 lines/s with 1,000 followers for 60 s.
. "$(dirname "$0")/lib.sh"
ulimit -n "$(ulimit -Hn)"
C=${LOAD_CONTAINERS:-10}
RATE=${LOAD_RATE:-500}
F=${LOAD_FOLLOWERS:-100}
SECS=${LOAD_SECONDS:-4}
TOTAL=$((RATE * SECS))
lp_start
lp_baseline

lp_step "$C containers at $RATE lines/s for $SECS s"
names=()
# Bursts of rate/10 lines, ten times a second; a short sleep first lets
# every follower attach before the first line.
cmd="sleep 1; awk -v total=$TOTAL -v burst=$((RATE / 10)) 'BEGIN { for (i = 1; i <= total; i++) { print \"L\" i; if (i % burst == 0) { fflush(); system(\"sleep 0.1\") } } }'"
for i in $(seq 1 "$C"); do
	lp_create "load$i" "$cmd" >/dev/null
	names+=("load$i")
done
for n in "${names[@]}"; do
	lp_start_container "$n"
done
lp_step "$F followers check every line"
start=$(date +%s.%N)
python3 "$(dirname "$0")/loadclient.py" "$LP_SOCK" "$(IFS=,; echo "${names[*]}")" \
	"$TOTAL" "$F" $((SECS * 3 + 30)) || lp_fail "lines lost, repeated or reordered"
lp_log "$(python3 -c "import sys; print('%.1f s for %d lines to %d followers' % (float(sys.argv[2]) - float(sys.argv[1]), int(sys.argv[3]) * int(sys.argv[4]), int(sys.argv[5])))" "$start" "$(date +%s.%N)" "$TOTAL" "$C" "$F")"
for n in "${names[@]}"; do
	lp_wait_exit "$n" >/dev/null
done
lp_released 500
lp_stop
lp_log ok
