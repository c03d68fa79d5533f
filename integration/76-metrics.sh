#!/usr/bin/env bash
# GET /metrics on --metrics-addr, as an operator uses it: the counters move
# as the clients' actions say they should (a follow the client aborts is a
# client_gone cancellation and one more observed release; a stalled reader
# is a timeout; a removal, a container's exit), promtool accepts the
# output, and a real Prometheus scrapes the daemon on loopback and answers
# queries about it.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || lp_fail "promtool missing (scripts/deps.sh)"
command -v prometheus >/dev/null || lp_fail "prometheus missing (scripts/deps.sh)"

PROM_PID=
trap 'rc=$?; if [ -n "$PROM_PID" ]; then kill "$PROM_PID" 2>/dev/null;
	wait "$PROM_PID" 2>/dev/null; fi; (exit $rc); lp_cleanup' EXIT

MPORT=$(lp_free_port)
lp_start --metrics-addr "127.0.0.1:$MPORT" --stream-write-timeout 1

# lp_m SERIES: the value of one series, exactly as written (0 if absent).
lp_m() {
	curl -sS -m 5 "http://127.0.0.1:$MPORT/metrics" |
		awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? 0 : v }'
}
lp_m_is_at_least() { [ "$(lp_m "$1")" -ge "$2" ]; }
CG='logpouch_cancellations_total{endpoint="logs",reason="client_gone"}'
REL=logpouch_close_release_seconds_count
REL_FAST='logpouch_close_release_seconds_bucket{le="0.1"}'
LOGS_TASKS='logpouch_tasks{kind="api.logs_container"}'

lp_step "the metrics listener serves /metrics and nothing else"
hdr=$(curl -sS -m 5 -D - -o "$LP_DIR/m0" "http://127.0.0.1:$MPORT/metrics")
lp_contains "$hdr" "HTTP/1.1 200" "/metrics status"
lp_contains "$hdr" "Content-Type: text/plain; version=0.0.4" "/metrics type"
lp_eq "$(curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$MPORT/_ping")" 404 "the API on the metrics port"
lp_eq "$(curl -s "http://127.0.0.1:$MPORT/v1.41/containers/json")" \
	"404 page not found" "the API on the metrics port"
lp_eq "$(lp_status GET /metrics)" 404 "/metrics on the API socket"
promtool check metrics <"$LP_DIR/m0" || lp_fail "promtool check metrics"

lp_step "a container writes, a plain read completes"
id=$(lp_create talker 'i=0; while [ $i -lt 50 ]; do echo line $i; i=$((i+1)); done; while true; do sleep 1; done')
lp_start_container talker
lp_until 5000 lp_m_is_at_least logpouch_log_entries_written_total 50 ||
	lp_fail "50 entries never counted as written"
[ "$(lp_m logpouch_log_written_bytes_total)" -gt 2000 ] ||
	lp_fail "json-file bytes not counted"
lp_eq "$(lp_m 'logpouch_containers{state="running"}')" 1 "running containers"
f0=$(lp_m 'logpouch_frames_sent_total{endpoint="logs"}')
c0=$(lp_m 'logpouch_streams_completed_total{endpoint="logs"}')
l0=$(lp_m 'logpouch_http_request_duration_seconds_count{route="api.logs_container"}')
lp_eq "$(lp_api "/containers/$id/logs?stdout=1" | lp_frames | wc -l)" 50 \
	"lines read"
lp_eq "$(lp_m 'logpouch_frames_sent_total{endpoint="logs"}')" \
	$((f0 + 50)) "frames sent for 50 lines"
lp_eq "$(lp_m 'logpouch_streams_completed_total{endpoint="logs"}')" \
	$((c0 + 1)) "a plain read is a completion"
lp_eq "$(lp_m 'logpouch_http_request_duration_seconds_count{route="api.logs_container"}')" \
	$((l0 + 1)) "logs latency observed"
lp_eq "$(lp_m "$CG")" 0 "no cancellation yet"

