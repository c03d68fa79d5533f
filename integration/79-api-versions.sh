#!/usr/bin/env bash
# API versions 1.12 to 1.51: what each version changes in what we answer
# (headers, stream types, fields of inspect and list), /v1.41 kept as
# dockerd 20.10 answered, unversioned = the newest; then the docker CLI,
# negotiating the newest, and pinned to 1.41 and 1.44.
. "$(dirname "$0")/lib.sh"
lp_start
lp_baseline

# head PATH [BODY]: a hijacking POST with Upgrade; prints the reply's
# status line and Content-Type, then closes.
head() {
	python3 - "$LP_SOCK" "$1" "${2:-}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
body = sys.argv[3].encode()
s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\n"
           "Connection: Upgrade\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\n\r\n" % (sys.argv[2], len(body))).encode()
          + body)
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
lines = buf.split(b"\r\n\r\n")[0].decode().split("\r\n")
ct = [l for l in lines[1:] if l.lower().startswith("content-type:")]
print(lines[0] + "|" + (ct[0] if ct else "none"))
s.close()
PY
}

lp_step "containers: one plain, one with a tty"
plain=$(lp_create plain 'echo out; echo err >&2')
lp_start_container plain
body='{"Image":"busybox","Tty":true,"OpenStdin":true,"Cmd":["sh","-c","echo tty; sleep 30"]}'
tty=$(lp_api '/containers/create?name=tty' -X POST \
	-H 'Content-Type: application/json' -d "$body" | lp_json 'd["Id"]')
lp_start_container tty
lp_eq "$(lp_wait_exit plain)" 0 "plain exited"
lp_until 5000 bash -c "curl -s --unix-socket '$LP_SOCK' 'http://x/containers/tty/logs?stdout=1' | grep -q tty"

lp_step "Api-Version and /version by version"
for v in 1.24 1.41; do
	lp_contains "$(curl -sS -D - -o /dev/null --unix-socket "$LP_SOCK" "http://x/v$v/_ping")" \
		"Api-Version: 1.41" "header at $v (dockerd 20.10's)"
	lp_eq "$(lp_api "/v$v/version" | lp_json 'd["ApiVersion"]')" 1.41 "ApiVersion at $v"
done
for v in /v1.44 /v1.51 ""; do
	lp_contains "$(curl -sS -D - -o /dev/null --unix-socket "$LP_SOCK" "http://x$v/_ping")" \
		"Api-Version: 1.51" "header at [$v]"
	lp_eq "$(lp_api "$v/version" | lp_json 'd["ApiVersion"]')" 1.51 "ApiVersion at [$v]"
done
lp_eq "$(lp_status GET /v1.52/_ping)" 400 "1.52 is too new"
lp_eq "$(lp_api /v1.24/containers/nope/json)" '{"message":"No such container: nope"}' "JSON errors at 1.24"
lp_eq "$(lp_api /v1.23/containers/nope/json)" 'No such container: nope' "text errors at 1.23"

lp_step "logs: no Content-Type before 1.42, the stream's type from 1.42"
ctype() {
	curl -sS -D - -o /dev/null --unix-socket "$LP_SOCK" "http://x$1" |
		tr -d '\r' | sed -n 's/^[Cc]ontent-[Tt]ype: //p'
}
lp_eq "$(ctype '/v1.24/containers/plain/logs?stdout=1')" "" "logs at 1.24"
lp_eq "$(ctype '/v1.41/containers/plain/logs?stdout=1')" "" "logs at 1.41"
lp_eq "$(ctype '/v1.42/containers/plain/logs?stdout=1')" \
	application/vnd.docker.multiplexed-stream "logs at 1.42"
lp_eq "$(ctype '/v1.44/containers/tty/logs?stdout=1')" \
	application/vnd.docker.raw-stream "tty logs at 1.44"
lp_eq "$(ctype '/containers/plain/logs?stdout=1&stderr=1')" \
	application/vnd.docker.multiplexed-stream "logs unversioned"
