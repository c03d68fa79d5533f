#!/usr/bin/env bash
# The original report, verbatim, over the unix socket and over TCP: a quiet
# container, `curl -m 3 .../logs?stdout=1&follow=1`, then the goroutine dump
# must hold no logs_container stanza and tasks and fds are back where they
# were. Then the same with a client killed by SIGKILL and with a TCP reset.
. "$(dirname "$0")/lib.sh"
lp_start

id=$(lp_create quiet 'while true; do sleep 1; done')
lp_start_container quiet
lp_baseline

for via in unix tcp; do
	if [ $via = unix ]; then
		url=http://x; opt=(--unix-socket "$LP_SOCK"); target=$LP_SOCK
	else
		url=http://127.0.0.1:$LP_PORT; opt=(); target=tcp:$LP_PORT
	fi

	lp_step "scenario 1 over $via: curl -m 3 on a quiet follower"
	rc=0
	curl -s -m 3 "${opt[@]}" \
		"$url/v1.24/containers/$id/logs?stdout=1&follow=1" \
		>"$LP_DIR/out" || rc=$?
	lp_eq "$rc" 28 "curl gave up after -m 3"
	lp_eq "$(wc -c <"$LP_DIR/out")" 0 "a quiet container sent nothing"
	lp_released 100

	lp_step "scenario 4 over $via: the client is killed mid-stream"
	curl -s "${opt[@]}" -o /dev/null \
		"$url/containers/$id/logs?stdout=1&follow=1" &
	cpid=$!
	lp_until 2000 lp_tasks_is api.logs_container 1 ||
		lp_fail "stream never started"
	kill -KILL $cpid
	wait $cpid 2>/dev/null || true
	lp_released 100

	lp_step "scenario 4 over $via: a reset"
	python3 "$LP_CLIENT" reset "$target" \
		"/containers/$id/logs?stdout=1&follow=1" 0.5 >/dev/null
	lp_released 100
done

lp_step "the daemon still serves"
lp_eq "$(lp_api /_ping)" OK ping
lp_stop
lp_log ok