lp_step "a follow the client aborts: client_gone, released fast"
lp_baseline
rel0=$(lp_m "$REL")
fast0=$(lp_m "$REL_FAST")
closes0=$(lp_m logpouch_client_closes_total)
rc=0
curl -s -m 1 --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/containers/$id/logs?stdout=1&follow=1&tail=1" || rc=$?
lp_eq "$rc" 28 "curl gave up after -m 1"
lp_released 100
lp_eq "$(lp_m "$CG")" 1 "client_gone after curl -m 1"
lp_eq "$(lp_m "$REL")" $((rel0 + 1)) "one more release observed"
lp_eq "$(lp_m "$REL_FAST")" $((fast0 + 1)) "released within 100 ms"
lp_eq "$(lp_m logpouch_client_closes_total)" $((closes0 + 1)) "closes"
lp_eq "$(lp_m 'logpouch_streams{endpoint="logs"}')" 0 "logs streams open"
lp_eq "$(lp_m "$LOGS_TASKS")" 0 "logs tasks live"

lp_step "a follow whose client is killed"
curl -s --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/containers/$id/logs?stdout=1&follow=1" &
cpid=$!
lp_until 3000 lp_m_is_at_least 'logpouch_streams{endpoint="logs"}' 1 ||
	lp_fail "the follow never showed as a stream"
lp_eq "$(lp_m "$LOGS_TASKS")" 1 "the stream's task"
lp_eq "$(lp_m 'logpouch_tasks{kind="logdriver.logreader"}')" 1 "its reader"
kill -KILL $cpid
wait $cpid 2>/dev/null || true
lp_released 100
lp_eq "$(lp_m "$CG")" 2 "client_gone after a kill"
lp_eq "$(lp_m "$REL")" $((rel0 + 2)) "two releases observed"

lp_step "a reader that stalls is dropped by the write timeout"
lp_create chatty 'seq 1 40000; while true; do sleep 1; done' >/dev/null
lp_start_container chatty
lp_until 10000 lp_m_is_at_least logpouch_log_entries_written_total 40050 ||
	lp_fail "chatty's lines never written"
python3 - "$LP_SOCK" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"GET /containers/chatty/logs?stdout=1 HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(6)			# never reads; the daemon must let go first
EOF
spid=$!
lp_until 5000 lp_m_is_at_least \
	'logpouch_cancellations_total{endpoint="logs",reason="timeout"}' 1 ||
	lp_fail "the stalled reader was not counted as a timeout"
kill $spid 2>/dev/null || true
wait $spid 2>/dev/null || true
lp_eq "$(lp_m "$CG")" 2 "a timeout is not a client_gone"

lp_step "a follow ended by the removal, one by the container's exit"
curl -s --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/containers/chatty/logs?stdout=1&follow=1&tail=0" &
cpid=$!
lp_until 3000 lp_m_is_at_least 'logpouch_streams{endpoint="logs"}' 1 ||
	lp_fail "the follow never started"
lp_eq "$(lp_status DELETE '/containers/chatty?force=1')" 204 "rm -f"
wait $cpid || true
lp_until 2000 lp_m_is_at_least \
	'logpouch_cancellations_total{endpoint="logs",reason="removed"}' 1 ||
	lp_fail "the removal was not counted"
lp_create brief 'sleep 1; echo bye' >/dev/null
lp_start_container brief
lp_eq "$(lp_api '/containers/brief/logs?stdout=1&follow=1' | lp_frames)" \
	'1|bye\n' "the follow's lines"
lp_eq "$(lp_m 'logpouch_cancellations_total{endpoint="logs",reason="container_exited"}')" \
	1 "a follow ended by the exit"
lp_eq "$(lp_m 'logpouch_containers{state="stopped"}')" 1 "stopped"

lp_step "rotation is counted"
body='{"Image":"busybox","Cmd":["sh","-c","seq 1 2000"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"10k","max-file":"2"}}}}'
lp_api /containers/create?name=rot -X POST -H 'Content-Type: application/json' \
	-d "$body" >/dev/null
