#!/usr/bin/env bash
# Restart policies through the docker CLI, as dockerd 20.10 answers them:
# the refusals, on-failure's count, a stop during the backoff, a removal
# during it, and which containers come back when the daemon starts again.
# Nothing is left behind: no backoff task once the policy is done.
. "$(dirname "$0")/lib.sh"
if ! command -v docker >/dev/null 2>&1; then
	lp_log "SKIP: no docker CLI in PATH"
	exit 0
fi
lp_start
lp_baseline
lp_docker_cli
state() { D inspect -f '{{.State.Status}} {{.RestartCount}}' "$1"; }
is_state() { [ "$(state "$1")" = "$2" ]; }
# restarting after at least $2 restarts. Never wait for one exact count:
# a loaded machine can sleep through a 200 ms backoff window, and the
# windows only grow.
restarting_after() {
	local s
	s=$(state "$1")
	[ "${s% *}" = restarting ] && [ "${s#* }" -ge "$2" ]
}

lp_step "bad policies get dockerd's words"
for p in "foo|invalid restart policy 'foo'" \
	"always:2|maximum retry count cannot be used with restart policy 'always'" \
	"on-failure:-1|maximum retry count cannot be negative"; do
	rc=0; err=$(D run -d --restart "${p%%|*}" busybox true 2>&1) || rc=$?
	lp_eq "$rc" 125 "exit status for --restart ${p%%|*}"
	lp_contains "$err" "Error response from daemon: ${p#*|}"
done
lp_eq "$(D ps -aq)" "" "nothing created by a refused run"

lp_step "on-failure:2 runs three times, then stays down"
D run -d --name flaky --restart on-failure:2 busybox sh -c 'echo again; exit 3' >/dev/null
lp_until 10000 is_state flaky "exited 2" || lp_fail "flaky: $(state flaky)"
sleep 0.5
lp_eq "$(state flaky)" "exited 2" "no fourth run"
lp_eq "$(D logs flaky | grep -c again)" 3 "runs in the log"
lp_eq "$(D inspect -f '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' flaky)" \
	"3 on-failure:2" "exit code and policy"

lp_step "always, stopped by a client during its backoff"
D run -d --name loop --restart always busybox sh -c 'sleep 0.2; exit 1' >/dev/null
lp_until 10000 restarting_after loop 2 ||
	lp_fail "always did not restart twice: $(state loop)"
# The backoff can end between two CLI calls under load: look again.
ps_restarting() { D ps --format '{{.Names}} {{.Status}}' | grep -q "loop Restarting (1)"; }
lp_until 10000 ps_restarting || lp_fail "ps never showed loop restarting"
n=$(D inspect -f '{{.RestartCount}}' loop)
D stop loop >/dev/null
lp_eq "$(state loop)" "exited $n" "stopped, the count kept"
sleep 1
lp_eq "$(state loop)" "exited $n" "it stays down"
lp_eq "$(lp_tasks_of daemon.container_restart)" 0 "backoff tasks"

lp_step "rm refuses a restarting container; rm -f removes it"
D run -d --name doomed --restart always busybox sh -c 'exit 1' >/dev/null
lp_until 10000 restarting_after doomed 1 || lp_fail "doomed: $(state doomed)"
rc=0; err=$(D rm doomed 2>&1) || rc=$?
lp_contains "$err" "You cannot remove a restarting container"
D rm -f doomed >/dev/null
lp_eq "$(lp_tasks_of daemon.container_restart)" 0 "backoff tasks after rm -f"
D rm flaky loop >/dev/null
lp_released 2000

lp_step "what comes back when the daemon starts again"
for p in always unless-stopped no; do
	D run -d --name "up-$p" --restart "$p" busybox sleep 1000 >/dev/null
done
D run -d --name down-always --restart always busybox sleep 1000 >/dev/null
D run -d --name down-unless --restart unless-stopped busybox sleep 1000 >/dev/null
D stop -t 1 down-always down-unless >/dev/null
lp_stop
lp_start
running=$(D ps --format '{{.Names}}' | sort | tr '\n' ' ')
lp_eq "$running" "down-always up-always up-unless-stopped " "running after the restart"
D rm -f up-always up-unless-stopped down-always >/dev/null
lp_eq "$(lp_tasks_of daemon.container_restart)" 0 "backoff tasks at the end"
lp_stop
lp_log ok
