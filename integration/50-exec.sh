#!/usr/bin/env bash
# docker exec, and the original report's /exec fixed: a process started
# through an attached POST /exec/{id}/start dies with its client, whether it
# closes (curl -m 1), resets, or half-closes first and closes later, over the
# unix socket and over TCP; its tasks and fds go too. A detached exec is tied
# to no client and dies with its container. Output framing, exit codes and
# stdin are checked byte for byte, then through the docker CLI.
. "$(dirname "$0")/lib.sh"

EC="$(dirname "$0")/execclient.py"
# Every exec command carries this number, so a failed run kills its leftovers
# (lib.sh's trap does not know them: they run in their own sessions).
N=7$$
lp_exec_cleanup() {
	local rc=$?
	set +e		# (exit $rc) must hand rc to lp_cleanup, not end us
	pkill -KILL -f "sleep $N" 2>/dev/null
	(exit $rc)
	lp_cleanup
}
trap lp_exec_cleanup EXIT

lp_start
lp_baseline
B0_TASKS=$LP_BASE_TASKS
B0_FDS=$LP_BASE_FDS
cid=$(lp_create cx "exec sleep ${N}0")
lp_start_container cx

# mkexec JSON: creates an exec in cx, prints its id.
mkexec() { python3 "$EC" create "$LP_SOCK" cx "$1"; }
# sleeper K [CONTAINER]: an attached exec of `sleep ${N}K`, prints its id.
OUTERR='"AttachStdout":true,"AttachStderr":true'
sleeper() {
	python3 "$EC" create "$LP_SOCK" "${2:-cx}" \
		'{"Cmd":["sh","-c","exec sleep '"$N$1"'"],'"$OUTERR"'}'
}
# inspect ID EXPR: evaluates EXPR on GET /exec/ID/json (d).
inspect() { lp_api "/exec/$1/json" | lp_json "$2"; }
released() { lp_released "${1:-200}" exec; }
no_process() { ! pgrep -f "$1" >/dev/null; }
post() { lp_api "$1" -X POST -H 'Content-Type: application/json' -d "$2"; }
pstatus() {
	lp_status POST "$1" -H 'Content-Type: application/json' -d "$2"
}
lp_baseline

lp_step "create: dockerd's refusals"
lp_eq "$(pstatus /containers/cx/exec '{"Cmd":[]}')" 400 "empty Cmd"
lp_contains "$(post /containers/cx/exec '{"AttachStdout":true}')" \
	'"message":"No exec command specified"'
TRUE='{"Cmd":["true"]}'
lp_eq "$(pstatus /containers/nosuch/exec "$TRUE")" 404 "no container"
lp_contains "$(post /containers/nosuch/exec "$TRUE")" \
	"No such container: nosuch"
lp_create stopped true >/dev/null
lp_start_container stopped
lp_eq "$(lp_wait_exit stopped)" 0 "stopped container's exit"
sid=$(lp_api /containers/stopped/json | lp_json 'd["Id"]')
lp_eq "$(pstatus /containers/stopped/exec "$TRUE")" 409 "not running"
lp_contains "$(post /containers/stopped/exec "$TRUE")" \
	"Container $sid is not running"
lp_eq "$(pstatus /exec/nosuch/start '{}')" 404 "start of no exec"
lp_contains "$(post /exec/nosuch/start '{}')" "No such exec instance: nosuch"
lp_eq "$(lp_status GET /exec/nosuch/json)" 404 "inspect of no exec"

lp_step "create answers 201 with a 64-hex id; inspect before start"
eid=$(mkexec '{"Cmd":["sh","-c","echo out; echo err >&2"],'"$OUTERR"'}')
[[ $eid =~ ^[0-9a-f]{64}$ ]] || lp_fail "exec id [$eid]"
lp_eq "$(inspect "$eid" '[d["ID"], d["Running"], d["ExitCode"], d["Pid"],
	d["ContainerID"], d["CanRemove"], d["DetachKeys"], d["OpenStdout"],
	d["OpenStderr"], d["OpenStdin"]]')" \
	"['$eid', False, None, 0, '$cid', False, '', True, True, False]" \
	"inspect before start"
lp_eq "$(inspect "$eid" 'd["ProcessConfig"]')" "{'tty': False, \
'entrypoint': 'sh', 'arguments': ['-c', 'echo out; echo err >&2'], \
'privileged': False}" "ProcessConfig (no user: omitempty, as dockerd)"

