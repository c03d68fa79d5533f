#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket clients for the stats and wait tests (standard library only).

  waitclient.py reset TARGET METHOD PATH SECONDS
      Sends METHOD PATH, reads for SECONDS, then resets (SO_LINGER 0 over
      TCP; a plain close on a unix socket). Prints the bytes received.
  waitclient.py idle TARGET METHOD PATH SECONDS
      The same, but never reads: a slow reader, then a plain close.
  waitclient.py many TARGET METHOD PATH N SECONDS
      Opens N connections at once with METHOD PATH, holds them SECONDS,
      resets half and closes the rest. Prints how many got a 200 header.
TARGET is a unix socket path or tcp:PORT.
"""
import socket
import struct
import sys
import time


def connect(target):
    if target.startswith("tcp:"):
        return socket.create_connection(("127.0.0.1", int(target[4:])))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(target)
    return s


def send(s, method, path):
    s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
               % (method, path)).encode())


def close(s, rst):
    if rst and s.family != socket.AF_UNIX:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    s.close()


def reset(target, method, path, seconds, read=True):
    s = connect(target)
    send(s, method, path)
    s.settimeout(0.05)
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not read:
            time.sleep(0.05)
            continue
        try:
            b = s.recv(65536)
            if not b:
                break
            n += len(b)
        except socket.timeout:
            pass
    close(s, read)
    print(n)
    return 0


def many(target, method, path, n, seconds):
    socks = []
    for _ in range(n):
        s = connect(target)
        send(s, method, path)
        socks.append(s)
    ok = 0
    end = time.monotonic() + seconds
    for s in socks:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            if s.recv(12).startswith(b"HTTP/1.1 200"):
                ok += 1
        except socket.timeout:
            pass
    time.sleep(max(0, end - time.monotonic()))
    for i, s in enumerate(socks):
        close(s, i % 2 == 0)
    print(ok)
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "reset":
        return reset(argv[2], argv[3], argv[4], float(argv[5]))
    if cmd == "idle":
        return reset(argv[2], argv[3], argv[4], float(argv[5]), read=False)
    if cmd == "many":
        return many(argv[2], argv[3], argv[4], int(argv[5]), float(argv[6]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
