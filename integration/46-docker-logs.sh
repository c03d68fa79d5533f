#!/usr/bin/env bash
# The docker CLI against logpouchd: `docker logs`, `docker logs -f --tail 5
# --timestamps`, and scenario 13, `docker logs -f` killed after 2 s leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"
if ! command -v docker >/dev/null; then
	lp_log "SKIP: no docker CLI installed"
	exit 0
fi
export DOCKER_HOST=unix://$LP_SOCK DOCKER_CONFIG=$LP_DIR/docker-config
lp_start

lp_step "docker logs of an exited container"
docker run -d --name done busybox sh -c 'echo out1; echo err1 >&2; echo out2' >/dev/null
lp_eq "$(docker wait done)" 0 "docker wait"
lp_eq "$(docker logs done 2>/dev/null | tr '\n' ' ')" "out1 out2 " "stdout"
lp_eq "$(docker logs done 2>&1 >/dev/null | tr '\n' ' ')" "err1 " "stderr"

lp_step "docker logs -f --tail 5 --timestamps"
docker run -d --name ticker busybox sh -c 'for i in $(seq 1 20); do echo "tick $i"; done; sleep 1; echo last' >/dev/null
out=$(timeout -k 5 20 docker logs -f --tail 5 --timestamps ticker)
lp_eq "$(wc -l <<<"$out")" 6 "five of the backlog and the last line"
[[ $(head -1 <<<"$out") =~ ^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z\ tick\ 16$ ]] ||
	lp_fail "timestamped line: $(head -1 <<<"$out")"
lp_eq "$(tail -1 <<<"$out" | cut -d' ' -f2)" last "followed to the end"

lp_step "labels, env and tag log options: docker logs --details as dockerd"
# Expected bytes are what dockerd 20.10.24 wrote for the same run.
docker run --name=la --label foo=bar --label fox=1 -e baz=qux -e bax=2 \
	--log-opt labels=foo,nope --log-opt env=baz --log-opt labels-regex='^fo' \
	--log-opt env-regex='^ba' \
	--log-opt tag='{{.Name}}/{{.ImageName}}|{{ .DaemonName }}' busybox echo hello >/dev/null
lp_eq "$(docker logs --details la)" \
	"bax=2,baz=qux,foo=bar,fox=1,tag=la%2Fbusybox%7Cdocker hello" "details"
lp_contains "$(cat "$(docker inspect -f '{{.LogPath}}' la)")" \
	'"attrs":{"bax":"2","baz":"qux","foo":"bar","fox":"1","tag":"la/busybox|docker"}' "attrs on disk"
out=$(docker run --name=lb --log-opt tag='{{.Foo}}' busybox echo hello 2>&1) || true
lp_contains "$out" 'failed to initialize logging driver: template: log-tag:1:2: executing "log-tag" at <.Foo>: can'"'"'t evaluate field Foo in type *logger.Info' "bad tag field"
out=$(docker run --name=lc --log-opt labels-regex='[' busybox echo hello 2>&1) || true
lp_contains "$out" 'failed to initialize logging driver: error parsing regexp:' "bad regex"
docker rm -f la lb lc >/dev/null

lp_step "scenario 13: docker logs -f killed after 2 s"
docker run -d --name quiet busybox sh -c 'while true; do sleep 1; done' >/dev/null
lp_baseline
docker logs -f quiet &
cpid=$!
sleep 2
kill -KILL $cpid
wait $cpid 2>/dev/null || true
lp_released 100
docker rm -f quiet >/dev/null
lp_stop
lp_log ok