lp_step "the exec enters the container: its hostname, pid namespace, root"
# runexec JSON: an attached exec in cx, its stdout frames' text.
runexec() {
	python3 "$EC" run "$LP_SOCK" "$(mkexec "$1")" >"$LP_DIR/out" ||
		lp_fail "no close"
	python3 "$EC" frames <"$LP_DIR/out" | sed -n 's/^1|//p' | tr -d '\n'
}
lp_eq "$(runexec '{"Cmd":["hostname"],"AttachStdout":true}')" \
	"${cid:0:12}\\n" "hostname in the exec"
pid=$(runexec '{"Cmd":["sh","-c","echo $$"],"AttachStdout":true}')
pid=${pid%\\n}
[ "$pid" -lt 100 ] || lp_fail "exec's pid $pid: not the container's namespace"
lp_eq "$(runexec '{"Cmd":["sh","-c","echo $PPID"],"AttachStdout":true}')" \
	'0\n' "an exec's parent is outside its pid namespace"
root=$(runexec '{"Cmd":["ls","/"],"AttachStdout":true}')
lp_contains "$root" "bin\\n"
case $root in
*lib64* | *boot* | *usr* | *work*) lp_fail "ls / lists the host's root: $root" ;;
esac

lp_step "attached start: raw-stream head, frames byte for byte"
python3 "$EC" run "$LP_SOCK" "$eid" --head "$LP_DIR/head" >"$LP_DIR/out" ||
	lp_fail "the daemon did not close the stream"
head=$(tr -d '\r' <"$LP_DIR/head")
lp_eq "$(sed -n 1p <<<"$head")" "HTTP/1.1 200 OK" "status line"
lp_contains "$head" "Content-Type: application/vnd.docker.raw-stream"
lp_contains "$head" "Api-Version: 1.41"
case $head in
*Content-Length* | *Transfer-Encoding* | *Upgrade*) lp_fail "head: [$head]" ;;
esac
printf '\001\0\0\0\0\0\0\004out\n\002\0\0\0\0\0\0\004err\n' >"$LP_DIR/want1"
printf '\002\0\0\0\0\0\0\004err\n\001\0\0\0\0\0\0\004out\n' >"$LP_DIR/want2"
cmp -s "$LP_DIR/out" "$LP_DIR/want1" || cmp -s "$LP_DIR/out" "$LP_DIR/want2" ||
	lp_fail "frames: $(od -c "$LP_DIR/out")"
lp_eq "$(inspect "$eid" '[d["Running"], d["ExitCode"]]')" "[False, 0]" \
	"exited 0"
lp_eq "$(pstatus "/exec/$eid/start" '{}')" 409 "second start"
lp_contains "$(post "/exec/$eid/start" '{}')" \
	"Error: Exec command $eid has already run"

lp_step "Upgrade: tcp gets 101 UPGRADED; the exit code is kept"
eid=$(mkexec '{"Cmd":["sh","-c","echo bye; exit 3"],"AttachStdout":true}')
python3 "$EC" run "$LP_SOCK" "$eid" --upgrade --head "$LP_DIR/head" \
	>"$LP_DIR/out" || lp_fail "the daemon did not close the stream"
head=$(tr -d '\r' <"$LP_DIR/head")
lp_eq "$(sed -n 1,4p <<<"$head")" "HTTP/1.1 101 UPGRADED
Content-Type: application/vnd.docker.raw-stream
Connection: Upgrade
Upgrade: tcp" "101 head"
lp_eq "$(python3 "$EC" frames <"$LP_DIR/out")" '1|bye\n' "frames"
lp_eq "$(inspect "$eid" '[d["Running"], d["ExitCode"]]')" "[False, 3]" "exit 3"

lp_step "stdin is forwarded; the client's half-close is its EOF"
eid=$(mkexec '{"Cmd":["cat"],"AttachStdin":true,'"$OUTERR"'}')
python3 "$EC" run "$LP_SOCK" "$eid" --upgrade --stdin $'hello\nworld\n' \
	--half-close >"$LP_DIR/out" || lp_fail "cat's stream did not end"
lp_eq "$(python3 "$EC" frames <"$LP_DIR/out" | tr -d '\n')" \
	'1|hello\nworld\n' "cat echoed stdin"
lp_eq "$(inspect "$eid" '[d["OpenStdin"], d["ExitCode"]]')" "[True, 0]" \
	"cat's exit"

lp_step "Tty: raw bytes from a pty"
eid=$(mkexec '{"Cmd":["sh","-c","test -t 0 && test -t 1 && echo tty"],
	"Tty":true,"AttachStdout":true}')
python3 "$EC" run "$LP_SOCK" "$eid" --tty >"$LP_DIR/out" ||
	lp_fail "tty stream did not end"
