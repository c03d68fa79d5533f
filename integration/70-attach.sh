#!/usr/bin/env bash
# POST /containers/{id}/attach: the docker CLI's attached flows (run, run
# --rm, -i, -t, start -a, attach and its detach keys), the answers before
# the hijack, output never lost at exit, and every way an attach can end
# giving back all it held (tasks, fds, no attach_container in the dump).
. "$(dirname "$0")/lib.sh"
AC="$(dirname "$0")/attachclient.py"
M="lpit-marker-$$"
# A short write timeout: a client that stops reading is dropped after 2 s.
lp_start --stream-write-timeout 2
lp_docker_cli
released() { lp_released "${1:-500}" attach_container; }
lp_step() { LP_STEP=$*; lp_log "step: $*"; }
ncont() { lp_api '/containers/json?all=1' | lp_json 'len(d)'; }
# Types the detach keys at `docker attach ARGS` on a terminal until the CLI
# lets go. Keys typed before the CLI has made the terminal raw are eaten by
# the line discipline (^Q is XON), so they are typed again every quarter
# second; the CLI outlives one SIGTERM, hence the KILL after the timeout.
detach_with() {
	local keys=$1; shift
	(sleep 1; for _ in $(seq 40); do printf "$keys"; sleep 0.25; done) |
		timeout -k 2 15 script -qec "docker -H unix://$LP_SOCK attach $*" /dev/null \
		>"$LP_DIR/detach.out" 2>&1 || true
	tr -d '\r' <"$LP_DIR/detach.out"
}

lp_create quiet "while true; do sleep 1; done # $M" >/dev/null
lp_start_container quiet
lp_create ticker "while true; do echo tick; sleep 0.05; done # $M" >/dev/null
lp_start_container ticker
lp_baseline
base_n=$(ncont)

lp_step "answers before the hijack"
lp_eq "$(lp_status POST '/containers/nope/attach?stream=1')" 404 "missing container"
lp_eq "$(lp_api '/containers/quiet/attach?stream=1&detachKeys=ctrl-1' -X POST)" \
	'{"message":"Invalid detach keys (ctrl-1) provided"}' "invalid keys"
hdr=$(curl -s -i -m 2 --unix-socket "$LP_SOCK" -X POST -H 'Connection: Upgrade' \
	-H 'Upgrade: tcp' 'http://x/containers/quiet/attach?stdout=1' | tr -d '\r' || true)
lp_contains "$hdr" "HTTP/1.1 101 UPGRADED" "upgrade answer"
lp_contains "$hdr" "Content-Type: application/vnd.docker.multiplexed-stream" "type (newest API, no tty)"
hdr=$(curl -s -i -m 2 --unix-socket "$LP_SOCK" -X POST \
	'http://x/containers/quiet/attach?stdout=1' | tr -d '\r' || true)
lp_contains "$hdr" "HTTP/1.1 200 OK" "no upgrade asked: 200"
released

if command -v docker >/dev/null 2>&1; then
	lp_step "docker run --rm busybox echo hi prints hi and leaves nothing"
	lp_eq "$(D run --rm busybox echo hi)" hi "run --rm"
	lp_eq "$(ncont)" "$base_n" "containers after run --rm"

	lp_step "the exit status comes back"
	rc=0; D run --name ex3 busybox sh -c 'exit 3' || rc=$?
	lp_eq "$rc" 3 "run exit status"

	lp_step "stdout and stderr both, separately"
	out=$(D run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)
	lp_eq "$out" out "stdout only on stdout"
	out=$(D run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)
	lp_eq "$out" err "stderr only on stderr"

	lp_step "docker run -i: stdin in, EOF ends it"
	lp_eq "$(printf 'one\ntwo\n' | D run -i --rm busybox cat)" $'one\ntwo' "run -i cat"

	lp_step "docker run -t: a terminal"
	out=$(timeout -k 2 25 script -qec "timeout -k 2 20 docker -H unix://$LP_SOCK run --rm -t busybox sh -c 'tty -s && echo is-a-tty'" /dev/null | tr -d '\r')
	lp_contains "$out" is-a-tty "run -t"

	lp_step "docker start -a"
	D create --name sa busybox sh -c 'echo started; exit 4' >/dev/null
	rc=0; out=$(D start -a sa) || rc=$?
	lp_eq "$out" started "start -a output"
	lp_eq "$rc" 4 "start -a exit status"

	lp_step "docker attach, then ctrl-p ctrl-q: detached, still running"
	D run -d -it --name tt busybox sh -c "while true; do echo tock; sleep 0.1; done # $M" >/dev/null
	out=$(detach_with '\020\021' tt)
	lp_contains "$out" tock "attach output"
	lp_contains "$out" "read escape sequence" "detached"
	lp_eq "$(D inspect -f '{{.State.Running}}' tt)" true "running after detach"

	lp_step "--detach-keys"
	out=$(detach_with '\001b' --detach-keys ctrl-a,b tt)
	lp_contains "$out" "read escape sequence" "custom keys detach"
	lp_eq "$(D inspect -f '{{.State.Running}}' tt)" true "running after detach"

	lp_step "docker run attached and killed; docker attach killed"
	docker -H "unix://$LP_SOCK" run --name killed busybox sh -c "while true; do echo k; sleep 0.05; done # $M" >/dev/null &
	cli=$!
	lp_until 5000 lp_tasks_is api.attach_container 1 || lp_fail "run did not attach"
	kill -KILL $cli; wait $cli 2>/dev/null || true
	docker -H "unix://$LP_SOCK" attach --sig-proxy=false killed >/dev/null &
	cli=$!
	lp_until 5000 lp_tasks_is api.attach_container 1 || lp_fail "attach did not attach"
	kill -KILL $cli; wait $cli 2>/dev/null || true
	lp_until 2000 lp_tasks_is api.attach_container 0 || lp_fail "killed CLI's attach left"
	D rm -f killed tt ex3 sa >/dev/null