lp_eq "$(lp_api '/v1.51/containers/plain/logs?stdout=1&stderr=1' | lp_frames | sort | tr '\n' ' ')" \
	'1|out\n 2|err\n ' "the frames are the same at 1.51"

lp_step "attach and exec heads"
lp_eq "$(head '/v1.41/containers/plain/attach?logs=1&stdout=1')" \
	"HTTP/1.1 101 UPGRADED|Content-Type: application/vnd.docker.raw-stream" "attach at 1.41"
lp_eq "$(head '/v1.44/containers/plain/attach?logs=1&stdout=1')" \
	"HTTP/1.1 101 UPGRADED|Content-Type: application/vnd.docker.multiplexed-stream" "attach at 1.44"
lp_eq "$(head '/v1.51/containers/tty/attach?logs=1&stdout=1')" \
	"HTTP/1.1 101 UPGRADED|Content-Type: application/vnd.docker.raw-stream" "tty attach at 1.51"
eid=$(lp_api /containers/tty/exec -X POST -H 'Content-Type: application/json' \
	-d '{"Cmd":["true"],"AttachStdout":true}' | lp_json 'd["Id"]')
lp_eq "$(head "/v1.51/exec/$eid/start" '{"Detach":false,"Tty":false}')" \
	"HTTP/1.1 101 UPGRADED|Content-Type: application/vnd.docker.multiplexed-stream" "exec at 1.51"
eid=$(lp_api /containers/tty/exec -X POST -H 'Content-Type: application/json' \
	-d '{"Cmd":["true"],"AttachStdout":true}' | lp_json 'd["Id"]')
lp_eq "$(head "/v1.41/exec/$eid/start" '{"Detach":false,"Tty":false}')" \
	"HTTP/1.1 101 UPGRADED|Content-Type: application/vnd.docker.raw-stream" "exec at 1.41"

lp_step "container inspect and list: DNSNames (1.44), GwPriority (1.48)"
net() { lp_api "$1" | lp_json "sorted(list(($2)['NetworkSettings']['Networks'].values())[0])"; }
n41=$(net /v1.41/containers/plain/json d)
n24=$(net /v1.24/containers/plain/json d)
n44=$(net /v1.44/containers/plain/json d)
n51=$(net /v1.51/containers/plain/json d)
lp_eq "$n24" "$n41" "the same fields at 1.24 and 1.41"
case $n41 in *DNSNames* | *GwPriority*) lp_fail "1.41 has new fields: $n41" ;; esac
lp_contains "$n44" "'DNSNames'" "inspect at 1.44"
case $n44 in *GwPriority*) lp_fail "1.44 has GwPriority: $n44" ;; esac
lp_contains "$n51" "'GwPriority'" "inspect at 1.51"
lp_eq "$(net '/containers/json?all=1&filters=%7B%22name%22%3A%5B%22plain%22%5D%7D' 'd[0]')" "$n51" \
	"list unversioned = inspect at 1.51"
lp_eq "$(net '/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%5B%22plain%22%5D%7D' 'd[0]')" "$n41" "list at 1.41"

lp_step "images: placeholders (1.43), VirtualSize (1.44), Containers (1.51)"
ilist() { lp_api "$1/images/json" | lp_json "[(i.get('VirtualSize', 'none'), i['Containers'], i['RepoDigests']) for i in d if 'busybox:latest' in i['RepoTags']][0]"; }
lp_eq "$(ilist /v1.41)" "($(lp_api /images/busybox/json | lp_json 'd["Size"]'), -1, None)" "list at 1.41"
lp_eq "$(ilist /v1.44)" "('none', -1, [])" "list at 1.44"
lp_eq "$(ilist /v1.51)" "('none', 2, [])" "list at 1.51 counts plain and tty"
iins() { lp_api "$1/images/busybox/json" | lp_json "('VirtualSize' in d, 'Container' in d, 'ContainerConfig' in d, 'Hostname' in (d['Config'] or {}))"; }
lp_eq "$(iins /v1.24)" "(True, True, True, True)" "inspect at 1.24"
lp_eq "$(iins /v1.41)" "(True, True, True, True)" "inspect at 1.41"
lp_eq "$(iins /v1.44)" "(False, True, True, True)" "inspect at 1.44"
lp_eq "$(iins /v1.51)" "(False, False, False, False)" "inspect at 1.51"
lp_eq "$(iins /v1.41)" "(True, True, True, True)" "the image's own config is untouched"