lp_start_container rot
lp_wait_exit rot >/dev/null
[ "$(lp_m logpouch_log_rotations_total)" -ge 3 ] ||
	lp_fail "rotations: $(lp_m logpouch_log_rotations_total)"
curl -sS -m 5 "http://127.0.0.1:$MPORT/metrics" >"$LP_DIR/m1"
promtool check metrics <"$LP_DIR/m1" || lp_fail "promtool after the traffic"

lp_step "the leak alerts of docs/debugging.md are valid and fire as meant"
SRC=$(cd "${LP_SRCDIR:-$(dirname "$0")/..}" && pwd)
promtool check rules "$SRC/contrib/logpouch-alerts.yml" >/dev/null ||
	lp_fail "promtool check rules"
(cd "$SRC/contrib" && promtool test rules logpouch-alerts.test.yml) >/dev/null ||
	lp_fail "promtool test rules"

lp_step "a real Prometheus scrapes the daemon"
PPORT=$(lp_free_port)
mkdir -p "$LP_DIR/prom"
cat >"$LP_DIR/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $SRC/contrib/logpouch-alerts.yml
scrape_configs:
  - job_name: logpouch
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
promtool check config "$LP_DIR/prom/prometheus.yml" >/dev/null ||
	lp_fail "promtool check config"
prometheus --config.file="$LP_DIR/prom/prometheus.yml" \
	--storage.tsdb.path="$LP_DIR/prom/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$LP_DIR/prom/log" 2>&1 &
PROM_PID=$!
# pquery EXPR: the first result's value, or nothing.
pquery() {
	curl -s -m 2 -G "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=$1" | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    pass'
}
pquery_is() { [ "$(pquery "$1")" = "$2" ]; }
lp_until 20000 pquery_is 'up{job="logpouch"}' 1 || {
	tail -n 20 "$LP_DIR/prom/log" >&2
	lp_fail "Prometheus never saw the target up"
}
lp_until 5000 pquery_is "sum($CG)" 2 ||
	lp_fail "Prometheus: client_gone is [$(pquery "sum($CG)")], want 2"
lp_eq "$(pquery 'logpouch_containers{state="running"}')" 1 \
	"Prometheus: running containers"
# The rules loaded and evaluate without error against the real series.
rules_ok() {
	curl -s -m 2 "http://127.0.0.1:$PPORT/api/v1/rules" | python3 -c '
import json, sys
g = json.load(sys.stdin)["data"]["groups"]
r = [x for grp in g for x in grp["rules"]]
sys.exit(0 if len(r) == 6 and all(x["health"] == "ok" for x in r) else 1)'
}
lp_until 5000 rules_ok || lp_fail "Prometheus: the alert rules are not all ok"
lp_eq "$(pquery 'count(ALERTS)')" "" "no alert fires on a healthy daemon"
kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true
PROM_PID=

lp_api /containers/talker/kill -X POST >/dev/null
lp_stop

lp_step "the original leak, brought back, shows as the alerts expect"
# --debug-no-close-notify (docs/debugging.md): the close is noticed and
# nothing is released, so the stream outlives its connection.
lp_start --metrics-addr "127.0.0.1:$MPORT" --debug-no-close-notify
lp_create quiet 'while true; do sleep 1; done' >/dev/null
lp_start_container quiet
rc=0
curl -s -m 1 --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/containers/quiet/logs?stdout=1&follow=1" || rc=$?
lp_eq "$rc" 28 "curl gave up after -m 1"
lp_until 1000 lp_m_is_at_least logpouch_client_closes_total 1 ||
	lp_fail "the close was not noticed"
sleep 0.3
lp_eq "$(lp_m "$REL")" 0 "nothing released"
lp_eq "$(lp_m 'logpouch_streams{endpoint="logs"}')" 1 "the leaked stream"
lp_eq "$(lp_m logpouch_connections)" 0 "its connection is gone"
lp_eq "$(lp_m "$LOGS_TASKS")" 1 "the leaked task"
lp_api /containers/quiet/kill -X POST >/dev/null
lp_stop
lp_log ok
