#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket attach clients for 70-attach.sh (standard library only).

  attachclient.py hold TARGET ID SECONDS close|reset
      Attaches (stdout, stderr, stream), reads for SECONDS, then closes,
      plainly or with SO_LINGER 0 (a TCP reset). Prints bytes received.
  attachclient.py read TARGET ID [QUERY]
      Attaches, reads to EOF; prints "lines=N stderr=M head=STATUS".
  attachclient.py seq TARGET ID QUERY
      Attaches with QUERY, reads to EOF; the stdout lines must be the
      numbers 1..N: prints "count=N exact=True" or what went wrong.
  attachclient.py stdin TARGET ID DATA
      Attaches with stdin, sends DATA, half-closes, reads to EOF; prints
      what came back on stdout.
  attachclient.py paced TARGET ID
      Reads as "read" does, but slower than a busy container writes:
      64 KiB, then 20 ms of sleep; prints what "read" prints.
  attachclient.py slow TARGET ID SECONDS
      Attaches and never reads for SECONDS; then prints "dropped" when the
      daemon closed the connection, "open" otherwise.
  attachclient.py many TARGET ID N
      N attaches at once, all reset once each got its head.
TARGET: a unix socket path, or tcp:PORT.
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


def attach(target, cid, query="stream=1&stdout=1&stderr=1", rcvbuf=0):
    s = connect(target)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.sendall(("POST /containers/%s/attach?%s HTTP/1.1\r\nHost: x\r\n"
               "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
               % (cid, query)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    return s, head.split(b"\r\n")[0].decode()


def frames(data):
    out, err, i = [], [], 0
    while i + 8 <= len(data):
        n = struct.unpack(">I", data[i + 4:i + 8])[0]
        p = data[i + 8:i + 8 + n]
        if data[i] == 1:
            out.append(p)
        elif data[i] == 2:
            err.append(p)
        i += 8 + n
    return b"".join(out), b"".join(err)


def read_all(s):
    data = bytearray()
    while True:
        b = s.recv(1 << 20)
        if not b:
            return bytes(data)
        data += b


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def main():
    mode, target, cid = sys.argv[1:4]
    if mode == "hold":
        s, _ = attach(target, cid)
        s.settimeout(0.05)
        got, end = 0, time.monotonic() + float(sys.argv[4])
        while time.monotonic() < end:
            try:
                b = s.recv(65536)
                if not b:
                    break
                got += len(b)
            except socket.timeout:
                pass
        if sys.argv[5] == "reset":
            reset(s)
        else:
            s.close()
        print(got)
    elif mode == "read":
        q = sys.argv[4] if len(sys.argv) > 4 else "stream=1&stdout=1&stderr=1"
        s, head = attach(target, cid, q)
        out, err = frames(read_all(s))
        print("lines=%d stderr=%d head=%s" % (out.count(b"\n"),
              err.count(b"\n"), head))
    elif mode == "paced":
        s, head = attach(target, cid, rcvbuf=65536)
        data = bytearray()
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            time.sleep(0.02)
        out, err = frames(bytes(data))
        print("lines=%d stderr=%d head=%s" % (out.count(b"\n"),
              err.count(b"\n"), head))
    elif mode == "seq":
        s, _ = attach(target, cid, sys.argv[4])
        out, _ = frames(read_all(s))
        got = out.decode().split("\n")[:-1]
        want = [str(i) for i in range(1, len(got) + 1)]
        if got == want:
            print("count=%d exact=True" % len(got))
        else:
            bad = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
            print("count=%d exact=False at=%d got=%r" % (len(got), bad,
                  got[max(0, bad - 2):bad + 3]))
    elif mode == "stdin":
        s, _ = attach(target, cid, "stream=1&stdout=1&stderr=1&stdin=1")
        s.sendall(sys.argv[4].encode())
        s.shutdown(socket.SHUT_WR)
        out, _ = frames(read_all(s))
        sys.stdout.write(out.decode())
    elif mode == "slow":
        s, _ = attach(target, cid, rcvbuf=4096)
        time.sleep(float(sys.argv[4]))
        s.settimeout(5)
        try:
            while s.recv(1 << 20):
                pass
            print("dropped")
        except socket.timeout:
            print("open")
        except ConnectionResetError:
            print("dropped")
    elif mode == "many":
        socks = [attach(target, cid)[0] for _ in range(int(sys.argv[4]))]
        for s in socks:
            reset(s)
        print(len(socks))


main()
