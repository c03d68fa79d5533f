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