lp_step "create: ConsoleSize from 1.42, Annotations from 1.43 (list: 1.46)"
mk() { # VERSION NAME: a tty container that prints its size, with both fields
	lp_api "/v$1/containers/create?name=$2" -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Tty":true,"Cmd":["sh","-c","stty size <&1; sleep 30"],"HostConfig":{"ConsoleSize":[21,73],"Annotations":{"org.example.k":"v"}}}' \
		| lp_json 'd["Id"]'
}
sz41=$(mk 1.41 sz41)
sz51=$(mk 1.51 sz51)
for n in sz41 sz51; do lp_start_container $n; done
lp_until 5000 bash -c "curl -s --unix-socket '$LP_SOCK' 'http://x/containers/sz51/logs?stdout=1' | grep -q '21 73'"
lp_until 5000 bash -c "curl -s --unix-socket '$LP_SOCK' 'http://x/containers/sz41/logs?stdout=1' | grep -q ."
# (busybox's stty has no size to print for a tty left at 0x0: an error)
case $(lp_api '/containers/sz41/logs?stdout=1') in *"21 73"*) lp_fail "1.41 must not apply ConsoleSize" ;; esac
hc() { lp_api "/v$1/containers/$2/json" | lp_json "(d['HostConfig']['ConsoleSize'], d['HostConfig'].get('Annotations'))"; }
lp_eq "$(hc 1.51 sz51)" "([21, 73], {'org.example.k': 'v'})" "inspect of the 1.51 create"
lp_eq "$(hc 1.51 sz41)" "([0, 0], None)" "the 1.41 create kept neither"
km() { lp_api "/v$1/containers/sz51/json" | lp_json "[k for k in d['HostConfig'] if k.startswith('KernelMemory')]"; }
lp_eq "$(km 1.41)" "['KernelMemory', 'KernelMemoryTCP']" "1.41 inspect: kernel memory as 20.10"
lp_eq "$(km 1.42)" "[]" "1.42 inspect: no kernel memory"
lst() { lp_api "/v$1/containers/json?filters=%7B%22name%22%3A%5B%22sz51%22%5D%7D" | lp_json "d[0]['HostConfig'].get('Annotations')"; }
lp_eq "$(lst 1.46)" "{'org.example.k': 'v'}" "list at 1.46"
lp_eq "$(lst 1.45)" "None" "list at 1.45"
cfg=$LP_DATA/containers/$sz51/bundle/config.json
if [ "$(lp_api /info | lp_json 'd["DefaultRuntime"]')" != logpouch-process ]; then
	lp_eq "$(lp_json "(d['annotations'], d['process']['consoleSize'])" <"$cfg")" \
		"({'org.example.k': 'v'}, {'height': 21, 'width': 73})" "the OCI spec carries both"
fi

lp_step "create: ?platform= from 1.41, ignored before"
lp_eq "$(lp_status POST '/v1.41/containers/create?platform=windows/amd64' -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}')" 404 "another OS"
lp_eq "$(lp_api '/v1.41/containers/create?platform=linux/arm64/v8' -X POST -H 'Content-Type: application/json' -d '{"Image":"busybox:latest","Cmd":["true"]}')" \
	'{"message":"image with reference busybox:latest was found but does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64"}' "another arch"
lp_eq "$(lp_api '/v1.41/containers/create?platform=a/b/c/d' -X POST -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}')" \
	'{"message":"\"a/b/c/d\": cannot parse platform specifier: invalid argument"}' "bad specifier"
