#!/usr/bin/env bash
# Proof that the leak check can fail: --debug-no-close-notify removes the
# close notification from the logs handler, reproducing the original bug.
# Scenario 1 must then leave its logs_container stanza in the dump, and the
# check used everywhere else must report it.
. "$(dirname "$0")/lib.sh"
lp_start --debug-no-close-notify

id=$(lp_create quiet 'while true; do sleep 1; done')
lp_start_container quiet
lp_baseline

lp_step "the original report against the old bug"
curl -s -m 1 --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/v1.24/containers/$id/logs?stdout=1&follow=1" || true
python3 "$LP_CLIENT" leaked "$LP_SOCK" 300 ||
	lp_fail "the leak check saw no leak with close notification off"
if python3 "$LP_CLIENT" baseline "$LP_SOCK" "$LP_BASE_TASKS" \
	"$LP_BASE_FDS" 300 2>/dev/null; then
	lp_fail "lp_released passed although the stream leaked"
fi
lp_log "leak seen, as it must be: $(lp_tasks_of api.logs_container) logs_container task(s) live"

lp_step "the leaked stream ends only when its container stops"
lp_api /containers/quiet/kill?signal=KILL -X POST >/dev/null
lp_until 5000 lp_no_logs_tasks || lp_fail "stream outlived its container"
lp_stop
lp_log ok
