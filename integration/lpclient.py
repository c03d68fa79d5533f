#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket helpers for the integration tests (standard library only).

  lpclient.py baseline SOCK TASKS FDS TIMEOUT_MS [STANZA]
      Polls /info (NGoroutines, NFd) and the debug=2 dump in-process until
      tasks and fds equal the baseline and no STANZA (default
      logs_container) is left in the dump; prints the elapsed milliseconds, exits 1 on timeout with the
      last figures and dump.
  lpclient.py figures SOCK
      Prints "TASKS FDS" as /info counts them (the baseline).
  lpclient.py leaked SOCK WAIT_MS
      Exits 0 when a logs_container stanza is still in the dump after
      WAIT_MS (used to prove the check catches a real leak).
  lpclient.py reset SOCK|tcp:PORT PATH SECONDS
      Sends GET PATH, reads for SECONDS, then closes with SO_LINGER 0 (a
      TCP reset; on a unix socket, a plain close). Prints bytes received.
"""
import json
import socket
import struct
import sys
import time


def connect(target):
    if target.startswith("tcp:"):
        s = socket.create_connection(("127.0.0.1", int(target[4:])))
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(target)
    return s


def get(target, path):
    s = connect(target)
    s.sendall(("GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path).encode())
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    return body


def figures(sock):
    info = json.loads(get(sock, "/info"))
    dump = get(sock, "/debug/pprof/goroutine?debug=2").decode()
    return info["NGoroutines"], info["NFd"], dump


def baseline(sock, tasks, fds, timeout_ms, stanza="logs_container"):
    start = time.monotonic()
    while True:
        t, f, dump = figures(sock)
        if t == tasks and f == fds and stanza not in dump:
            print("%.1f" % ((time.monotonic() - start) * 1000))
            return 0
        if (time.monotonic() - start) * 1000 > timeout_ms:
            print("not at baseline after %d ms: tasks %d (want %d), fds %d "
                  "(want %d)\n%s" % (timeout_ms, t, tasks, f, fds, dump),
                  file=sys.stderr)
            return 1
        time.sleep(0.002)


def leaked(sock, wait_ms):
    time.sleep(wait_ms / 1000)
    _, _, dump = figures(sock)
    return 0 if "logs_container" in dump else 1


def reset(target, path, seconds):
    s = connect(target)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    s.settimeout(0.05)
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            b = s.recv(65536)
            if not b:
                break
            n += len(b)
        except socket.timeout:
            pass
    if s.family != socket.AF_UNIX:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    s.close()
    print(n)
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "baseline":
        return baseline(argv[2], int(argv[3]), int(argv[4]), int(argv[5]),
                        *argv[6:7])
    if cmd == "figures":
        # Settle first: a connection the previous client just closed may
        # not have been reaped by the daemon yet.
        time.sleep(0.05)
        t, f, _ = figures(argv[2])
        print(t, f)
        return 0
    if cmd == "leaked":
        return leaked(argv[2], int(argv[3]))
    if cmd == "reset":
        return reset(argv[2], argv[3], float(argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
