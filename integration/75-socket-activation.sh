#!/usr/bin/env bash
# Socket activation and Type=notify without systemd as PID 1:
# systemd-socket-activate (Debian's systemd package) holds the API socket
# and starts logpouchd -H fd:// on the first connection, as logpouch.socket
# does; sdclient.py plays the notify socket. READY=1 comes when the API
# answers, STOPPING=1 at SIGTERM; no child sees LISTEN_* or NOTIFY_SOCKET;
# fd://N picks one socket and closes the rest; dockerd's errors.
. "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null ||
	lp_fail "systemd-socket-activate missing (scripts/deps.sh installs systemd)"
SD="python3 $(dirname "$0")/sdclient.py"
LP_SOCK=$LP_DIR/api.sock
NOTES=$LP_DIR/notes
NP=
trap 'rc=$?; [ -z "$NP" ] || kill "$NP" 2>/dev/null; (exit $rc); lp_cleanup' EXIT

# notify_start [API_SOCK]: a fresh notify listener at $LP_DIR/notify.
notify_start() {
	rm -f "$LP_DIR/notify" "$NOTES"
	: >"$NOTES"
	$SD notify "$LP_DIR/notify" "$NOTES" "$@" &
	NP=$!
	lp_until 5000 test -S "$LP_DIR/notify" || lp_fail "notify listener"
}
noted() { grep -qx "$1" "$NOTES"; }

# expect_exit2 MESSAGE CMD...: CMD exits 2 saying MESSAGE.
expect_exit2() {
	local want=$1 rc=0
	shift
	timeout 20 "$@" >"$LP_DIR/err" 2>&1 || rc=$?
	lp_eq "$rc" 2 "exit status of $*"
	lp_contains "$(cat "$LP_DIR/err")" "$want"
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' \
		"$LP_DIR/err" || lp_fail "sanitizer report: $(cat "$LP_DIR/err")"
}

lp_step "READY=1 means the API answers (a -H unix:// daemon, no activation)"
notify_start "$LP_DIR/direct.sock"
NOTIFY_SOCKET=$LP_DIR/notify "$LOGPOUCHD" -H "unix://$LP_DIR/direct.sock" \
	--data-root "$LP_DIR/direct" >>"$LP_LOG" 2>&1 &
LP_PID=$!
lp_until 20000 noted "ping: HTTP/1.0 200 OK OK" ||
	lp_fail "no READY=1 with a ping answered: $(cat "$NOTES")"
lp_eq "$(head -n1 "$NOTES")" READY=1 "first notification"
lp_stop
wait "$NP"
NP=
lp_eq "$(tail -n1 "$NOTES")" STOPPING=1 "last notification"

lp_step "systemd-socket-activate: the first connection starts the daemon"
cat >"$LP_DIR/spy" <<EOF
#!/bin/sh
env >>"$LP_DIR/spy.env"
exec runc "\$@"
EOF
chmod +x "$LP_DIR/spy"
notify_start
systemd-socket-activate -l "$LP_SOCK" -E "NOTIFY_SOCKET=$LP_DIR/notify" \
	"$LOGPOUCHD" --debug -H fd:// --data-root "$LP_DATA" \
	--add-runtime "spy=$LP_DIR/spy" >>"$LP_LOG" 2>&1 &
LP_PID=$!
lp_until 5000 test -S "$LP_SOCK" || lp_fail "no activation socket"
sleep 0.2
[ ! -s "$NOTES" ] || lp_fail "notified before any connection: $(cat "$NOTES")"
lp_eq "$(lp_api /_ping -m 30)" OK "the connection that activated it"
lp_until 5000 noted READY=1 || lp_fail "no READY=1: $(cat "$NOTES")"
grep -q "API listen on $LP_SOCK (fd://, fd 3)" "$LP_LOG" ||
	lp_fail "listen line"