lp_eq "$(od -An -c "$LP_DIR/out" | tr -s ' ')" " t t y \r \n" "tty bytes"
lp_eq "$(lp_status POST "/exec/$eid/resize?h=24&w=80")" 200 "resize"
lp_eq "$(lp_status POST "/exec/$eid/resize?h=x&w=80")" 400 "resize h=x"

lp_step "exec failures: in-band for an attached start, 400 detached"
eid=$(mkexec '{"Cmd":["nosuch-'"$N"'"],"AttachStdout":true}')
python3 "$EC" run "$LP_SOCK" "$eid" >"$LP_DIR/out" || lp_fail "no close"
lp_contains "$(python3 "$EC" frames <"$LP_DIR/out")" "1|OCI runtime exec \
failed: exec failed: unable to start container process: exec: \"nosuch-$N\": \
executable file not found in \$PATH: unknown\\r\\n"
# dockerd over runc records 126 for every exec runc cannot start.
lp_eq "$(inspect "$eid" 'd["ExitCode"]')" 126 "exit code of a missing command"
eid=$(mkexec '{"Cmd":["nosuch-'"$N"'"]}')
lp_eq "$(pstatus "/exec/$eid/start" '{"Detach":true}')" 400 "detached failure"
lp_until 2000 lp_at_baseline || lp_fail "not back to baseline"
lp_baseline

lp_step "the report: curl -m 1 on an attached exec of a sleep"
eid=$(sleeper 1)
rc=0
curl -s -m 1 --unix-socket "$LP_SOCK" --http1.1 -X POST \
	-H 'Content-Type: application/json' -H 'Connection: Upgrade' \
	-H 'Upgrade: tcp' -d '{}' "http://x/exec/$eid/start" >/dev/null || rc=$?
lp_eq "$rc" 28 "curl gave up after -m 1"
lp_until 1000 no_process "sleep ${N}1" ||
	lp_fail "sleep ${N}1 survived its client"
lp_eq "$(inspect "$eid" '[d["Running"], d["ExitCode"]]')" "[False, 143]" \
	"SIGTERM"
released

for via in unix tcp; do
	[ $via = unix ] && target=$LP_SOCK || target=tcp:$LP_PORT

	lp_step "client closes after 1 s over $via"
	eid=$(sleeper 2)
	python3 "$EC" run "$target" "$eid" --upgrade --leave 1 \
		--marker "sleep ${N}2" >/dev/null 2>"$LP_DIR/took" ||
		lp_fail "$(cat "$LP_DIR/took")"
	lp_log "$via close: $(cat "$LP_DIR/took")"
	lp_eq "$(inspect "$eid" '[d["Running"], d["ExitCode"]]')" \
		"[False, 143]" "exit after close over $via"
	released

	lp_step "client resets after 0.5 s over $via"
	eid=$(sleeper 3)
	python3 "$EC" run "$target" "$eid" --leave 0.5 --reset \
		--marker "sleep ${N}3" >/dev/null 2>"$LP_DIR/took" ||
		lp_fail "$(cat "$LP_DIR/took")"
	lp_log "$via reset: $(cat "$LP_DIR/took")"
	released

	lp_step "half-close first (as docker exec without -i), then close, $via"
	eid=$(sleeper 4)
	python3 "$EC" run "$target" "$eid" --upgrade --half-close --leave 1 \
		--marker "sleep ${N}4" >"$LP_DIR/out" 2>"$LP_DIR/took" ||
		lp_fail "$(cat "$LP_DIR/took")"
	lp_log "$via half-close then close: $(cat "$LP_DIR/took")"
	# Over TCP the liveness probes are empty stdout frames, nothing else.
	if [ -s "$LP_DIR/out" ]; then
		python3 "$EC" frames <"$LP_DIR/out" | grep -qv '^1|$' &&
			lp_fail "unexpected output: $(od -c "$LP_DIR/out")"
	fi
	released
done

lp_step "a process that ignores SIGTERM gets SIGKILL after the grace"
eid=$(mkexec '{"Cmd":["sh","-c","trap \"\" TERM; exec sleep '"$N"'5"]}')
python3 "$EC" run "$LP_SOCK" "$eid" --leave 0.3 --marker "sleep ${N}5" \
	--within 3500 >/dev/null 2>"$LP_DIR/took" ||
	lp_fail "$(cat "$LP_DIR/took")"
lp_log "SIGTERM ignored: $(cat "$LP_DIR/took")"
lp_eq "$(inspect "$eid" 'd["ExitCode"]')" 137 "SIGKILL"
released

