#!/usr/bin/env bash
# Hostile input: malformed request lines, oversized headers and bodies,
# broken JSON, NUL bytes and ../ in ids, names and parameters, unknown
# methods, and a client sending its headers one byte a second. Every case
# is answered 4xx or cut, nothing outside the data root is touched, and the
# daemon keeps serving (a quiet follow stays open throughout).
. "$(dirname "$0")/lib.sh"
SC="$(dirname "${BASH_SOURCE[0]}")/soakclient.py"
lp_start --header-timeout 2

# raw BYTES: the daemon's status line for BYTES sent as one request.
raw() { printf '%b' "$1" | python3 "$SC" raw "$LP_SOCK" 3; }
# rejected STATUS_LINE: a 4xx, or the connection cut without an answer.
rejected() {
	case "$1" in
	"HTTP/1."?" 4"*|CLOSED) return 0 ;;
	*) return 1 ;;
	esac
}
serving() { lp_eq "$(lp_api /_ping)" OK "/_ping after $1"; }

lp_step "a quiet follower that must outlive every hostile client"
lp_create quiet 'sleep 1000' >/dev/null
lp_start_container quiet
lp_api '/containers/quiet/logs?stdout=1&follow=1' -m 60 -o /dev/null &
quiet_pid=$!
lp_until 2000 lp_tasks_is api.logs_container 1 || lp_fail "follow never started"
touch "$LP_DIR/marker"

lp_step "malformed request lines"
for req in 'GARBAGE\r\n\r\n' 'GET\r\n\r\n' 'GET / HTTP/9.9\r\n\r\n' \
	'\x00\x01\x02\xff\r\n\r\n' 'GET /_ping HTTP/1.1\r\nno colon here\r\n\r\n' \
	'GET /_ping\x00 HTTP/1.1\r\n\r\n' 'GET  HTTP/1.1\r\n\r\n' \
	'GET /_ping HTTP/1.1\r\nContent-Length: -5\r\n\r\n' \
	'POST /containers/create HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n' \
	'POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'; do
	st=$(raw "$req")
	rejected "$st" || lp_fail "[$req] answered [$st]"
done
serving "malformed request lines"

lp_step "headers over the size limit (64 KiB), and many headers"
st=$(python3 -c 'import sys; sys.stdout.buffer.write(b"GET /_ping HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")' |
	python3 "$SC" raw "$LP_SOCK" 3)
rejected "$st" || lp_fail "a 70 KB header answered [$st]"
st=$(python3 -c 'import sys; sys.stdout.buffer.write(b"GET /_ping HTTP/1.1\r\n" + b"X-H: v\r\n" * 20000 + b"\r\n")' |
	python3 "$SC" raw "$LP_SOCK" 3)
rejected "$st" || lp_fail "20000 headers answered [$st]"
st=$(python3 -c 'import sys; sys.stdout.buffer.write(b"GET /_ping HTTP/1.1\r\n" + b"X-H: v\r\n" * 2000 + b"\r\n")' |
	python3 "$SC" raw "$LP_SOCK" 3)
lp_eq "$st" "HTTP/1.1 200 OK" "2000 small headers (16 KB, under the limit)"
serving "oversized headers"

lp_step "a body over the 1 MiB limit: 413"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$LP_DIR/big"
code=$(lp_status POST /containers/create -H 'Content-Type: application/json' \
	--data-binary @"$LP_DIR/big")
lp_eq "$code" 413 "2 MB create body"
code=$(lp_status POST /containers/create -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$LP_DIR/big")
case $code in 413|400|000) ;; *) lp_fail "2 MB chunked body: $code" ;; esac
serving "oversized bodies"

lp_step "invalid JSON to create: dockerd's status, with a message"
# What Go cannot decode is dockerd's 500; a decoded body it refuses, 400.
for body in '{' '{"Cmd":' 'nul' '[1,2' '{"Cmd":["a"],}' '"str"' '{"Cmd":"x","Env":{}}' \
	"$(printf '{"Cmd":["\x01"]}')" 'null'; do
	out=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
		-d "$body" -w ' %{http_code}')
	case "$out" in
	*' 400' | *' 500') ;;
	*) lp_fail "create [$body]: not 400 or 500: $out" ;;
	esac
	msg=$(printf '%s' "${out% [45]00}" | lp_json 'd["message"]')
	[ -n "$msg" ] || lp_fail "create [$body]: empty message"
done
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' -d '{' -w ' %{http_code}')" \
	'{"message":"unexpected EOF"}'$'\n'' 500' "a cut body, as dockerd"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' -d '[1,2]' -w ' %{http_code}')" \
	'{"message":"json: cannot unmarshal array into Go value of type runconfig.ContainerConfigWrapper"}'$'\n'' 500' "an array, as dockerd"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' -d 'null' -w ' %{http_code}')" \
	'{"message":"Config cannot be empty in order to create a container"}'$'\n'' 400' "null, as dockerd"
serving "invalid JSON"

