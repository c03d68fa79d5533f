#!/usr/bin/env bash
# Stats and top as dockerd 20.10 answers them: the StatsJSON shape (one
# answer from two samples, one-shot from one, a stream of one per second),
# the empty frame of a stopped container, ps filtered to the container's
# processes; then every way a stats stream can end, each back to the
# baseline with no stats task in the dump.
. "$(dirname "$0")/lib.sh"
lp_start
WC="$(dirname "$0")/waitclient.py"

# lp_stats_released [MS]: the baseline, and no stats stanza in the dump.
lp_stats_released() { lp_released "${1:-200}" stats_container; }

id=$(lp_create busy 'while true; do sleep 1; done')
lp_start_container busy
sid=$(lp_create stopped 'true')

lp_step "stream=0: two samples, precpu filled, dockerd's fields"
lp_api "/containers/busy/stats?stream=0" >"$LP_DIR/one"
python3 - "$LP_DIR/one" "$id" <<'PY' || lp_fail "stream=0 answer: $(cat "$LP_DIR/one")"
import json, sys, datetime
d = json.load(open(sys.argv[1]))
keys = ["read", "preread", "pids_stats", "blkio_stats", "num_procs",
        "storage_stats", "cpu_stats", "precpu_stats", "memory_stats",
        "name", "id"]
assert list(d) == keys, list(d)
assert d["name"] == "/busy" and d["id"] == sys.argv[2]
assert d["pids_stats"]["current"] >= 2          # sh and its sleep
assert d["memory_stats"]["usage"] > 0 and d["memory_stats"]["limit"] > 0
for c in ("cpu_stats", "precpu_stats"):
    assert d[c]["system_cpu_usage"] > 0 and d[c]["online_cpus"] >= 1
    # percpu_usage: from cpuacct under cgroup v1 (runc), as dockerd's
    assert set(d[c]["cpu_usage"]) - {"percpu_usage"} == {"total_usage",
        "usage_in_kernelmode", "usage_in_usermode"}
assert d["cpu_stats"]["system_cpu_usage"] > d["precpu_stats"]["system_cpu_usage"]
t = lambda s: datetime.datetime.fromisoformat(s[:26].rstrip("Z"))
gap = (t(d["read"]) - t(d["preread"])).total_seconds()
assert 0.9 < gap < 1.5, gap
assert all(v == [] for v in d["blkio_stats"].values())
assert "networks" not in d
PY

