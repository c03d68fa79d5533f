#!/usr/bin/env bash
# Disk full, then space again: the data root on a small tmpfs is filled
# under a container writing numbered lines, then freed. Every line of the
# json-file must be one whole entry (no torn entry, none glued to the next),
# the entries written after recovery must be there, and the lines missing
# must be exactly the entries counted as dropped in /debug/vars. As root;
# skipped (with a message) when the tmpfs cannot be mounted.
. "$(dirname "$0")/lib.sh"

LP_MOUNTED=0
lp_diskfull_cleanup() {
	local rc=$?
	if [ -n "$LP_PID" ]; then
		kill -KILL "$LP_PID" 2>/dev/null || true
		wait "$LP_PID" 2>/dev/null || true
		LP_PID=
	fi
	if [ $LP_MOUNTED = 1 ]; then umount -l "$LP_DATA" 2>/dev/null || true; fi
	(exit $rc)
	lp_cleanup
}
trap lp_diskfull_cleanup EXIT

mkdir -p "$LP_DATA"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=16m lpit "$LP_DATA" 2>/dev/null; then
	lp_log "SKIPPED: cannot mount a tmpfs (needs root and CAP_SYS_ADMIN)"
	exit 0
fi
LP_MOUNTED=1
lp_start
errs() { lp_api /debug/vars | lp_json 'd["log_write_errors"]'; }
lines() { grep -c '' "$path" 2>/dev/null || echo 0; }

lp_step "a container writes numbered lines"
lp_create counter 'i=0; while true; do i=$((i+1)); echo "n $i"; [ $((i % 50)) = 0 ] && sleep 0.01; done' >/dev/null
lp_start_container counter
path=$(lp_api /containers/counter/json | lp_json 'd["LogPath"]')
lp_until 10000 eval '[ "$(lines)" -gt 200 ]' || lp_fail "no lines logged"

lp_step "the disk fills up"
head -c 64M /dev/zero >"$LP_DATA/filler" 2>/dev/null || true
lp_until 10000 eval '[ "$(errs)" -gt 0 ]' || lp_fail "no write error counted"
sleep 0.5
e1=$(errs)
lp_until 5000 eval '[ "$(errs)" -gt "$e1" ]' || lp_fail "errors not counted on"

lp_step "space comes back"
rm -f "$LP_DATA/filler"
lp_until 10000 eval 'grep -q "writing again after dropping" "$LP_LOG"' ||
	lp_fail "no log line for the recovery"
n1=$(lines)
lp_until 10000 eval '[ "$(lines)" -gt $((n1 + 200)) ]' ||
	lp_fail "no lines logged after recovery"
lp_api /containers/counter/kill -X POST >/dev/null
lp_wait_exit counter >/dev/null

lp_step "every line is whole; the missing ones are the counted ones"
dropped=$(errs)
read -r n last <<<"$(python3 -c '
import json, sys
n = last = 0
for i, l in enumerate(open(sys.argv[1], "rb")):
    try:
        e = json.loads(l)
    except ValueError:
        sys.exit("line %d is not one entry: %r" % (i + 1, l[:120]))
    v = int(e["log"].split()[1])
    if v <= last:
        sys.exit("line %d: %d after %d" % (i + 1, v, last))
    n, last = n + 1, v
print(n, last)
' "$path")" || lp_fail "the log file holds a torn entry"
[ -n "$last" ] || lp_fail "the log file holds a torn entry"
lp_log "$n entries kept, last n $last, $dropped counted as dropped"
lp_eq "$((last - n))" "$dropped" "lines missing vs entries counted dropped"
[ "$dropped" -gt 0 ] || lp_fail "nothing was dropped (the disk never filled)"
got=$(lp_api '/containers/counter/logs?stdout=1' -m 20 | lp_frames | wc -l)
lp_eq "$got" "$n" "lines served by the logs endpoint"
# One warning per failure episode, each ended by a "writing again" line:
# cutting a torn entry back frees a few bytes, so a write may succeed while
# the disk is still nearly full and a second episode begin.
warns=$(grep -c 'logged once' "$LP_LOG")
[ "$warns" -ge 1 ] || lp_fail "no write error warning"
lp_eq "$(grep -c 'writing again after dropping' "$LP_LOG")" "$warns" \
	"one warning and one recovery line per episode"
lp_api /containers/counter -X DELETE -o /dev/null
lp_stop
umount "$LP_DATA" || umount -l "$LP_DATA"
LP_MOUNTED=0
lp_log ok
