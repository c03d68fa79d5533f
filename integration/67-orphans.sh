#!/usr/bin/env bash
# Orphans: the daemon is SIGKILLed under two running containers (a quiet
# sleep, and a shell that ignores SIGTERM with a child in its group); the
# restarted daemon kills both groups, shows them exited as dockerd would
# (137, no Error), and stop, kill and rm behave as for any stopped one.
. "$(dirname "$0")/lib.sh"

# live_in_group PGID: processes of the group that are not zombies (this
# sandbox's init may never reap what it inherits).
live_in_group() {
	local n=0 f rest
	for f in /proc/[0-9]*/stat; do
		rest=$(cat "$f" 2>/dev/null) || continue
		rest=${rest##*) }
		set -- $rest
		if [ "$3" = "$PG" ] && [ "$1" != Z ]; then n=$((n + 1)); fi
	done
	echo $n
}
group_count() { PG=$1 live_in_group; }
group_gone() { [ "$(group_count "$1")" = 0 ]; }

# A failed run must not leave its groups behind: kill what we recorded.
declare -A pid
lp_orphans_cleanup() {
	local rc=$? p
	# Only on failure: once gone, the numbers may name strangers.
	[ $rc -eq 0 ] || for p in "${pid[@]}"; do
		if [ "$p" -gt 1 ] 2>/dev/null; then
			kill -KILL -- "-$p" 2>/dev/null || true
		fi
	done
	(exit $rc)
	lp_cleanup
}
trap lp_orphans_cleanup EXIT

lp_start
lp_create quiet 'exec sleep 1000' >/dev/null
lp_create stubborn 'trap "" TERM; sleep 1000 & sleep 1000 & wait' >/dev/null
lp_start_container quiet
lp_start_container stubborn
for c in quiet stubborn; do
	pid[$c]=$(lp_api "/containers/$c/json" | lp_json 'd["State"]["Pid"]')
	[ "${pid[$c]}" -gt 1 ] || lp_fail "$c has no pid"
done
lp_until 5000 eval '[ "$(group_count "${pid[stubborn]}")" = 3 ]' ||
	lp_fail "stubborn group has $(group_count "${pid[stubborn]}") processes, want 3"
path=$LP_DATA/containers/$(lp_api /containers/quiet/json | lp_json 'd["Id"]')/config.v2.json
lp_eq "$(lp_json 'd["LogpouchProcess"]["Pgid"]' <"$path")" "${pid[quiet]}" \
	"saved process group"

lp_step "kill -9 of the daemon leaves the groups running"
kill -KILL "$LP_PID"
wait "$LP_PID" 2>/dev/null || true
LP_PID=
sleep 0.2
for c in quiet stubborn; do
	[ "$(group_count "${pid[$c]}")" -gt 0 ] ||
		lp_fail "$c died with the daemon (nothing to test)"
done

lp_step "the restarted daemon kills them"
lp_start
for c in quiet stubborn; do
	group_gone "${pid[$c]}" ||
		lp_fail "$c: $(group_count "${pid[$c]}") processes still in its group after restart"
	st=$(lp_api "/containers/$c/json" | lp_json \
		'"%s %s %s %s [%s]" % (d["State"]["Status"], d["State"]["Running"], d["State"]["ExitCode"], d["State"]["Pid"], d["State"]["Error"])')
	lp_eq "$st" "exited False 137 0 []" "$c state after restart"
done
grep -q "still running from a previous daemon" "$LP_LOG" ||
	lp_fail "no log line about the killed orphans"

lp_step "stop, kill and rm behave as for a stopped container"
for c in quiet stubborn; do
	lp_eq "$(lp_status POST "/containers/$c/stop?t=1")" 304 "stop $c"
	lp_eq "$(lp_status POST "/containers/$c/kill")" 409 "kill $c"
	lp_eq "$(lp_status DELETE "/containers/$c")" 204 "rm $c"
	lp_eq "$(lp_status GET "/containers/$c/json")" 404 "inspect $c after rm"
done
lp_stop
lp_log ok
