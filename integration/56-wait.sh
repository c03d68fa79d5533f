#!/usr/bin/env bash
# POST /containers/{id}/wait as dockerd 20.10: the three conditions, the
# headers flushed before the wait (API >= 1.30), the legacy answer before
# 1.30, the Error shape; then every way a waiting client can leave, each
# back to the baseline with no wait task in the dump.
. "$(dirname "$0")/lib.sh"
lp_start
WC="$(dirname "$0")/waitclient.py"

lp_wait_released() { lp_released "${1:-200}" wait_container; }
# lp_wait_bg NAME QUERY OUT: a wait in the background; its pid in $bg.
lp_wait_bg() {
	curl -sS -m 30 -X POST --unix-socket "$LP_SOCK" -o "$3" \
		"http://x/containers/$1/wait$2" &
	bg=$!
}
lp_waiting() { lp_tasks_is api.wait_container "$1"; }

lp_create three 'exit 3' >/dev/null
lp_create loop 'while true; do sleep 1; done' >/dev/null

lp_step "not-running on a created container answers at once"
lp_eq "$(lp_api /containers/three/wait -X POST)" \
	'{"Error":null,"StatusCode":0}' "created"
lp_eq "$(lp_api '/containers/three/wait?condition=bogus' -X POST)" \
	'{"Error":null,"StatusCode":0}' "unknown condition is not-running"

lp_step "next-exit on a stopped container waits for the next run"
lp_wait_bg three '?condition=next-exit' "$LP_DIR/next"
lp_until 2000 lp_waiting 1 || lp_fail "no waiter"
sleep 0.3
kill -0 $bg 2>/dev/null || lp_fail "next-exit answered before any run"
lp_start_container three
wait $bg || lp_fail "next-exit wait failed"
lp_eq "$(cat "$LP_DIR/next")" '{"Error":null,"StatusCode":3}' "next-exit"
lp_eq "$(lp_api /containers/three/wait -X POST)" \
	'{"Error":null,"StatusCode":3}' "not-running after the exit"

lp_step "headers go out before the wait (API >= 1.30), chunked"
lp_start_container loop
python3 - "$LP_SOCK" <<'PY' || lp_fail "headers were not flushed at once"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"POST /v1.41/containers/loop/wait HTTP/1.1\r\nHost: x\r\n"
          b"Content-Length: 0\r\n\r\n")
s.settimeout(1)
h = s.recv(4096)
assert h.startswith(b"HTTP/1.1 200 OK\r\n"), h
assert b"Transfer-Encoding: chunked" in h and b"application/json" in h, h
s.close()
PY
lp_wait_bg loop '' "$LP_DIR/nr"
lp_until 2000 lp_waiting 1 || lp_fail "no waiter"
lp_api /containers/loop/kill -X POST >/dev/null
wait $bg || lp_fail "not-running wait failed"
lp_eq "$(cat "$LP_DIR/nr")" '{"Error":null,"StatusCode":137}' "killed"

lp_step "removed waits past the exit until the removal"
lp_start_container loop
lp_wait_bg loop '?condition=removed' "$LP_DIR/rm"
lp_until 2000 lp_waiting 1 || lp_fail "no waiter"
lp_api /containers/loop/kill -X POST >/dev/null
lp_wait_exit loop >/dev/null
sleep 0.3
kill -0 $bg 2>/dev/null || lp_fail "removed answered at the exit"
lp_eq "$(lp_status DELETE /containers/loop)" 204 "rm"
wait $bg || lp_fail "removed wait failed"
lp_eq "$(cat "$LP_DIR/rm")" '{"Error":null,"StatusCode":137}' "removed"