lp_step "one-shot: one sample, empty precpu"
s=$(date +%s%N)
lp_api "/v1.41/containers/busy/stats?stream=0&one-shot=1" >"$LP_DIR/one"
took=$((($(date +%s%N) - s) / 1000000))
[ "$took" -lt 800 ] || lp_fail "one-shot took $took ms"
python3 - "$LP_DIR/one" <<'PY' || lp_fail "one-shot: $(cat "$LP_DIR/one")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["preread"] == "0001-01-01T00:00:00Z"
assert d["precpu_stats"] == {"cpu_usage": {"total_usage": 0,
    "usage_in_kernelmode": 0, "usage_in_usermode": 0}, "throttling_data":
    {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}
assert d["cpu_stats"]["system_cpu_usage"] > 0
PY
lp_eq "$(lp_api "/v1.41/containers/busy/stats?stream=1&one-shot=1")" \
	'{"message":"cannot have stream=true and one-shot=true"}' "stream+one-shot"
lp_eq "$(lp_status GET /containers/nope/stats?stream=0)" 404 "no such container"
# dockerd's BoolValueOrDefault: a present but empty stream is false.
lp_api "/containers/busy/stats?stream=" -i -m 5 | tr -d '\r' >"$LP_DIR/one"
grep -q '^Content-Length: ' "$LP_DIR/one" || lp_fail "stream= did not answer once"

lp_step "a stopped container: dockerd's empty frame at once"
z='{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}}'
n=null
printf '%s\n' "{\"read\":\"0001-01-01T00:00:00Z\",\"preread\":\"0001-01-01T00:00:00Z\",\"pids_stats\":{},\"blkio_stats\":{\"io_service_bytes_recursive\":$n,\"io_serviced_recursive\":$n,\"io_queue_recursive\":$n,\"io_service_time_recursive\":$n,\"io_wait_time_recursive\":$n,\"io_merged_recursive\":$n,\"io_time_recursive\":$n,\"sectors_recursive\":$n},\"num_procs\":0,\"storage_stats\":{},\"cpu_stats\":$z,\"precpu_stats\":$z,\"memory_stats\":{},\"name\":\"/stopped\",\"id\":\"$sid\"}" >"$LP_DIR/want"
lp_api "/containers/stopped/stats?stream=0" >"$LP_DIR/got"
cmp "$LP_DIR/want" "$LP_DIR/got" || lp_fail "stopped: $(cat "$LP_DIR/got")"
lp_baseline
rc=0
curl -sN -m 2.5 --unix-socket "$LP_SOCK" "http://x/containers/stopped/stats" \
	>"$LP_DIR/got" || rc=$?
lp_eq "$rc" 28 "a stopped container's stream goes on (dockerd)"
[ "$(wc -l <"$LP_DIR/got")" -ge 2 ] || lp_fail "stopped stream: $(cat "$LP_DIR/got")"
head -1 "$LP_DIR/got" | cmp - "$LP_DIR/want" || lp_fail "stopped frame differs"
lp_stats_released

lp_step "a stream: one frame a second, preread = the last read"
curl -sN -m 3.5 --unix-socket "$LP_SOCK" "http://x/containers/busy/stats" \
	>"$LP_DIR/got" || true
python3 - "$LP_DIR/got" <<'PY' || lp_fail "stream: $(cut -c1-120 "$LP_DIR/got")"
import json, sys
fr = [json.loads(l) for l in open(sys.argv[1])]
assert 3 <= len(fr) <= 4, len(fr)
assert fr[0]["preread"] == "0001-01-01T00:00:00Z"
for a, b in zip(fr, fr[1:]):
    assert b["preread"] == a["read"]
    assert b["precpu_stats"] == a["cpu_stats"]
PY
lp_stats_released

for via in unix tcp; do
	if [ $via = unix ]; then
		url=http://x; opt=(--unix-socket "$LP_SOCK"); target=$LP_SOCK
	else
		url=http://127.0.0.1:$LP_PORT; opt=(); target=tcp:$LP_PORT
	fi
	lp_step "$via: curl -m between samples"
	curl -sN -m 1.5 "${opt[@]}" -o /dev/null "$url/containers/busy/stats" ||
		true
	lp_stats_released 100

	lp_step "$via: a reset"
	python3 "$WC" reset "$target" GET /containers/busy/stats 1.2 >/dev/null
	lp_stats_released 100

	lp_step "$via: the client killed with SIGKILL"
	curl -sN "${opt[@]}" -o /dev/null "$url/containers/busy/stats" &
	cpid=$!
	lp_until 2000 lp_tasks_is api.stats_container 1 ||
		lp_fail "stream never started"
	kill -KILL $cpid
	wait $cpid 2>/dev/null || true
	lp_stats_released 100

	lp_step "$via: a reader that reads nothing, then closes"
	python3 "$WC" idle "$target" GET /containers/busy/stats 3 >/dev/null
	lp_stats_released 100
done

lp_step "200 aborted stats streams in parallel"
ok=$(python3 "$WC" many "$LP_SOCK" GET /containers/busy/stats 200 1.5)
lp_eq "$ok" 200 "every stream got its 200 at once"
lp_stats_released 500

lp_step "the container exits mid-stream: empty frames follow, as dockerd"
lp_baseline
lp_create short 'sleep 1.5' >/dev/null
lp_start_container short
curl -sN -m 4.5 --unix-socket "$LP_SOCK" "http://x/containers/short/stats" \
	>"$LP_DIR/got" || true
python3 - "$LP_DIR/got" <<'PY' || lp_fail "exit: $(cut -c1-120 "$LP_DIR/got")"
import json, sys
fr = [json.loads(l) for l in open(sys.argv[1])]
live = [f for f in fr if f["read"] != "0001-01-01T00:00:00Z"]
dead = [f for f in fr if f["read"] == "0001-01-01T00:00:00Z"]
assert live and dead and fr.index(dead[0]) == len(live), [f["read"] for f in fr]
assert dead[0]["preread"] == live[-1]["read"]       # the last live sample
assert dead[0]["memory_stats"] == {} and dead[0]["pids_stats"] == {}
PY
lp_stats_released

lp_step "the container is removed mid-stream: the stream ends"
lp_baseline
lp_create gone 'while true; do sleep 1; done' >/dev/null
lp_start_container gone
curl -sN -m 10 --unix-socket "$LP_SOCK" -o /dev/null \
	"http://x/containers/gone/stats" &
cpid=$!
lp_until 2000 lp_tasks_is api.stats_container 1 || lp_fail "no stream"
lp_api "/containers/gone?force=1" -X DELETE >/dev/null
rc=0
wait $cpid || rc=$?
lp_eq "$rc" 0 "the stream ended cleanly with the removal"
lp_stats_released

lp_step "top: ps -ef of the container's processes only"
lp_api /containers/busy/top >"$LP_DIR/top"
python3 - "$LP_DIR/top" "$LP_PID" <<'PY' || lp_fail "top: $(cat "$LP_DIR/top")"
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["Processes", "Titles"]
assert d["Titles"] == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
cmds = [p[7] for p in d["Processes"]]
assert "sh -c while true; do sleep 1; done" in cmds, cmds
assert all(len(p) == 8 for p in d["Processes"])
assert sys.argv[2] not in [p[1] for p in d["Processes"]]   # not the daemon
PY
lp_api "/containers/busy/top?ps_args=aux" | lp_json 'd["Titles"][:2]' |
	grep -qx "\['USER', 'PID'\]" || lp_fail "ps aux titles"
lp_eq "$(lp_api "/containers/busy/top?ps_args=-o%20comm")" \
	'{"message":"Couldn'"'"'t find PID field in ps output"}' "no PID column"
lp_eq "$(lp_api "/containers/busy/top?ps_args=--bogus")" \
	'{"message":"ps: error: unknown gnu long option"}' "ps error"
lp_eq "$(lp_status GET /containers/busy/top?ps_args=--bogus)" 500 "ps error status"
lp_eq "$(lp_api /containers/stopped/top)" \
	"{\"message\":\"Container $sid is not running\"}" "top of a stopped one"
lp_eq "$(lp_status GET /containers/stopped/top)" 409 "not running status"
lp_eq "$(lp_status GET /containers/nope/top)" 404 "no such container"

if command -v docker >/dev/null; then
	export DOCKER_HOST=unix://$LP_SOCK
	lp_step "docker stats --no-stream, docker top"
	out=$(timeout -k 5 20 docker stats --no-stream busy "$id")
	lp_contains "$out" "busy" "docker stats by name"
	lp_contains "$out" "${id:0:12}" "docker stats by id"
	out=$(timeout -k 5 20 docker top busy)
	lp_contains "$out" "while true; do sleep 1; done" "docker top"
	lp_step "docker stats, killed"
	lp_baseline
	timeout -s KILL 2.5 docker stats busy >/dev/null 2>&1 || true
	lp_stats_released 200
fi

if python3 -c 'import docker' 2>/dev/null; then
	lp_step "docker-py: stats(stream=False), top()"
	python3 - "$LP_SOCK" <<'PY' || lp_fail "docker-py"
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1]).containers.get("busy")
s = c.stats(stream=False)
assert s["name"] == "/busy" and s["precpu_stats"]["system_cpu_usage"] > 0, s
t = c.top()
assert "PID" in t["Titles"] and t["Processes"], t
PY
fi

