#!/usr/bin/env bash
# GET /events: dockerd's answers (the sequence, shapes, since/until, both
# filter forms, the errors, HTTP/1.0), then every way a subscriber goes
# away — idle close, curl -m, RST over TCP, SIGKILL, `docker events`
# killed, a reader that stops reading (bounded, then dropped while another
# subscriber gets everything), 200 aborted at once, shutdown with
# subscribers — each back to the /info baseline with no events task left.
# The expected texts were captured from dockerd 20.10.24.
. "$(dirname "$0")/lib.sh"
lp_start

ev_released() { lp_released "${1:-100}" events_subscribe; }
actions() {
	python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    a = e["Actor"]["Attributes"]
    x = [k + "=" + a[k] for k in ("exitCode", "signal") if k in a]
    print(e["Action"], *x)'
}

lp_step "a lifecycle gives dockerd's events, in its order"
t0=$(date +%s)
id=$(lp_create ev1 'trap "" TERM; while true; do sleep 0.1; done')
lp_start_container ev1
lp_eq "$(lp_status POST '/containers/ev1/stop?t=1')" 204 stop
lp_eq "$(lp_status DELETE /containers/ev1)" 204 rm
t1=$(($(date +%s) + 1))
# The fixture's busybox import (tag, import) may fall in the same second.
ct='filters=%7B%22type%22%3A%5B%22container%22%5D%7D'
out=$(lp_api "/events?since=$t0&until=$t1&$ct")
lp_eq "$(actions <<<"$out" | tr '\n' ,)" \
	"create,start,kill signal=15,kill signal=9,die exitCode=137,stop,destroy," \
	"actions (dockerd: the same)"