lp_step "API < 1.30: the condition is ignored, one reply with a length"
lp_api /v1.29/containers/three/wait -X POST -i | tr -d '\r' >"$LP_DIR/old"
grep -qx 'Content-Length: 30' "$LP_DIR/old" || lp_fail "legacy: $(cat "$LP_DIR/old")"
! grep -qi 'Transfer-Encoding' "$LP_DIR/old" || lp_fail "legacy was chunked"
lp_eq "$(lp_api '/v1.29/containers/three/wait?condition=next-exit' -X POST -m 3)" \
	'{"Error":null,"StatusCode":3}' "legacy ignores next-exit"

lp_step "a container that failed to start: the Error object"
body='{"Image":"busybox","Cmd":["/nonexistent/cmd"]}'
lp_api /containers/create?name=bad -X POST -H 'Content-Type: application/json' \
	-d "$body" >/dev/null
lp_status POST /containers/bad/start >/dev/null
lp_api /containers/bad/wait -X POST | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert list(d) == ["Error", "StatusCode"] and d["StatusCode"] == 127, d
assert "/nonexistent/cmd" in d["Error"]["Message"], d' ||
	lp_fail "failed start's wait answer"

lp_create idle 'while true; do sleep 1; done' >/dev/null
lp_start_container idle
lp_baseline
for via in unix tcp; do
	if [ $via = unix ]; then
		url=http://x; opt=(--unix-socket "$LP_SOCK"); target=$LP_SOCK
	else
		url=http://127.0.0.1:$LP_PORT; opt=(); target=tcp:$LP_PORT
	fi
	for cond in not-running next-exit removed; do
		lp_step "$via $cond: curl -m"
		curl -s -m 0.5 -X POST "${opt[@]}" -o /dev/null \
			"$url/containers/idle/wait?condition=$cond" || true
		lp_wait_released 100
		lp_step "$via $cond: a reset"
		python3 "$WC" reset "$target" POST \
			"/containers/idle/wait?condition=$cond" 0.3 >/dev/null
		lp_wait_released 100
		lp_step "$via $cond: the client killed with SIGKILL"
		curl -s -X POST "${opt[@]}" -o /dev/null \
			"$url/containers/idle/wait?condition=$cond" &
		cpid=$!
		lp_until 2000 lp_waiting 1 || lp_fail "no waiter"
		kill -KILL $cpid
		wait $cpid 2>/dev/null || true
		lp_wait_released 100
		lp_step "$via $cond: a client that never reads"
		python3 "$WC" idle "$target" POST \
			"/containers/idle/wait?condition=$cond" 0.3 >/dev/null
		lp_wait_released 100
	done
done

lp_step "200 aborted waits in parallel"
ok=$(python3 "$WC" many "$LP_SOCK" POST /containers/idle/wait 200 1)
lp_eq "$ok" 200 "every wait got its 200 at once"
lp_wait_released 500

lp_step "docker wait"
if command -v docker >/dev/null; then
	export DOCKER_HOST=unix://$LP_SOCK
	lp_eq "$(timeout -k 5 20 docker wait three)" 3 "docker wait"
	(sleep 0.5; lp_api /containers/idle/kill?signal=KILL -X POST) &
	kpid=$!
	lp_eq "$(timeout -k 5 20 docker wait idle)" 137 "docker wait on a running one"
	wait $kpid
	lp_start_container idle
fi

if python3 -c 'import docker' 2>/dev/null; then
	lp_step "docker-py: wait()"
	python3 - "$LP_SOCK" <<'PY' || lp_fail "docker-py wait"
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1]).containers.get("three")
assert c.wait() == {"Error": None, "StatusCode": 3}, c.wait()
PY
fi

lp_step "daemon shutdown answers live waits"
lp_wait_bg idle '?condition=removed' "$LP_DIR/sd"
lp_until 2000 lp_waiting 1 || lp_fail "no waiter"
lp_stop
wait $bg || lp_fail "the wait did not end cleanly at shutdown"
lp_eq "$(cat "$LP_DIR/sd")" \
	'{"Error":{"Message":"context canceled"},"StatusCode":-1}' "shutdown"
lp_log ok
