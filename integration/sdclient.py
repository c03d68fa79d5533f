#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The service manager's side of systemd's two protocols, for the tests.

  sdclient.py notify NOTIFY_PATH OUT [API_SOCK]
      Binds a datagram socket, the daemon's $NOTIFY_SOCKET, and appends
      each datagram to OUT as one line. With API_SOCK, on READY=1 it asks
      GET /_ping at once and appends "ping: <answer>": readiness must mean
      the API answers. Ends on STOPPING=1 or after 120 s.
  sdclient.py activate [--pid N] SPEC... -- CMD...
      Binds each SPEC (unix:PATH, tcp:HOST:PORT, dgram:PATH) as fd 3, 4..,
      sets LISTEN_PID (our pid, which exec keeps, or N) and LISTEN_FDS,
      and execs CMD: socket activation without waiting for a connection.
"""
import os
import socket
import sys


def notify(path, out, api):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(120)
    with open(out, "a", buffering=1) as f:
        while True:
            try:
                d = s.recv(4096).decode()
            except socket.timeout:
                return
            f.write(d.replace("\n", "|") + "\n")
            if "READY=1" in d.split("\n") and api:
                c = socket.socket(socket.AF_UNIX)
                c.settimeout(5)
                try:
                    c.connect(api)
                    c.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                    r = c.recv(4096).decode().split("\r\n")
                    f.write("ping: %s %s\n" % (r[0], r[-1]))
                except OSError as e:
                    f.write("ping: %s\n" % e)
                c.close()
            if "STOPPING=1" in d.split("\n"):
                return


def activate(args):
    pid = None
    if args[0] == "--pid":
        pid, args = args[1], args[2:]
    sep = args.index("--")
    specs, cmd = args[:sep], args[sep + 1:]
    socks = []
    for spec in specs:
        kind, addr = spec.split(":", 1)
        if kind == "unix":
            s = socket.socket(socket.AF_UNIX)
            s.bind(addr)
            s.listen(16)
        elif kind == "dgram":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(addr)
        else:
            host, port = addr.rsplit(":", 1)
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, int(port)))
            s.listen(16)
        socks.append(s)
    # Move them above the range first, so dup2 onto 3.. clobbers none.
    high = [os.dup(s.fileno()) for s in socks]
    for s in socks:
        s.close()
    for i, fd in enumerate(high):
        os.dup2(fd, 3 + i)	# inheritable
    for fd in high:
        if fd >= 3 + len(high):
            os.close(fd)
    os.environ["LISTEN_PID"] = pid or str(os.getpid())
    os.environ["LISTEN_FDS"] = str(len(specs))
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    if sys.argv[1] == "notify":
        notify(sys.argv[2], sys.argv[3],
               sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        activate(sys.argv[2:])
