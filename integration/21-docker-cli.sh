#!/usr/bin/env bash
# The real docker CLI against logpouchd: run -d, ps, inspect, wait, logs,
# stop, rm, and the errors it prints.
. "$(dirname "$0")/lib.sh"
if ! command -v docker >/dev/null 2>&1; then
	lp_log "SKIP: no docker CLI in PATH"
	exit 0
fi
lp_start
lp_baseline
lp_docker_cli
M="lpit-marker-$$"

lp_step "names follow dockerd's rule: two characters at least"
rc=0; err=$(D create --name x busybox true 2>&1) || rc=$?
lp_contains "$err" "Invalid container name (x)"

lp_step "docker run -d prints the full id"
id=$(D run -d --name cx --label "m=$M" busybox sh -c 'echo hi; echo oops >&2')
[[ $id =~ ^[0-9a-f]{64}$ ]] || lp_fail "run -d printed [$id]"

lp_step "docker wait prints the exit code"
lp_eq "$(D wait cx)" 0 "docker wait"

lp_step "docker ps -a"
out=$(D ps -a --format '{{.ID}} {{.Names}} {{.Image}} {{.Status}}')
[[ $out =~ ^${id:0:12}\ cx\ busybox\ Exited\ \(0\)\ .*\ ago$ ]] ||
	lp_fail "ps -a: [$out]"
lp_eq "$(D ps -q)" "" "ps without -a lists nothing"
lp_contains "$(D ps -a | sed -n 1p)" 'CONTAINER ID' "ps header"

lp_step "docker inspect"
lp_eq "$(D inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.Config.Tty}} {{.Name}}' cx)" \
	"exited 0 false /cx" "inspect -f"
D inspect cx | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["Id"]=="'"$id"'"' ||
	lp_fail "inspect JSON"

lp_step "docker logs"
lp_eq "$(D logs cx 2>/dev/null)" hi "logs stdout"
lp_eq "$(D logs cx 2>&1 >/dev/null)" oops "logs stderr"

lp_step "docker stop, start, stop -t"
D run -d --name cy --label "m=$M" busybox sh -c "trap '' TERM; while :; do sleep 0.1; done" >/dev/null
lp_eq "$(D stop -t 1 cy)" cy "stop prints its argument"
lp_eq "$(D inspect -f '{{.State.ExitCode}}' cy)" 137 "SIGKILL after t"
lp_eq "$(D stop cy)" cy "stop of a stopped container"
lp_eq "$(D start cy)" cy "start"
lp_eq "$(D inspect -f '{{.State.Running}}' cy)" true "running again"

lp_step "docker rm: running refused, -f works"
rc=0; err=$(D rm cy 2>&1) || rc=$?
[ $rc -ne 0 ] || lp_fail "rm of a running container succeeded"
lp_contains "$err" "You cannot remove a running container"
lp_eq "$(D rm -f cy)" cy "rm -f"
lp_eq "$(D rm cx)" cx "rm"
lp_eq "$(D ps -aq)" "" "nothing left"

lp_step "errors the CLI prints"
rc=0; err=$(D inspect nosuch 2>&1) || rc=$?
lp_eq "$rc" 1 "inspect of nothing"
lp_contains "$err" "No such object: nosuch"
rc=0; err=$(D run -d --name cz busybox nosuch-$M 2>&1) || rc=$?
[ $rc -ne 0 ] || lp_fail "run of a missing executable succeeded"
lp_contains "$err" "executable file not found in \$PATH"
D rm cz >/dev/null

lp_step "docker run --rm removes it afterwards"
D run -d --rm --name cr busybox true >/dev/null
lp_until 3000 [ -z "$(D ps -aq)" ] || lp_fail "--rm container left"

lp_step "back to baseline"
lp_until 3000 lp_at_baseline || lp_fail "tasks/fds not back to baseline"
lp_stop
exit 0