first=$(head -1 <<<"$out")
want=$(python3 -c '
import json, sys
e = json.loads(sys.argv[1])
print(list(e), list(e["Actor"]), sorted(e["Actor"]["Attributes"]),
      e["status"] == e["Action"], e["id"] == e["Actor"]["ID"],
      e["from"], e["scope"], e["timeNano"] // 10**9 == e["time"])' "$first")
shape="['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time',"
shape+=" 'timeNano'] ['ID', 'Attributes'] ['image', 'm', 'name'] True True"
lp_eq "$want" "$shape busybox local True" \
	"the create event's shape"
lp_contains "$first" "\"id\":\"$id\"" "create event"

lp_step "filters in both forms, and what they select"
q='filters=%7B%22event%22%3A%5B%22die%22%5D%7D'
lp_eq "$(lp_api "/events?since=$t0&until=$t1&$q" | actions)" \
	"die exitCode=137" "event=[die]"
q='filters=%7B%22event%22%3A%7B%22stop%22%3Atrue%7D%7D'
lp_eq "$(lp_api "/events?since=$t0&until=$t1&$q" | actions)" "stop" \
	"event={stop:true}"
q='filters=%7B%22container%22%3A%5B%22nope%22%5D%7D'
lp_eq "$(lp_api "/events?since=$t0&until=$t1&$q" | wc -c)" 0 \
	"container=[nope]"
q='filters=%7B%22label%22%3A%5B%22m%22%5D%2C%22type%22%3A%5B%22container%22%5D%7D'
lp_eq "$(lp_api "/events?since=$t0&until=$t1&$q" | wc -l)" 7 "label=[m]"

lp_step "until in the past replays and ends; until=0 replays all"
# 7 of the container and 2 of the fixture's image import
lp_eq "$(lp_api "/events?until=$t1" | wc -l)" 9 "until only"
lp_eq "$(lp_api "/events?since=0&until=0" | wc -l)" 9 "since=0&until=0"
lp_eq "$(lp_api "/events?since=$t1&until=$((t1 + 1))" | wc -c)" 0 \
	"nothing after since"

lp_step "dockerd's errors"
call() { curl -s -g -w ' %{http_code}' -m 5 --unix-socket "$LP_SOCK" "http://x$1"; }
lp_eq "$(call '/events?since=abc')" \
	'{"message":"strconv.ParseInt: parsing \"abc\": invalid syntax"}
 500' since
lp_eq "$(call '/events?since=10&until=5')" \
	'{"message":"`since` time (10) cannot be after `until` time (5)"}
 400' order
lp_eq "$(call '/events?filters=xx')" \
	'{"message":"invalid character '"'x'"' looking for beginning of value"}
 500' "bad JSON"
lp_eq "$(call '/events?filters={"type":"container"}')" \
	'{"message":"json: cannot unmarshal string into Go value of type map[string]bool"}
 500' "bad shape"

lp_step "live events end at until, one line as each happens"
t2=$(($(date +%s) + 4))
# -N: curl's own stdio buffer would hold the lines until it exits.
curl -sS -N -m 8 --unix-socket "$LP_SOCK" "http://x/events?until=$t2" \
	>"$LP_DIR/live" &
lpid=$!
lp_until 2000 lp_tasks_is api.events_subscribe 1 || lp_fail "no subscriber"
lp_create ev2 'sleep 100' >/dev/null
lp_until 1000 grep -q '"name":"ev2"' "$LP_DIR/live" ||
	lp_fail "the create event was not flushed at once"
wait $lpid || lp_fail "the stream did not end cleanly at until"
lp_eq "$(actions <"$LP_DIR/live" | tail -1)" create "live event"
lp_until 100 lp_tasks_is api.events_subscribe 0 || lp_fail "task left"

lp_step "HTTP/1.0 without Host: unchunked, closed at the end"
python3 - "$LP_SOCK" "$(($(date +%s) + 1))" <<'PY' || lp_fail "HTTP/1.0 stream"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /events?since=0&until=" + sys.argv[2].encode() + b" HTTP/1.0\r\n\r\n")
s.settimeout(5)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.0 200"), head
assert b"chunked" not in head.lower(), head
# 8 container events after the fixture's 2 image events (no "status")
assert body.count(b"\n") == 10 and b'\n{"status":"create"' in body, body
PY

lp_create quiet 'while true; do sleep 1; done' >/dev/null
lp_start_container quiet
lp_baseline

for via in unix tcp; do
	if [ $via = unix ]; then
		url=http://x; opt=(--unix-socket "$LP_SOCK"); target=$LP_SOCK
	else
		url=http://127.0.0.1:$LP_PORT; opt=(); target=tcp:$LP_PORT
	fi
	lp_step "curl -m 1 on an idle events stream over $via"
	rc=0
	curl -s -m 1 "${opt[@]}" "$url/events" >/dev/null || rc=$?
	lp_eq "$rc" 28 "curl gave up after -m 1"
	ev_released 100

	lp_step "the client is killed over $via"
	curl -s "${opt[@]}" -o /dev/null "$url/events" &
	cpid=$!
	lp_until 2000 lp_tasks_is api.events_subscribe 1 ||
		lp_fail "stream never started"
	kill -KILL $cpid
	wait $cpid 2>/dev/null || true
	ev_released 100

	lp_step "a reset (or plain close) over $via"
	python3 "$LP_CLIENT" reset "$target" /events 0.3 >/dev/null
	ev_released 100
done

lp_step "docker events, killed"
if command -v docker >/dev/null; then
	docker -H "unix://$LP_SOCK" events >"$LP_DIR/dev" 2>&1 &
	dpid=$!
	lp_until 3000 lp_tasks_is api.events_subscribe 1 ||
		lp_fail "docker events never subscribed"
	lp_eq "$(lp_status POST '/containers/quiet/kill?signal=CONT')" 204 kill
	lp_until 2000 grep -q 'container kill' "$LP_DIR/dev" ||
		lp_fail "docker events did not print the kill: $(cat "$LP_DIR/dev")"
	kill -KILL $dpid
	wait $dpid 2>/dev/null || true
	ev_released 100
fi

lp_step "a reader that stops reading is bounded, then dropped; others get all"
big=$(head -c 8000 /dev/zero | tr '\0' x)
body=$(printf '{"Image":"busybox","Cmd":["sh","-c","while true; do sleep 1;'
	printf ' done"],"Labels":{"big":"%s","m":"lpit-marker-%s"}}' "$big" $$)
lp_api "/containers/create?name=loud" -X POST \
	-H 'Content-Type: application/json' -d "$body" >/dev/null
lp_start_container loud
curl -s -N -m 60 --unix-socket "$LP_SOCK" http://x/events >"$LP_DIR/good" &
gpid=$!
python3 - "$LP_SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(20)		# never reads
PY
spid=$!
lp_until 3000 lp_tasks_is api.events_subscribe 2 || lp_fail "subscribers"
python3 - "$LP_SOCK" <<'PY' || lp_fail "kills"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
for i in range(300):
    s.sendall(b"POST /containers/loud/kill?signal=CONT HTTP/1.1\r\nHost: x\r\n\r\n")
    r = b""
    while b"\r\n\r\n" not in r:
        r += s.recv(4096)
    assert r.startswith(b"HTTP/1.1 204"), r
PY
lp_until 2000 lp_tasks_is api.events_subscribe 1 ||
	lp_fail "the stalled reader was not dropped"
grep -q 'stopped reading' "$LP_LOG" || lp_fail "the drop was not logged"
lp_eq "$(lp_api /debug/vars | lp_json 'd["events_dropped"]')" 1 "drops counted"
lp_until 3000 test "$(grep -c '"Action":"kill"' "$LP_DIR/good")" -ge 300 ||
	lp_fail "the good reader got $(grep -c '"Action":"kill"' "$LP_DIR/good") of 300"
kill $gpid $spid 2>/dev/null || true
wait $gpid $spid 2>/dev/null || true
lp_eq "$(lp_status DELETE '/containers/loud?force=1')" 204 "rm loud"
lp_baseline

lp_step "200 aborted event requests at once"
pids=()
for i in $(seq 1 200); do
	curl -s -m 1 --unix-socket "$LP_SOCK" -o /dev/null http://x/events &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
ev_released 300

lp_step "shutdown with 50 subscribers: each stream ends cleanly"
pids=()
for i in $(seq 1 50); do
	curl -s --unix-socket "$LP_SOCK" -o /dev/null -m 20 http://x/events &
	pids+=($!)
done
lp_until 5000 lp_tasks_is api.events_subscribe 50 ||
	lp_fail "only $(lp_tasks_of api.events_subscribe) subscribed"
lp_stop
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
lp_eq "$bad" 0 "subscribers that did not end cleanly"
lp_log ok
