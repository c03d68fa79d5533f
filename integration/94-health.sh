#!/usr/bin/env bash
# Healthchecks as dockerd runs them, under the OCI runtime and the process
# runtime: Config.Healthcheck as create stored it, State.Health only from
# the first start, starting -> healthy -> unhealthy with FailingStreak and
# the last five results, `docker ps` showing "(healthy)" and filtering by
# health, "health_status: ..." events on each change; a probe past its
# Timeout recorded in dockerd's words and killed; a probe that cannot
# start recorded with the runtime's error; pause and stop say unhealthy,
# the next start "starting" with the log kept, a daemon restart keeps it.
# rm -f in the middle of probes leaves no task, fd, process or zombie.
. "$(dirname "$0")/lib.sh"
lp_need_namespaces
lp_start
lp_baseline
lp_docker_cli
health() { D inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1"; }
health_is() { [ "$(health "$1")" = "$2" ]; }
last_log() { lp_api "/containers/$1/json" | lp_json "d['State']['Health']['Log'][-1][$2]"; }
create() {
	lp_api "/containers/create?name=$1" -X POST \
		-H 'Content-Type: application/json' -d "$2" | lp_json 'd["Id"]'
}
events=$LP_DIR/events
curl -s -N -m 120 --unix-socket "$LP_SOCK" \
	"http://x/events?filters=%7B%22event%22%3A%5B%22health_status%22%5D%7D" >"$events" &
ev=$!

lp_step "create keeps the check as given; no State.Health before a start"
create hc '{"Image":"busybox","Cmd":["sh","-c","touch /ok; sleep 60"],
	"Healthcheck":{"Test":["CMD-SHELL","test -f /ok"],"Interval":100000000,
	"Timeout":0,"Retries":2}}' >/dev/null
lp_eq "$(lp_api /containers/hc/json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Config"]["Healthcheck"], separators=(",", ":")))')" \
	'{"Test":["CMD-SHELL","test -f /ok"],"Interval":100000000,"Retries":2}' "Config.Healthcheck"
lp_eq "$(health hc)" "" "State.Health before the start"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Interval":5}}')" \
	'{"message":"Interval in Healthcheck cannot be less than 1ms"}' "a too short interval"

lp_step "starting, then healthy; ps shows and filters it"
D start hc >/dev/null
lp_until 10000 health_is hc healthy || lp_fail "not healthy: $(D inspect -f "{{json .State.Health}}" hc)"
lp_eq "$(last_log hc '"ExitCode"')" 0 "the probe's exit code"
lp_contains "$(D ps --filter name=hc --format '{{.Status}}')" "(healthy)" "ps Status"
lp_eq "$(D ps --filter health=healthy --format '{{.Names}}')" hc "health=healthy"
lp_eq "$(D ps --filter health=unhealthy --format '{{.Names}}')" "" "health=unhealthy"
D run -d --name plain busybox sleep 60 >/dev/null
lp_eq "$(D ps --filter health=none --format '{{.Names}}')" plain "health=none"

lp_step "failures count to Retries; the log keeps the last five"
D exec hc rm /ok
lp_until 10000 health_is hc unhealthy || lp_fail "not unhealthy: $(health hc)"
lp_eq "$(last_log hc '"ExitCode"'):$(last_log hc '"Output"')" "1:" "the failing probe's result"
log_len_is() { [ "$(D inspect -f '{{len .State.Health.Log}}' "$1")" = "$2" ]; }
lp_until 3000 log_len_is hc 5 ||
	lp_fail "log length $(D inspect -f '{{len .State.Health.Log}}' hc)"
D exec hc touch /ok
lp_until 10000 health_is hc healthy || lp_fail "not healthy again"
lp_eq "$(D inspect -f '{{.State.Health.FailingStreak}}' hc)" 0 "streak after a pass"

lp_step "pause and stop say unhealthy; a start says starting and keeps the log"
D pause hc >/dev/null
lp_eq "$(health hc)" unhealthy "paused"
lp_contains "$(D ps --filter name=hc --format '{{.Status}}')" "(Paused)" "ps while paused"
D unpause hc >/dev/null
lp_until 10000 health_is hc healthy || lp_fail "not healthy after unpause"
D stop -t 1 hc >/dev/null
lp_eq "$(health hc)" unhealthy "stopped"
lp_eq "$(D inspect -f '{{len .State.Health.Log}}' hc)" 5 "the log after the stop"
D start hc >/dev/null
lp_eq "$(D inspect -f '{{len .State.Health.Log}}' hc)" 5 "the log kept"
# The default interval (30s): no probe runs while this looks.
D run -d --name later --health-cmd false busybox sleep 60 >/dev/null
lp_eq "$(health later)" starting "before the first probe"
lp_contains "$(D ps --filter name=later --format '{{.Status}}')" "(health: starting)" "ps"
D stop -t 0 later >/dev/null
lp_eq "$(health later)" unhealthy "stopped before any probe"
D start later >/dev/null
lp_eq "$(health later)" starting "started again"