lp_step "../ and NUL in ids, names and parameters"
out=$(lp_api '/containers/..%2F..%2Fetc/logs?stdout=1' -w ' %{http_code}')
lp_eq "$out" $'{"message":"No such container: ../../etc"}\n 404' "..%2F id"
for path in '/containers/../../etc/passwd/json' '/containers/%2e%2e%2f%2e%2e%2fetc%2fpasswd/json' \
	'/containers/%00/json' '/containers/qu%00iet/logs?stdout=1' '/containers/a%00/start' \
	'/containers/..%2Fcontainers/json' '/containers/%2Fquiet%00x/json'; do
	code=$(lp_status GET "$path" --path-as-is)
	case $code in 404|400|301) ;; *) lp_fail "$path: $code" ;; esac
done
code=$(lp_status POST '/containers/%2e%2e%2fx/start' --path-as-is)
lp_eq "$code" 404 "start ../x"
for name in 'a%00b' '..%2F..%2Fetc' '%2e%2e' 'x%2Fy' '%00'; do
	code=$(lp_status POST "/containers/create?name=$name" \
		-H 'Content-Type: application/json' -d '{"Cmd":["true"]}')
	case $code in 400|404) ;; *) lp_fail "create name=$name: $code" ;; esac
done
for q in 'since=%00' 'until=1%00' 'tail=%00' 'tail=1%002' 'stdout=%00' 'since=..%2F..' 'tail=..%2F..%2Fetc'; do
	code=$(lp_status GET "/containers/quiet/logs?stdout=1&$q")
	case $code in 200|400) ;; *) lp_fail "logs ?$q: $code" ;; esac
done
outside=$(find "$LP_DIR" -newer "$LP_DIR/marker" -not -path "$LP_DATA*" \
	-not -name daemon.log -not -name big -not -path "$LP_DIR" -print)
lp_eq "$outside" "" "files touched outside the data root"
n=$(ls "$LP_DATA/containers" | wc -l)
lp_eq "$n" 1 "containers in the data root"
serving "../ and NUL"

lp_step "unknown methods: 404 page not found, as dockerd"
for m in BREW TRACE PROPFIND CONNECT; do
	out=$(lp_api /_ping -X "$m" -w ' %{http_code}')
	lp_eq "$out" $'{"message":"page not found"}\n 404' "$m /_ping"
done

lp_step "a client sending one header byte a second is dropped (--header-timeout 2)"
out=$(python3 "$SC" slow "$LP_SOCK" 1 15)
lp_log "slow client: $out"
case $out in
dropped*) ;;
*) lp_fail "slow client not dropped: $out" ;;
esac
s=${out#dropped }
python3 -c "import sys; sys.exit(0 if 1.5 <= float('$s') <= 4.5 else 1)" ||
	lp_fail "dropped after $s s, want ~2"
kill -0 "$quiet_pid" 2>/dev/null || lp_fail "the quiet follower ended"
lp_tasks_is api.logs_container 1 || lp_fail "the quiet stream is gone"

lp_step "the same, as the second request on a keep-alive connection"
out=$(python3 "$SC" slow "$LP_SOCK" 1 15 second)
lp_log "slow second request: $out"
case $out in
dropped*) ;;
*) lp_fail "slow second request not dropped: $out" ;;
esac
s=${out#dropped }
python3 -c "import sys; sys.exit(0 if 1.5 <= float('$s') <= 4.5 else 1)" ||
	lp_fail "dropped after $s s, want ~2"
lp_tasks_is api.logs_container 1 || lp_fail "the quiet stream is gone"

lp_step "the same, after a streamed reply on the keep-alive connection"
# The logs reply streams (chunked) and ends; the next request on that
# connection must still be held to --header-timeout, not only to the idle
# timer that every trickled byte re-arms.
lp_create chatty 'seq 1 50000' >/dev/null
lp_start_container chatty
lp_eq "$(lp_wait_exit chatty)" 0 "chatty exit code"
out=$(python3 "$SC" slow "$LP_SOCK" 1 15 '/containers/chatty/logs?stdout=1&tail=3')
lp_log "slow request after a stream: $out"
case $out in
dropped*) ;;
*) lp_fail "slow request after a streamed reply not dropped: $out" ;;
esac
s=${out#dropped }
python3 -c "import sys; sys.exit(0 if 1.5 <= float('$s') <= 4.5 else 1)" ||
	lp_fail "dropped after $s s, want ~2"

lp_step "a slow reader of a finished stream gets all of it and the last chunk"
# seq's 50000 lines are ~690 KB framed; read at ~80 KB/s, the stream ends
# with far more than --header-timeout's 2 s of output still to go. That
# rest is held to --stream-write-timeout (300 s), not cut at 2 s.
want=$(lp_api '/containers/chatty/logs?stdout=1' | wc -c)
out=$(python3 "$SC" slowread "$LP_SOCK" '/containers/chatty/logs?stdout=1' \
	2048 0.025)
lp_log "slow reader: $out (want $want body bytes before chunking)"
case $out in
complete*) ;;
*) lp_fail "slow reader of a finished stream cut: $out" ;;
esac
set -- $out
[ "$2" -gt "$want" ] || lp_fail "slow reader got $2 bytes, want over $want"
python3 -c "import sys; sys.exit(0 if float('$3') > 4 else 1)" ||
	lp_fail "the slow read took only $3 s: the case was not exercised"

lp_step "teardown"
kill "$quiet_pid" 2>/dev/null || true
wait "$quiet_pid" 2>/dev/null || true
lp_api /containers/quiet/kill -X POST >/dev/null
lp_stop
