#!/usr/bin/env bash
# A follow stream that has nothing to send must stay open however long the
# client wants it: evhttp's idle timeout (here --header-timeout 1) would
# close it, so streams switch the read timeout off. And the keep-alive
# connection that carried it gets the timeout back afterwards.
. "$(dirname "$0")/lib.sh"
lp_start --header-timeout 1

lp_create quiet 'while true; do sleep 1; done' >/dev/null
lp_start_container quiet
lp_baseline
lp_step "a quiet follow outlives the idle timeout"
rc=0
curl -s -m 3 --unix-socket "$LP_SOCK" -o /dev/null \
	'http://x/containers/quiet/logs?stdout=1&follow=1' || rc=$?
lp_eq "$rc" 28 "curl ran into its own -m 3, not a closed stream"
lp_released 100

lp_step "the keep-alive connection that carried a stream gets its idle timeout back"
python3 - "$LP_SOCK" <<'PY' || lp_fail "idle connection was not closed"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /containers/quiet/logs?stdout=1 HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(5)
data = b""
start = time.monotonic()
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
took = time.monotonic() - start
sys.exit(0 if data.endswith(b"0\r\n\r\n") and 0.5 < took < 4 else 1)
PY
lp_stop
lp_log ok
