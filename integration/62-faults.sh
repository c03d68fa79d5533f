#!/usr/bin/env bash
# Faults: a data root on a tiny tmpfs that fills up (as root; skipped if
# the mount fails), a log file deleted or truncated under a follower, and a
# SIGKILLed daemon restarted on the same data root with a torn last line.
. "$(dirname "$0")/lib.sh"
SC="$(dirname "${BASH_SOURCE[0]}")/soakclient.py"

LP_MOUNTED=0
lp_faults_cleanup() {
	local rc=$?
	if [ -n "$LP_PID" ]; then
		kill -KILL "$LP_PID" 2>/dev/null || true
		wait "$LP_PID" 2>/dev/null || true
		LP_PID=
	fi
	[ $LP_MOUNTED = 1 ] && umount -l "$LP_DATA" 2>/dev/null
	(exit $rc)
	lp_cleanup
}
trap lp_faults_cleanup EXIT

# frames_ok FILE: every frame is "line N" and N counts up from 1.
frames_ok() {
	lp_frames <"$1" | python3 -c '
import sys
n = 0
for l in sys.stdin:
    l = l.rstrip("\n")
    if l == "TRUNCATED":
        sys.exit("truncated frame")
    n += 1
    if l != "1|line %d %s\\n" % (n, "x" * 200):
        sys.exit("frame %d is [%s]" % (n, l[:80]))
print(n)
'
}

lp_step "the data root on an 8 MB tmpfs (4.3 MB of it the busybox image) that fills up"
mkdir -p "$LP_DATA"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=8m lpit "$LP_DATA" 2>/dev/null; then
	LP_MOUNTED=1
	lp_start
	lp_create filler 'x=$(printf %0200d 0 | tr 0 x); i=0; while true; do i=$((i+1)); echo "line $i $x"; [ $((i % 100)) = 0 ] && sleep 0.01; done' >/dev/null
	lp_start_container filler
	errs() { lp_api /debug/vars | lp_json 'd["log_write_errors"]'; }
	lp_until 30000 eval '[ "$(errs)" -gt 0 ]' || lp_fail "the tmpfs never filled"
	sleep 1
	lp_eq "$(lp_api /containers/filler/json | lp_json 'd["State"]["Running"]')" True \
		"container running with a full disk"
	e1=$(errs)
	sleep 0.5
	e2=$(errs)
	[ "$e2" -gt "$e1" ] || lp_fail "write errors not counted ($e1 -> $e2)"
	n=$(grep -c 'logged once' "$LP_LOG" || true)
	lp_eq "$n" 1 "write error log lines"
	lp_api '/containers/filler/logs?stdout=1' -m 20 -o "$LP_DIR/before"
	n=$(frames_ok "$LP_DIR/before") || lp_fail "logs before the disk filled: $n"
	lp_log "tmpfs full: $n intact lines served, $e2 entries dropped"
	[ "$n" -gt 1000 ] || lp_fail "only $n lines before the disk filled"
	lp_api /containers/filler/kill -X POST >/dev/null
	lp_api '/containers/filler' -X DELETE -o /dev/null
	lp_eq "$(lp_api /_ping)" OK "/_ping after the disk filled"
	lp_stop
	umount "$LP_DATA" || umount -l "$LP_DATA"
	LP_MOUNTED=0
else
	lp_log "SKIPPED the full-disk case: cannot mount a tmpfs (need root)"
fi

lp_step "a log file deleted or truncated under a follower"
lp_start
for how in delete truncate; do
	lp_baseline
	lp_create "vic-$how" 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.01; done' >/dev/null
	lp_start_container "vic-$how"
	path=$(lp_api "/containers/vic-$how/json" | lp_json 'd["LogPath"]')
	lp_api "/containers/vic-$how/logs?stdout=1&follow=1" -m 4 -o "$LP_DIR/f-$how" &
	fpid=$!
	sleep 1
	if [ $how = delete ]; then rm -f "$path"; else : >"$path"; fi
	sleep 1
	wait $fpid || true
	n=$(lp_frames <"$LP_DIR/f-$how" | grep -c '^1|line ' || true)
	lp_log "$how under a follower: follower got $n lines"
	[ "$n" -ge 50 ] || lp_fail "follower got only $n lines ($how)"
	lp_api "/containers/vic-$how/logs?stdout=1&tail=5" -m 5 -o /dev/null ||
		lp_fail "logs after $how"
	lp_api "/containers/vic-$how/kill" -X POST >/dev/null
	lp_api "/containers/vic-$how" -X DELETE -o /dev/null
	lp_released 2000
done

lp_step "SIGKILL, restart on the same data root, a torn last line"
lp_create survivor 'for i in $(seq 1 100); do echo "line $i"; done; sleep 1000' >/dev/null
lp_start_container survivor
lp_until 5000 eval '[ "$(lp_api "/containers/survivor/logs?stdout=1" | lp_frames | wc -l)" = 100 ]' ||
	lp_fail "the survivor did not log 100 lines"
path=$(lp_api /containers/survivor/json | lp_json 'd["LogPath"]')
spid=$(lp_api /containers/survivor/json | lp_json 'd["State"]["Pid"]')
kill -KILL "$LP_PID"
wait "$LP_PID" 2>/dev/null || true
LP_PID=
printf '{"log":"torn li' >>"$path"
lp_start
# The restart took down the group the dead daemon left (67-orphans.sh).
st=$(cut -d' ' -f3 "/proc/$spid/stat" 2>/dev/null || echo gone)
case $st in gone|Z) ;; *) lp_fail "survivor's process $spid is $st" ;; esac
st=$(lp_api /containers/survivor/json | lp_json 'd["State"]["Status"]')
lp_eq "$st" exited "state after restart"
lp_api '/containers/survivor/logs?stdout=1' -o "$LP_DIR/after"
lp_eq "$(lp_frames <"$LP_DIR/after" | wc -l)" 100 "lines after restart"
lp_eq "$(lp_frames <"$LP_DIR/after" | tail -1)" '1|line 100\n' "last line"
lp_eq "$(lp_api /_ping)" OK "/_ping after restart"
lp_stop