lp_step "daemon shutdown ends live streams"
curl -sN --unix-socket "$LP_SOCK" -o "$LP_DIR/s1" "http://x/containers/busy/stats" &
c1=$!
curl -sN --unix-socket "$LP_SOCK" -o "$LP_DIR/s2" "http://x/containers/stopped/stats" &
c2=$!
lp_until 2000 lp_tasks_is api.stats_container 2 || lp_fail "no streams"
lp_stop
rc=0
wait $c1 || rc=$?
wait $c2 || rc=$?
lp_eq "$rc" 0 "both streams ended with their terminating chunk"
if command -v docker >/dev/null 2>&1; then
export DOCKER_CONFIG=$LP_DIR/docker-config
Dk() { timeout -k 5 30 docker -H "unix://$LP_SOCK" "$@"; }
lp_start
lp_step "stats and top read the container's cgroup (default runtime)"
Dk run -d --name st --memory 64m --pids-limit 50 busybox \
	sleep 1000 >/dev/null
Dk exec -d st sleep 777 || lp_fail "exec -d"
lp_contains "$(Dk stats --no-stream --format '{{.MemUsage}}' st)" "/ 64MiB"
lp_eq "$(lp_api '/containers/st/stats?stream=false' | lp_json \
	'[d["memory_stats"]["limit"], d["pids_stats"]["limit"],
	d["cpu_stats"]["cpu_usage"]["total_usage"] > 0]')" \
	"[67108864, 50, True]" "memory and pids limits, cpu from cpuacct"
lp_until 2000 sh -c "timeout -k 5 10 docker -H unix://$LP_SOCK top st | grep -q 'sleep 777'" ||
	lp_fail "top does not list the exec'd sleep: $(Dk top st)"
Dk rm -f st >/dev/null
lp_stop

fi
lp_log ok