lp_step "a probe past its timeout: dockerd's words, and it is killed"
D run -d --name slow --health-cmd 'sleep 61' --health-interval 100ms \
	--health-timeout 50ms --health-retries 1 busybox sleep 60 >/dev/null
lp_until 10000 health_is slow unhealthy || lp_fail "slow probe: $(health slow)"
lp_eq "$(last_log slow '"Output"')" "Health check exceeded timeout (50ms)" "timeout output"
lp_eq "$(last_log slow '"ExitCode"')" -1 "timeout exit code"
sleep 1.5
n=$(D exec slow sh -c 'ps -o args | grep -c "^sleep 61" || true')
[ "$n" -le 1 ] || lp_fail "$n timed-out probes still running"

lp_step "a probe that cannot start: the runtime's error, -1"
create nocmd '{"Image":"busybox","Cmd":["sleep","60"],
	"Healthcheck":{"Test":["CMD","nope"],"Interval":100000000,"Retries":1}}' >/dev/null
D start nocmd >/dev/null
lp_until 10000 health_is nocmd unhealthy || lp_fail "nocmd: $(health nocmd)"
lp_eq "$(last_log nocmd '"Output"')" \
	'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown' \
	"failed start output"
lp_eq "$(last_log nocmd '"ExitCode"')" -1 "failed start exit code"

lp_step "1.44's StartInterval paces the start period; older clients lose it"
body='{"Image":"busybox","Cmd":["sleep","60"],"Healthcheck":{"Test":["CMD","true"],
	"Interval":60000000000,"StartPeriod":60000000000,"StartInterval":100000000}}'
for v in 1.44 1.41; do
	lp_api "/v$v/containers/create?name=si$v" -X POST \
		-H 'Content-Type: application/json' -d "$body" >/dev/null
	D start "si$v" >/dev/null
done
lp_until 10000 health_is si1.44 healthy || lp_fail "1.44: $(health si1.44)"
lp_eq "$(lp_api /containers/si1.44/json | lp_json 'd["Config"]["Healthcheck"]["StartInterval"]')" \
	100000000 "1.44 keeps it"
lp_eq "$(lp_api /containers/si1.41/json | lp_json '"StartInterval" in d["Config"]["Healthcheck"]')" \
	False "1.41 drops it"
lp_eq "$(health si1.41)" starting "1.41: Interval (60s) throughout"
D rm -f si1.44 si1.41 >/dev/null

lp_step "the process runtime runs probes too"
D run -d --name hostp --runtime logpouch-process --health-cmd true \
	--health-interval 100ms busybox sleep 60 >/dev/null
lp_until 10000 health_is hostp healthy || lp_fail "process runtime: $(health hostp)"

lp_step "health_status events, one per change"
lp_until 2000 grep -q 'health_status: unhealthy' "$events" || lp_fail "no event"
lp_eq "$(python3 -c 'import json,sys; print(" ".join(e["status"].split(": ")[1] for e in map(json.loads, open(sys.argv[1])) if e["Actor"]["Attributes"]["name"] == "hc"))' "$events" | cut -d' ' -f1-3)" \
	"healthy unhealthy healthy" "hc's changes"

lp_step "rm -f in the middle of probes leaves nothing behind"
for i in 1 2 3; do
	D run -d --name "busy$i" --health-cmd 'sleep 0.05' --health-interval 1ms \
		busybox sleep 60 >/dev/null
done
sleep 1
D rm -f busy1 busy2 busy3 slow nocmd hostp plain later >/dev/null
lp_eq "$(lp_tasks_of daemon.healthcheck)" 1 "monitors left (hc's)"

lp_step "the daemon keeps State.Health across a restart"
D stop -t 1 hc >/dev/null
kill $ev 2>/dev/null || true
wait $ev 2>/dev/null || true
lp_stop
lp_start
lp_baseline
lp_eq "$(health hc)" unhealthy "after the restart"
lp_eq "$(D inspect -f '{{len .State.Health.Log}}' hc)" 5 "the log after the restart"
D rm -f hc >/dev/null
lp_eq "$(lp_tasks_of daemon.healthcheck)" 0 "monitors"
children=$(cat /proc/"$LP_PID"/task/*/children)
lp_eq "$children" "" "the daemon's children (zombies included)"
lp_released 2000
