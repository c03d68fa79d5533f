#!/usr/bin/env bash
# Issue 12, items 1 and 5: no client text can crash the daemon or make a
# reply that is not JSON (cut UTF-8, invalid bytes in a path, a query or
# a body: U+FFFD as Go writes it), HEAD on an unknown route, two
# Content-Length headers, an ambiguous id prefix, the socket's mode, and
# a create whose config.v2.json cannot be written. Expected texts are
# what dockerd 20.10.24 answered (dockerd-reference.sh).
. "$(dirname "$0")/lib.sh"

LP_MOUNTED=0
lp_utf8_cleanup() {
	local rc=$?
	if [ -n "$LP_PID" ]; then
		kill -KILL "$LP_PID" 2>/dev/null || true
		wait "$LP_PID" 2>/dev/null || true
		LP_PID=
	fi
	[ $LP_MOUNTED = 1 ] && umount -l "$LP_DATA" 2>/dev/null
	(exit $rc)
	lp_cleanup
}
trap lp_utf8_cleanup EXIT

# raw REQUEST_BYTES: sends them on one connection, prints all it got.
raw() {
	python3 - "$LP_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.settimeout(1.5)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    pass
sys.stdout.write(out.decode("latin-1"))
PY
}

# msg: the "message" of a JSON error body on stdin, ASCII-escaped.
msg() { python3 -c 'import json,sys; print(ascii(json.load(sys.stdin)["message"]))'; }

lp_start
lp_step "the socket is created 0660"
lp_eq "$(stat -c %a "$LP_SOCK")" 660 "socket mode"

lp_step "a long non-ASCII command: start, inspect, wait, list (the crash)"
body=$(python3 -c 'import json; print(json.dumps({"Image":"busybox","Cmd":["x"+"\u00e9"*200]}))')
id=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d "$body" | lp_json 'd["Id"]')
out=$(lp_api "/containers/$id/start" -X POST)
m=$(printf '%s' "$out" | msg) || lp_fail "start error is not JSON: $out"
lp_contains "$m" 'exec: "x\xe9\xe9' "start error"
lp_eq "$(lp_status GET "/containers/$id/json")" 200 "inspect after the failed start"
e=$(lp_api "/containers/$id/json" | lp_json 'd["State"]["Error"][:60]')
lp_contains "$e" "failed to create shim task" "State.Error"
lp_api "/containers/$id/wait" -X POST | lp_json 'd["Error"]["Message"][:20]' >/dev/null ||
	lp_fail "wait body is not JSON"
lp_api '/containers/json?all=1' | lp_json 'len(d)' >/dev/null || lp_fail "list is not JSON"
lp_eq "$(lp_api /_ping)" OK "/_ping after the crash repro"

lp_step "invalid UTF-8 in a path, a query, a name"
st=$(lp_status GET '/containers/%ff%fe/json')
lp_eq "$st" 404 "status for /containers/%ff%fe/json"
lp_eq "$(lp_api '/containers/%ff%fe/json' | msg)" "'No such container: \ufffd\ufffd'" \
	"message for /containers/%ff%fe/json"
lp_eq "$(lp_api '/containers/%e2%82/logs?stdout=1' | msg)" \
	"'No such container: \ufffd\ufffd'" "a cut character in a path"
lp_eq "$(lp_status GET "/containers/$id/logs?stdout=1&since=%ff")" 400 "since=%ff"
lp_contains "$(lp_api "/containers/$id/logs?stdout=1&since=%ff" | msg)" \
	'"\ufffd" is not a unix timestamp' "since=%ff"
lp_eq "$(lp_api "/containers/$id/kill?signal=%ff" -X POST | msg)" \
	"'Invalid signal: \ufffd'" "signal=%ff"
lp_eq "$(lp_api '/containers/create?name=%ff' -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"]}' | msg)" \
	"'Invalid container name (\ufffd), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'" \
	"name=%ff"

