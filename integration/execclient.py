#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket exec client for integration/50-exec.sh (standard library only).

  execclient.py create SOCK CONTAINER JSON
      POST /containers/CONTAINER/exec with JSON; prints the exec id.
  execclient.py run TARGET ID [options]
      POST /exec/ID/start (attached) on TARGET (a unix socket path or
      tcp:PORT) and copies the raw stream after the response head to stdout.
        --upgrade       send Connection: Upgrade and Upgrade: tcp
        --tty           "Tty": true in the start body
        --stdin DATA    send DATA once the head has arrived
        --half-close    shutdown(SHUT_WR) after the stdin data
        --leave SECS    stop after SECS and close, as curl -m does
        --reset         leave with SO_LINGER 0 (a TCP reset)
        --marker TEXT   after leaving, wait until no process has TEXT in its
                        command line; prints "gone in MS ms" on stderr, or
                        fails after --within MS (default 1000)
        --head FILE     write the response head to FILE
        --must-close    fail when we left before the daemon closed
      Exits 0 when the daemon closed the stream (or we left), 1 otherwise.
  execclient.py frames
      Decodes a multiplexed stream on stdin into lines "STREAM|payload".
"""
import json
import os
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


def request(target, method, path, body=None):
    s = connect(target)
    data = b"" if body is None else body.encode()
    s.sendall(("%s %s HTTP/1.0\r\nHost: x\r\nContent-Type: application/json"
               "\r\nContent-Length: %d\r\n\r\n" % (method, path, len(data)))
              .encode() + data)
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def processes_with(text):
    me = os.getpid()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append(pid)
    return found


def run(argv):
    target, eid = argv[0], argv[1]
    opts = {"upgrade": False, "tty": False, "stdin": None, "half": False,
            "leave": None, "reset": False, "marker": None, "within": 1000,
            "head": None, "must": False}
    i = 2
    while i < len(argv):
        a = argv[i]
        if a == "--upgrade":
            opts["upgrade"] = True
        elif a == "--tty":
            opts["tty"] = True
        elif a == "--half-close":
            opts["half"] = True
        elif a == "--reset":
            opts["reset"] = True
        elif a == "--must-close":
            opts["must"] = True
        elif a in ("--stdin", "--leave", "--marker", "--within", "--head"):
            i += 1
            key = {"--stdin": "stdin", "--leave": "leave",
                   "--marker": "marker", "--within": "within",
                   "--head": "head"}[a]
            opts[key] = argv[i]
        else:
            print("unknown option %s" % a, file=sys.stderr)
            return 2
        i += 1
    body = json.dumps({"Detach": False, "Tty": opts["tty"]})
    hdrs = "Content-Type: application/json\r\nContent-Length: %d\r\n" % \
        len(body)
    if opts["upgrade"]:
        hdrs += "Connection: Upgrade\r\nUpgrade: tcp\r\n"
    s = connect(target)
    s.sendall(("POST /v1.41/exec/%s/start HTTP/1.1\r\nHost: x\r\n%s\r\n%s"
               % (eid, hdrs, body)).encode())
    deadline = None
    if opts["leave"] is not None:
        deadline = time.monotonic() + float(opts["leave"])
    buf = b""
    head = None
    closed = False
    out = sys.stdout.buffer
    s.settimeout(0.02)
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            break
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            closed = True
            break
        if not b:
            closed = True
            break
        if head is None:
            buf += b
            if b"\r\n\r\n" not in buf:
                continue
            head, _, rest = buf.partition(b"\r\n\r\n")
            if opts["head"] is not None:
                with open(opts["head"], "wb") as f:
                    f.write(head + b"\r\n\r\n")
            out.write(rest)
            if opts["stdin"] is not None:
                s.sendall(opts["stdin"].encode())
            if opts["half"]:
                s.shutdown(socket.SHUT_WR)
        else:
            out.write(b)
        out.flush()
    if opts["reset"]:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    left = time.monotonic()
    s.close()
    if opts["marker"] is not None:
        while processes_with(opts["marker"]):
            ms = (time.monotonic() - left) * 1000
            if ms > float(opts["within"]):
                print("process [%s] still there %.0f ms after the client "
                      "left" % (opts["marker"], ms), file=sys.stderr)
                return 1
            time.sleep(0.001)
        print("gone in %.1f ms" % ((time.monotonic() - left) * 1000),
              file=sys.stderr)
    if opts["must"] and not closed:
        print("left before the daemon closed the stream", file=sys.stderr)
        return 1
    return 0 if closed or deadline is not None else 1


def frames():
    b = sys.stdin.buffer.read()
    i = 0
    while i < len(b):
        if i + 8 > len(b):
            print("TRUNCATED")
            break
        n = int.from_bytes(b[i + 4:i + 8], "big")
        p = b[i + 8:i + 8 + n]
        if len(p) < n:
            print("TRUNCATED")
            break
        print("%d|%s" % (b[i], p.decode("utf-8", "backslashreplace")
                         .replace("\n", "\\n").replace("\r", "\\r")))
        i += 8 + n
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "create":
        code, body = request(argv[2], "POST",
                             "/containers/%s/exec" % argv[3], argv[4])
        if code != 201:
            print("create: %d %s" % (code, body.decode()), file=sys.stderr)
            return 1
        print(json.loads(body)["Id"])
        return 0
    if cmd == "run":
        return run(argv[2:])
    if cmd == "frames":
        return frames()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
