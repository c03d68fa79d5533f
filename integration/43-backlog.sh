#!/usr/bin/env bash
# Big backlogs: a client that leaves in the middle of a 1,000,000-line
# backlog, and a slow reader on a container printing as fast as it can —
# the daemon's memory stays bounded while it waits, and all is freed after.
. "$(dirname "$0")/lib.sh"
lp_start

lp_step "scenario 5: a 1,000,000-line backlog"
lp_create big 'seq 1 1000000' >/dev/null
lp_start_container big
lp_eq "$(lp_wait_exit big)" 0 "exit code"
lp_baseline
n=$(lp_api '/containers/big/logs?stdout=1&tail=3' | lp_frames | tr '\n' ' ')
lp_eq "$n" '1|999998\n 1|999999\n 1|1000000\n ' "tail=3 of a million"
# head closes the pipe after 100 kB; curl fails its write and leaves.
curl -s --unix-socket "$LP_SOCK" 'http://x/containers/big/logs?stdout=1' |
	head -c 100000 >/dev/null || true
lp_released 200
# And once more, leaving by time rather than by a broken pipe.
curl -s --limit-rate 200k -m 1 --unix-socket "$LP_SOCK" -o /dev/null \
	'http://x/containers/big/logs?stdout=1' || true
lp_released 200

lp_step "scenario 6: a slow reader on a container printing as fast as it can"
body='{"Image":"busybox","Cmd":["sh","-c","yes 0123456789012345678901234567890123456789012345678901234567890123456789"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"20m","max-file":"2"}}}}'
lp_api '/containers/create?name=flood' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_start_container flood
sleep 0.5
lp_baseline
rss0=$(awk '/VmRSS/ {print $2}' /proc/$LP_PID/status)
curl -s --limit-rate 2k --unix-socket "$LP_SOCK" -o /dev/null \
	'http://x/containers/flood/logs?stdout=1&follow=1' &
cpid=$!
max=0
for _ in $(seq 1 30); do
	sleep 0.1
	r=$(awk '/VmRSS/ {print $2}' /proc/$LP_PID/status)
	[ "$r" -gt "$max" ] && max=$r
done
kill $cpid
wait $cpid 2>/dev/null || true
lp_log "daemon RSS ${rss0} kB before, at most ${max} kB with a 2 kB/s reader"
# A bound on growth, not a benchmark: without backpressure the daemon
# would hold the whole backlog (hundreds of MB) for this client.
[ $((max - rss0)) -lt 65536 ] || lp_fail "RSS grew by $((max - rss0)) kB"
lp_api /containers/flood/kill -X POST >/dev/null
lp_wait_exit flood >/dev/null
lp_until 1000 lp_no_logs_tasks || lp_fail "slow reader's stream left behind"
lp_stop
lp_log ok