if command -v docker >/dev/null 2>&1; then
	export DOCKER_CONFIG=$LP_DIR/docker-config
	D() { timeout -k 5 30 docker -H "unix://$LP_SOCK" "$@"; }

	lp_step "docker exec cx echo hi"
	lp_eq "$(D exec cx echo hi)" hi "docker exec output"

	lp_step "docker exec keeps the exit code"
	rc=0
	D exec cx sh -c 'exit 3' || rc=$?
	lp_eq "$rc" 3 "docker exec exit code"

	lp_step "echo hello | docker exec -i cx cat"
	lp_eq "$(echo hello | D exec -i cx cat)" hello "docker exec -i"

	lp_step "docker exec -e -w"
	lp_eq "$(D exec -e FOO=bar -w /tmp cx sh -c 'echo $FOO $PWD')" \
		"bar /tmp" "env and workdir"

	lp_step "docker exec of a missing command"
	rc=0
	out=$(D exec cx "nosuch-$N" 2>&1) || rc=$?
	lp_eq "$rc" 126 "docker exec exit code of a missing command"
	lp_contains "$out" "executable file not found"

	lp_step "a killed docker exec takes its process along"
	docker -H "unix://$LP_SOCK" exec cx sh -c "exec sleep ${N}6" &
	dpid=$!
	lp_until 3000 pgrep -f "sleep ${N}6" >/dev/null ||
		lp_fail "docker exec did not start"
	kill -KILL $dpid
	wait $dpid 2>/dev/null || true
	lp_until 1000 no_process "sleep ${N}6" ||
		lp_fail "sleep ${N}6 survived docker exec"
	released 1000
else
	lp_log "SKIP docker CLI steps: no docker CLI in PATH"
fi

lp_step "docker-py exec_run: short output is never lost (docker-py#3332)"
# docker-py reads the head with one buffered recv and the stream from the
# raw socket: output that came with the head would be lost to it.
if python3 -c 'import docker' 2>/dev/null; then
	lp_eq "$(python3 - "$LP_SOCK" <<'PY'
import docker, sys
c = docker.DockerClient(base_url="unix://" + sys.argv[1]).containers.get("cx")
print(sum(c.exec_run(["echo", "hi"]).output == b"hi\n" for _ in range(30)))
PY
)" 30 "30 exec_run of echo, each b'hi\\n'"
	released 1000
else
	lp_log "SKIP docker-py: python3-docker not installed"
fi

lp_step "detached: 200 with an empty body, tied to no client"
eid=$(mkexec '{"Cmd":["sh","-c","exec sleep '"$N"'7"]}')
lp_eq "$(lp_api "/exec/$eid/start" -X POST -w '%{http_code}' \
	-H 'Content-Type: application/json' -d '{"Detach":true}')" 200 \
	"detached start, empty body"
sleep 0.3
pgrep -f "sleep ${N}7" >/dev/null ||
	lp_fail "detached exec died with its client"
lp_eq "$(inspect "$eid" 'd["Running"]')" True "detached running"
lp_eq "$(pstatus "/exec/$eid/start" '{"Detach":true}')" 409 \
	"start while running"
lp_contains "$(post "/exec/$eid/start" '{}')" \
	"Error: Exec command $eid is already running"
lp_contains "$(lp_api '/debug/pprof/goroutine?debug=2')" "daemon.exec"
pending=$(mkexec '{"Cmd":["true"]}')

lp_step "stopping the container kills its execs"
lp_eq "$(lp_status POST /containers/cx/stop?t=1)" 204 "stop"
lp_until 1000 no_process "sleep ${N}7" ||
	lp_fail "detached exec survived its container"
lp_eq "$(inspect "$eid" '[d["Running"], d["ExitCode"]]')" "[False, 137]" \
	"killed"
lp_eq "$(pstatus "/exec/$pending/start" '{}')" 409 \
	"start in a stopped container"
lp_contains "$(post "/exec/$pending/start" '{}')" \
	"Container $cid is not running"

lp_step "execs go with their container"
lp_eq "$(lp_status DELETE /containers/cx)" 204 "rm"
lp_eq "$(lp_status GET "/exec/$eid/json")" 404 "exec of a removed container"
LP_BASE_TASKS=$B0_TASKS
LP_BASE_FDS=$B0_FDS
released 2000

lp_step "daemon shutdown ends attached streams and kills their processes"
lp_create cy "exec sleep ${N}8" >/dev/null
lp_start_container cy
eid=$(sleeper 9 cy)
python3 "$EC" run "$LP_SOCK" "$eid" --upgrade --leave 20 --must-close \
	>/dev/null &
cpid=$!
lp_until 3000 pgrep -f "sleep ${N}9" >/dev/null || lp_fail "exec did not start"
lp_stop
wait $cpid || lp_fail "the stream did not end at shutdown"
no_process "sleep ${N}9" || lp_fail "exec survived the daemon"
lp_log ok
