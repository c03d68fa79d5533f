#!/usr/bin/env bash
# Followers that leave, and followers whose container leaves: a chatty
# container with curl -m 2, 200 followers at once, a container that exits or
# is removed while followed (over unix and TCP), and a waiter that hangs up.
. "$(dirname "$0")/lib.sh"
lp_start

lp_step "scenario 2: a chatty container, curl -m 2"
id=$(lp_create chatty 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.01; done')
lp_start_container chatty
lp_baseline
rc=0
curl -s -m 2 --unix-socket "$LP_SOCK" -o "$LP_DIR/chatty" \
	"http://x/containers/chatty/logs?stdout=1&follow=1" || rc=$?
lp_eq "$rc" 28 "curl -m 2"
n=$(lp_frames <"$LP_DIR/chatty" | grep -c '^1|line ' || true)
[ "$n" -ge 50 ] || lp_fail "chatty follower got only $n lines"
lp_released 100

lp_step "scenario 3: 200 followers at once, curl -m 1 each"
pids=()
for i in $(seq 1 200); do
	curl -s -m 1 --unix-socket "$LP_SOCK" -o /dev/null \
		"http://x/containers/chatty/logs?stdout=1&follow=1&tail=1" &
	pids+=($!)
done
wait "${pids[@]}" || true
lp_released 500
lp_api /containers/chatty/kill -X POST >/dev/null

lp_step "scenario 7: the container exits while followed; the stream ends with every line"
for via in unix tcp; do
	lp_baseline
	id=$(lp_create "ends-$via" 'sleep 0.5; for i in $(seq 1 100); do echo "n $i"; done; printf end')
	lp_start_container "ends-$via"
	if [ $via = unix ]; then
		lp_api "/containers/ends-$via/logs?stdout=1&follow=1" -m 10 -o "$LP_DIR/ends" ||
			lp_fail "curl did not exit 0"
	else
		lp_tcp "/containers/ends-$via/logs?stdout=1&follow=1" -m 10 -o "$LP_DIR/ends" ||
			lp_fail "curl over tcp did not exit 0"
	fi
	lp_eq "$(lp_frames <"$LP_DIR/ends" | wc -l)" 101 "lines over $via"
	lp_eq "$(lp_frames <"$LP_DIR/ends" | tail -1)" "1|end" "last fragment over $via"
	lp_released 200
done

lp_step "scenario 8: the container is removed while followed"
lp_baseline
id=$(lp_create doomed 'while true; do sleep 1; done')
lp_start_container doomed
lp_api "/containers/doomed/logs?stdout=1&follow=1" -m 10 -o /dev/null &
cpid=$!
lp_until 2000 lp_tasks_is api.logs_container 1 ||
	lp_fail "stream never started"
lp_eq "$(lp_status DELETE '/containers/doomed?force=1')" 204 "rm -f"
wait $cpid || lp_fail "the follower did not end cleanly"
lp_released 200

lp_step "scenario 11: a waiter whose client leaves"
lp_create waited 'while true; do sleep 1; done' >/dev/null
lp_start_container waited
lp_baseline
curl -s -m 1 -X POST --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/containers/waited/wait?condition=next-exit" || true
lp_until 1000 lp_tasks_is api.wait_container 0 ||
	lp_fail "a waiter outlived its client"
lp_released 200
lp_api /containers/waited/kill -X POST >/dev/null

lp_step "the daemon still serves"
lp_eq "$(lp_api /_ping)" OK ping
lp_stop
lp_log ok