else
	lp_log "SKIP docker CLI steps: no docker in PATH"
fi

lp_step "docker-py containers.run returns the output"
if python3 -c 'import docker' 2>/dev/null; then
	out=$(python3 - "$LP_SOCK" <<'PY'
import docker, sys
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
print(repr(c.containers.run("busybox", "echo hi", remove=True)))
PY
)
	lp_eq "$out" "b'hi\\n'" "docker-py run"
else
	lp_log "SKIP docker-py: python3-docker not installed"
fi
released 1000

lp_step "output written just before the exit reaches the attached client"
id=$(lp_create burst "seq 1 20000 # $M")
python3 "$AC" read "$LP_SOCK" burst >"$LP_DIR/burst" &
rd=$!
lp_until 2000 lp_tasks_is api.attach_container 1 || lp_fail "not attached"
lp_start_container burst
wait $rd
lp_eq "$(cat "$LP_DIR/burst")" "lines=20000 stderr=0 head=HTTP/1.1 101 UPGRADED" "all lines"
lp_eq "$(lp_api /containers/burst/logs?stdout=1 | lp_frames | wc -l)" 20000 "the log has them too"

lp_step "logs=1: the log replayed, then live, every line exactly once"
# About 4 s of counting: the attach comes in the middle of it, and ends
# with the run (a stream=1 attach to a stopped container waits for its
# next start, as dockerd's).
lp_create counter "i=0; while [ \$i -lt 200000 ]; do i=\$((i+1)); echo \$i; [ \$((i % 20000)) = 0 ] && sleep 0.3; done; sleep 1 # $M" >/dev/null
lp_start_container counter
sleep 0.5	# some of it in the log, the rest still to come
lp_eq "$(timeout 60 python3 "$AC" seq "$LP_SOCK" counter 'logs=1&stream=1&stdout=1')" \
	"count=200000 exact=True" "replay then live"
lp_eq "$(timeout 60 python3 "$AC" seq "$LP_SOCK" counter 'logs=1&stdout=1')" \
	"count=200000 exact=True" "logs=1 without stream: the log, then the end"
lp_eq "$(timeout 60 python3 "$AC" read "$LP_SOCK" counter 'logs=1&stderr=1')" \
	"lines=0 stderr=0 head=HTTP/1.1 101 UPGRADED" "only the streams asked for"
body='{"Image":"busybox","Cmd":["echo","x"],"HostConfig":{"LogConfig":{"Type":"none"}}}'
lp_api '/containers/create?name=nolog' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_contains "$(curl -s -m 5 --unix-socket "$LP_SOCK" -X POST 'http://x/containers/nolog/attach?logs=1&stdout=1' | tr -d '\000-\010')" \
	"Error attaching: failed to get logging factory: logger: no log driver named 'none' is registered" \
	"log driver none: dockerd's words in the stream"
if python3 -c 'import docker' 2>/dev/null; then
	lp_eq "$(python3 - "$LP_SOCK" <<'PY'
import docker, sys
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
print(c.containers.get("burst").attach(logs=True, stdout=True).count(b"\n"))
PY
)" 20000 "docker-py attach(logs=True)"
	# docker-py reads the head with one buffered recv, then the raw
	# socket: a replay that came with the head would be lost to it.
	lp_eq "$(python3 - "$LP_SOCK" <<'PY'
import docker, sys
c = docker.DockerClient(base_url="unix://" + sys.argv[1]).containers.get("burst")
print(sum(c.attach(logs=True, stdout=True).count(b"\n") == 20000 for _ in range(10)))
PY
)" 10 "docker-py attach(logs=True), ten times"
fi
released

lp_step "stdin with StdinOnce: the client's half-close is the container's EOF"
body='{"Image":"busybox","Cmd":["sh","-c","cat; echo done"],"OpenStdin":true,"StdinOnce":true,"AttachStdin":true}'
lp_api '/containers/create?name=cat1' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
python3 "$AC" stdin "$LP_SOCK" cat1 $'hello\n' >"$LP_DIR/cat1" &
rd=$!
lp_until 2000 lp_tasks_is api.attach_container 1 || lp_fail "not attached"
lp_start_container cat1
wait $rd
lp_eq "$(cat "$LP_DIR/cat1")" $'hello\ndone' "stdin echoed, then EOF"
released

