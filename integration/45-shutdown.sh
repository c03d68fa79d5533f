#!/usr/bin/env bash
# Scenario 10: SIGTERM with 100 open followers — every stream ends with its
# chunked terminator (curl exits 0), the daemon exits 0 with no sanitizer
# report, and the container was stopped with its output on disk.
. "$(dirname "$0")/lib.sh"
lp_start

lp_create svc 'trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done' >/dev/null
lp_start_container svc
pids=()
for i in $(seq 1 100); do
	curl -s --unix-socket "$LP_SOCK" -o /dev/null -m 20 \
		'http://x/containers/svc/logs?stdout=1&follow=1' &
	pids+=($!)
done
lp_until 5000 lp_tasks_is api.logs_container 100 ||
	lp_fail "only $(lp_tasks_of api.logs_container) followers attached"
lp_step "SIGTERM"
lp_stop
lp_step "every follower ended cleanly"
bad=0
for p in "${pids[@]}"; do
	wait "$p" || bad=$((bad + 1))
done
lp_eq "$bad" 0 "followers that did not end cleanly"
grep -q '"log":"bye\\n"' "$LP_DATA"/containers/*/*-json.log ||
	lp_fail "the container's last words are not in its log"
lp_log ok