lp_eq "$(lp_status POST '/v1.41/containers/create?platform=linux/amd64&name=plat-ok' -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}')" 201 "this platform"
lp_eq "$(lp_status POST '/v1.40/containers/create?platform=windows/amd64&name=plat-old' -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}')" 201 "1.40 ignores it"
lp_api '/containers/plat-ok?force=1' -X DELETE >/dev/null
lp_api '/containers/plat-old?force=1' -X DELETE >/dev/null

lp_step "stop and restart: ?signal= from 1.42, ignored before"
trapper() {
	lp_create "$1" 'trap "echo got USR1; exit 0" USR1; while :; do sleep 0.1; done' >/dev/null
	lp_start_container "$1"
	lp_until 5000 bash -c "curl -s --unix-socket '$LP_SOCK' 'http://x/containers/$1/top' | grep -q sleep"
}
trapper sig51
lp_eq "$(lp_api '/v1.51/containers/sig51/stop?signal=BOGUS&t=1' -X POST -w ' %{http_code}' | tr -d '\n')" \
	'{"message":"cannot stop container: sig51: invalid signal: BOGUS"} 500' "a bad signal at 1.51"
lp_eq "$(lp_api '/v1.51/containers/sig51/restart?signal=nope' -X POST -w ' %{http_code}' | tr -d '\n')" \
	'{"message":"Cannot restart container sig51: invalid signal: nope"} 500' "a bad restart signal"
lp_eq "$(lp_status POST '/v1.51/containers/sig51/stop?signal=SIGUSR1&t=10')" 204 "stop with USR1"
lp_eq "$(lp_wait_exit sig51)" 0 "the trap ended it"
lp_contains "$(lp_api '/containers/sig51/logs?stdout=1')" "got USR1" "USR1 reached it"
trapper sig41
lp_eq "$(lp_status POST '/v1.41/containers/sig41/stop?signal=BOGUS&t=1')" 204 "1.41 ignores signal"
case $(lp_api '/containers/sig41/logs?stdout=1') in *"got USR1"*) lp_fail "1.41 sent the signal" ;; esac
lp_eq "$(lp_status POST '/v1.51/containers/sig41/stop?signal=BOGUS')" 304 "a stopped container: 304 first"
for n in sz41 sz51 sig41 sig51; do
	lp_eq "$(lp_status DELETE "/containers/$n?force=1")" 204 "remove $n"
done

lp_step "the docker CLI: the newest it knows, and pinned versions"
if command -v docker >/dev/null 2>&1; then
	export DOCKER_CONFIG=$LP_DIR/docker-config
	D() { timeout -k 5 30 docker -H "unix://$LP_SOCK" "$@"; }
	for v in "" 1.41 1.44; do
		if [ -n "$v" ]; then export DOCKER_API_VERSION=$v; else unset DOCKER_API_VERSION; fi
		got=$(D version --format '{{.Client.APIVersion}} {{.Server.APIVersion}}')
		case $v in
		"") cli=$(D version --format '{{.Client.DefaultAPIVersion}}' 2>/dev/null || true)
			[[ $got =~ ^1\.(4[4-9]|5[01])\ 1\.51$ ]] || lp_fail "negotiated: [$got]" ;;
		1.41) lp_eq "$got" "1.41 1.41" "version at 1.41" ;;
		*) lp_eq "$got" "$v 1.51" "version at $v" ;;
		esac
		lp_contains "$(D ps -a --format '{{.Names}}')" plain "ps [$v]"
		lp_eq "$(D logs plain 2>/dev/null)" out "logs [$v]"
		lp_eq "$(D logs plain 2>&1 >/dev/null)" err "logs stderr [$v]"
		lp_eq "$(D run --rm busybox echo hi)" hi "run --rm [$v]"
	done
	unset DOCKER_API_VERSION
else
	lp_log "SKIP the CLI part: no docker CLI in PATH"
fi

lp_step "clean up"
lp_eq "$(lp_status DELETE '/containers/tty?force=1')" 204 "remove tty"
lp_eq "$(lp_status DELETE '/containers/plain')" 204 "remove plain"
lp_until 5000 lp_at_baseline
lp_stop