lp_step "idle client closes, TCP reset, curl -m"
python3 "$AC" hold "$LP_SOCK" quiet 0.3 close >/dev/null
released
python3 "$AC" hold "tcp:$LP_PORT" ticker 0.3 reset >/dev/null
released
rc=0; curl -s -m 1 -o /dev/null --unix-socket "$LP_SOCK" -X POST \
	'http://x/containers/ticker/attach?stream=1&stdout=1' || rc=$?
lp_eq "$rc" 28 "curl -m"
released

lp_step "client SIGKILL"
python3 "$AC" hold "tcp:$LP_PORT" ticker 30 close >/dev/null &
cl=$!
lp_until 2000 lp_tasks_is api.attach_container 1 || lp_fail "not attached"
kill -KILL $cl; wait $cl 2>/dev/null || true
released

lp_step "a reader slower than the container gets every line, as with dockerd"
id=$(lp_create pacer "yes flood-line-$M | head -c 10000000")
python3 "$AC" paced "$LP_SOCK" pacer >"$LP_DIR/paced" &
pa=$!
python3 "$AC" read "$LP_SOCK" pacer >"$LP_DIR/fast" &
fa=$!
lp_until 2000 lp_tasks_is api.attach_container 2 || lp_fail "not attached"
lp_start_container pacer
wait $pa; wait $fa
want=$(( 10000000 / (${#M} + 12) ))
lp_eq "$(sed 's/lines=\([0-9]*\).*/\1/' "$LP_DIR/paced")" "$want" "lines the slow attach got"
lp_eq "$(sed 's/lines=\([0-9]*\).*/\1/' "$LP_DIR/fast")" "$want" "lines the other attach got"
logn=$(curl -s -m 60 --unix-socket "$LP_SOCK" 'http://x/containers/pacer/logs?stdout=1' | lp_frames | grep -c '\\n$')
lp_eq "$logn" "$want" "lines the log kept"
# The docker CLI into a pipe is slower than yes: every byte, as dockerd.
lp_eq "$(D run --rm --network none busybox sh -c "yes flood-line-$M | head -c 30000000" | md5sum)" \
	"$(yes "flood-line-$M" | head -c 30000000 | md5sum)" "docker run | md5sum"
released

lp_step "a reader that stops is dropped after --stream-write-timeout; the log and another attach go on"
# This daemon's write timeout is 2 s (lp_start above): the container and
# the other attach wait that long for the stopped one, never longer.
want=$(( 40000000 / (${#M} + 12) ))
id=$(lp_create flood "yes flood-line-$M | head -c 40000000; sleep 2")
python3 "$AC" slow "$LP_SOCK" flood 4 >"$LP_DIR/slow" &
sl=$!
python3 "$AC" read "$LP_SOCK" flood >"$LP_DIR/fast" &
fa=$!
lp_until 2000 lp_tasks_is api.attach_container 2 || lp_fail "not attached"
lp_start_container flood
wait $sl; wait $fa
lp_eq "$(cat "$LP_DIR/slow")" dropped "stopped reader"
fast=$(sed 's/lines=\([0-9]*\).*/\1/' "$LP_DIR/fast")
lp_eq "$fast" "$want" "lines the other attach got"
logn=$(curl -s -m 60 --unix-socket "$LP_SOCK" 'http://x/containers/flood/logs?stdout=1' | lp_frames | grep -c '\\n$')
lp_eq "$logn" "$want" "lines the log kept"
lp_log "other attach: $fast lines, log: $logn"
released

lp_step "container exit and container removal end the attach"
id=$(lp_create shortl "sleep 0.5; echo bye # $M")
python3 "$AC" read "$LP_SOCK" shortl >"$LP_DIR/short" &
rd=$!
lp_until 2000 lp_tasks_is api.attach_container 1 || lp_fail "not attached"
lp_start_container shortl
wait $rd
lp_contains "$(cat "$LP_DIR/short")" "lines=1" "exit ends it"
python3 "$AC" read "$LP_SOCK" shortl >/dev/null &	# stopped: waits
rd=$!
lp_until 2000 lp_tasks_is api.attach_container 1 || lp_fail "not attached"
lp_eq "$(lp_status DELETE /containers/shortl?force=1)" 204 "rm"
wait $rd
released

lp_step "200 aborted attaches in parallel"
pids=()
for i in 1 2 3 4; do
	timeout 30 python3 "$AC" many "tcp:$LP_PORT" ticker 50 >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || lp_fail "a many client failed"; done
released 2000

lp_step "daemon shutdown with attaches live"
timeout 60 python3 "$AC" hold "$LP_SOCK" ticker 30 close >/dev/null &
h1=$!
timeout 60 python3 "$AC" hold "tcp:$LP_PORT" quiet 30 close >/dev/null &
h2=$!
lp_until 2000 lp_tasks_is api.attach_container 2 || lp_fail "not attached"
t0=$(date +%s)
lp_stop
wait $h1 $h2
[ $(( $(date +%s) - t0 )) -lt 20 ] || lp_fail "attached clients outlived the shutdown"
lp_log ok
