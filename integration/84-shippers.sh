#!/usr/bin/env bash
# Log shippers and viewers, unmodified, read containers through the API:
# shipclient.py replays the calls of Vector's docker_logs source,
# Promtail/Alloy's docker discovery, Fluent Bit's docker_events input
# (bare HTTP/1.0 without Host), Dozzle and Logspout, checks what each
# needs from the answers, and after each tool disconnects the daemon is
# back at its /info baseline.
. "$(dirname "$0")/lib.sh"
lp_start
cli="python3 $(dirname "$0")/shipclient.py $LP_SOCK"
mk() { # mk NAME CMD [LABELS_JSON]
	local body
	body=$(python3 -c 'import json,sys; l=json.loads(sys.argv[3]); l["m"]=sys.argv[2]
print(json.dumps({"Image":"busybox","Cmd":["sh","-c",sys.argv[1]],"Labels":l,"Env":["SHIP=1"]}))' \
		"$2" "lpit-marker-$$" "${3:-{\}}")
	lp_api "/containers/create?name=$1" -X POST \
		-H 'Content-Type: application/json' -d "$body" >/dev/null
}

lp_step "one running container that logged, one per tool still to start"
mk ship 'echo ship-1; echo ship-2; exec sleep 300' '{"shipper":"yes"}'
mk other 'exec sleep 300'
lp_start_container ship
lp_start_container other
tools="vector promtail fluentbit dozzle logspout"
for t in $tools; do mk "late-$t" 'echo late'; done
lp_until 3000 bash -c "curl -s --unix-socket $LP_SOCK 'http://x/containers/ship/logs?stdout=1' | grep -q ship-2" ||
	lp_fail "ship did not log"
lp_baseline

for t in $tools; do
	lp_step "$t: its calls, what it shows, and released after it left"
	out=$($cli "$t" ship "late-$t") || lp_fail "$t replay"
	lp_log "$out"
	lp_until 3000 test "$(lp_api "/containers/late-$t/json" | lp_json 'd["State"]["Status"]')" != running ||
		lp_fail "late-$t did not exit"
	lp_released 1000
done

lp_step "shutdown is clean"
lp_api /containers/ship/kill -X POST >/dev/null
lp_api /containers/other/kill -X POST >/dev/null
lp_stop