lp_step "invalid UTF-8 in a create body is U+FFFD, as Go decodes it"
printf '{"Image":"busybox","Cmd":["echo","a\xffb"],"Labels":{"k\xfe":"v\xc3"}}' >"$LP_DIR/bad.json"
lp_api '/containers/create?name=badutf' -X POST -H 'Content-Type: application/json' \
	--data-binary @"$LP_DIR/bad.json" | lp_json 'd["Id"]' >/dev/null ||
	lp_fail "create with invalid UTF-8 in strings"
lp_eq "$(lp_api /containers/badutf/json | lp_json 'ascii(d["Config"]["Cmd"])')" \
	"['echo', 'a\ufffdb']" "Cmd"
lp_eq "$(lp_api /containers/badutf/json | lp_json 'ascii(d["Config"]["Labels"])')" \
	"{'k\ufffd': 'v\ufffd'}" "Labels"

lp_step "HEAD on an unknown route: Content-Length, no body"
out=$(raw 'HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\n')
lp_contains "$out" $'HTTP/1.1 404 Not Found\r\n' "HEAD reply"
lp_contains "$out" $'Content-Length: 29\r\n' "HEAD reply"
first=${out%%HTTP/1.1 200*}
lp_eq "$(printf '%s' "$first" | grep -c message || true)" 0 "a body after HEAD"
lp_contains "$out" $'\r\n\r\nOK' "the next request on the connection"
lp_eq "$(raw 'HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n' | grep -c 'Content-Length: 0')" 1 \
	"HEAD /_ping"

lp_step "two Content-Length headers"
out=$(raw 'POST /containers/badutf/kill HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 7\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\n')
lp_contains "$out" $'HTTP/1.1 400 Bad Request\r\n' "differing Content-Length"
lp_contains "$out" $'Connection: close\r\n' "differing Content-Length"
lp_contains "$out" '400 Bad Request' "differing Content-Length body"
lp_eq "$(printf '%s' "$out" | grep -c 'HTTP/1.1')" 1 "replies after differing lengths"
out=$(raw 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length:  2\r\n\r\n{}GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n')
lp_contains "$out" 'Config cannot be empty in order to create a container' \
	"identical Content-Length headers"
lp_contains "$out" $'\r\n\r\nOK' "the request after identical lengths"

lp_step "an ambiguous id prefix: dockerd 20.10's 500 and wording"
for _ in $(seq 1 40); do
	p=$(lp_api '/containers/json?all=1' | lp_json '
__import__("collections").Counter(c["Id"][0] for c in d).most_common(1)[0]')
	case $p in *", 1)") lp_create "p$RANDOM" true >/dev/null ;; *) break ;; esac
done
p=${p:2:1}
lp_eq "$(lp_status GET "/containers/$p/json")" 500 "status for prefix $p"
lp_eq "$(lp_api "/containers/$p/json" | msg)" "'Multiple IDs found with provided prefix: $p'" \
	"message for prefix $p"
lp_stop

lp_step "a create whose config.v2.json cannot be written"
mkdir -p "$LP_DATA"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=16m lpit "$LP_DATA" 2>/dev/null; then
	LP_MOUNTED=1
	lp_start
	dd if=/dev/zero of="$LP_DATA/fill" bs=4k 2>/dev/null || true
	st=$(lp_status POST /containers/create?name=nospace -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"]}')
	lp_eq "$st" 500 "create on a full disk"
	m=$(lp_api /containers/create?name=nospace2 -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"]}' | msg)
	lp_contains "$m" "No space left on device" "create on a full disk"
	lp_eq "$(ls "$LP_DATA/containers" | wc -l)" 0 "container dirs left"
	lp_eq "$(lp_status GET /containers/nospace/json)" 404 "the failed container"
	rm -f "$LP_DATA/fill"
	lp_create nospace true >/dev/null
	lp_stop
	lp_start
	lp_eq "$(lp_status GET /containers/nospace/json)" 200 "created once space returned"
	lp_stop
	umount "$LP_DATA" || umount -l "$LP_DATA"
	LP_MOUNTED=0
else
	lp_log "SKIPPED the full-disk create: cannot mount a tmpfs (need root)"
fi
lp_log "ok"