flags=$(awk '/^flags:/ { print $2 }' "/proc/$LP_PID/fdinfo/3")
[ $((8#$flags & 8#2000000)) -ne 0 ] || lp_fail "fd 3 not close-on-exec: $flags"

lp_step "the OCI runtime and the container see no LISTEN_* or NOTIFY_SOCKET"
if unshare -pfmui --net true 2>/dev/null; then
	bash "${LP_SRCDIR:-$(dirname "$0")/..}/scripts/busybox-image.sh" import "$LP_SOCK" ||
		lp_fail "busybox image import"
	body='{"Image":"busybox","Cmd":["sh","-c","env; ls /proc/self/fd"],"HostConfig":{"Runtime":"spy"}}'
	id=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
		-d "$body" | lp_json 'd["Id"]')
	lp_start_container "$id"
	# A NOTIFY_SOCKET given to runc makes `runc start` wait for the
	# container's READY=1: the wait would time out.
	lp_eq "$(lp_wait_exit "$id")" 0 "container exit"
	out=$(lp_api "/containers/$id/logs?stdout=1&stderr=1" | lp_frames)
	lp_contains "$out" "PATH=" "container env"
	! grep -qE 'LISTEN_|NOTIFY_SOCKET' <<<"$out" ||
		lp_fail "leaked to the container: $out"
	[ -s "$LP_DIR/spy.env" ] || lp_fail "the spy runtime never ran"
	! grep -E 'LISTEN_|NOTIFY_SOCKET' "$LP_DIR/spy.env" ||
		lp_fail "leaked to the runtime"
else
	lp_log "SKIP runtime step: no namespaces here"
fi

lp_step "SIGTERM: STOPPING=1, exit 0, the manager's socket file stays"
lp_stop
wait "$NP"
NP=
lp_eq "$(tail -n1 "$NOTES")" STOPPING=1 "last notification"
[ -S "$LP_SOCK" ] || lp_fail "the activation socket file was unlinked"
rm -f "$LP_SOCK"

lp_step "fd://N serves that socket and closes the others; TCP too"
port=$(lp_free_port)
systemd-socket-activate -l "$LP_DIR/a.sock" -l "$LP_DIR/b.sock" \
	-l "127.0.0.1:$port" "$LOGPOUCHD" -H fd://3 -H fd://5 \
	--data-root "$LP_DATA" >>"$LP_LOG" 2>&1 &
LP_PID=$!
lp_until 5000 test -S "$LP_DIR/b.sock" || lp_fail "no activation sockets"
lp_eq "$(curl -sS -m 30 "http://127.0.0.1:$port/_ping")" OK "fd://5 (TCP)"
lp_eq "$(curl -sS -m 10 --unix-socket "$LP_DIR/a.sock" http://x/_ping)" OK \
	"fd://3"
grep -q "API listen on 127.0.0.1:$port (fd://5, fd 5)" "$LP_LOG" ||
	lp_fail "TCP listen line"
rc=0; curl -s -m 5 --unix-socket "$LP_DIR/b.sock" http://x/_ping || rc=$?
lp_eq "$rc" 7 "fd 4, named by no -H, is closed (curl: cannot connect)"
lp_stop

lp_step "fd:// from the config file's hosts, beside a unix:// host"
printf '{"hosts": ["fd://", "unix://%s"]}\n' "$LP_DIR/c2.sock" >"$LP_DIR/c.json"
$SD activate "unix:$LP_DIR/c1.sock" -- "$LOGPOUCHD" --config "$LP_DIR/c.json" \
	--data-root "$LP_DATA" >>"$LP_LOG" 2>&1 &
LP_PID=$!
lp_until 10000 curl -sf -m 1 --unix-socket "$LP_DIR/c2.sock" http://x/_ping \
	>/dev/null || lp_fail "unix:// host beside fd://"
lp_eq "$(curl -sS -m 10 --unix-socket "$LP_DIR/c1.sock" http://x/_ping)" OK \
	"fd:// from the config file"
lp_stop

lp_step "dockerd's errors, and sockets not ours"
expect_exit2 "no sockets found via socket activation: make sure the service was started by systemd" \
	"$LOGPOUCHD" -H fd:// --data-root "$LP_DIR/e"
expect_exit2 "no sockets found via socket activation" \
	$SD activate --pid 1 "unix:$LP_DIR/e1.sock" -- \
	"$LOGPOUCHD" -H fd:// --data-root "$LP_DIR/e"
expect_exit2 "too few socket activated files passed in by systemd" \
	$SD activate "unix:$LP_DIR/e2.sock" -- \
	"$LOGPOUCHD" -H fd://4 --data-root "$LP_DIR/e"
expect_exit2 "failed to parse systemd fd address: should be a number: x" \
	$SD activate "unix:$LP_DIR/e3.sock" -- \
	"$LOGPOUCHD" -H fd://x --data-root "$LP_DIR/e"
expect_exit2 "fd 3 is taken by another -H fd://" \
	$SD activate "unix:$LP_DIR/e4.sock" -- \
	"$LOGPOUCHD" -H fd://3 -H fd://3 --data-root "$LP_DIR/e"
expect_exit2 "failed to listen on systemd activated file: fd 4" \
	$SD activate "unix:$LP_DIR/e5.sock" "dgram:$LP_DIR/e6.sock" -- \
	"$LOGPOUCHD" -H fd:// --data-root "$LP_DIR/e"
expect_exit2 "not a loopback address" \
	$SD activate "tcp:0.0.0.0:$(lp_free_port)" -- \
	"$LOGPOUCHD" -H fd:// --data-root "$LP_DIR/e"
expect_exit2 "invalid LISTEN_FDS" \
	env LISTEN_FDS=x sh -c 'export LISTEN_PID=$$; exec "$0" "$@"' \
	"$LOGPOUCHD" -H fd:// --data-root "$LP_DIR/e"
lp_log "ok"
