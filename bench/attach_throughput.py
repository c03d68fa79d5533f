#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Attach throughput: a container writes MiB of lines as fast as it can
while one client is attached (docker run without -d), and how fast the
bytes reach the client, with the daemon's CPU per MiB; beside dockerd
when DOCKERD_SOCK is given. Both daemons also write every line to the
container's json-file log, as they must.

  bench/attach_throughput.py LOGPOUCH_SOCK [--mib 256] [--runs 3]
  DOCKERD_SOCK=/tmp/dockerd-ref/docker.sock bench/attach_throughput.py ...

Two modes: multiplexed (stdcopy frames, no Tty) and raw (Tty). The
clock runs from the start request to the attach stream's end, so it
includes the container's start and the drain after its exit.
"""
import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from events_fanout import call, cpu  # noqa: E402
from lpbench import find_listener_pid  # noqa: E402

# 99 bytes and a newline per line, so the log sees ordinary lines.
LINE = "x" * 99


def attach(sock, name):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(("POST /containers/%s/attach?stream=1&stdout=1&stderr=1 "
               "HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
               "Upgrade: tcp\r\n\r\n" % name).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(4096)
        if not b:
            raise SystemExit("attach: closed before its head")
        head += b
    status = int(head.split()[1])
    if status not in (101, 200):
        raise SystemExit("attach: %d %s" % (status, head))
    return s, len(head.split(b"\r\n\r\n", 1)[1])


def one(name, sock, pid, mib, tty):
    cname = "attachbench"
    call(sock, "DELETE", "/containers/%s?force=1" % cname)
    script = "yes %s | head -c %d" % (LINE, mib << 20)
    st, body = call(sock, "POST", "/containers/create?name=" + cname,
                    {"Image": "busybox", "Cmd": ["sh", "-c", script],
                     "Tty": tty, "AttachStdout": True,
                     "AttachStderr": True,
                     "HostConfig": {"NetworkMode": "none"}})
    if st != 201:
        raise SystemExit("%s: create: %d %s" % (name, st, body))
    s, got = attach(sock, cname)
    c0 = cpu(pid)
    t0 = time.monotonic()
    st, body = call(sock, "POST", "/containers/%s/start" % cname)
    if st != 204:
        raise SystemExit("%s: start: %d %s" % (name, st, body))
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        got += len(b)
    secs = time.monotonic() - t0
    c1 = cpu(pid)
    s.close()
    call(sock, "DELETE", "/containers/%s?force=1" % cname)
    # Raw: exactly the bytes; multiplexed: 8 bytes more per frame.
    if got < mib << 20:
        raise SystemExit("%s: %d bytes of %d" % (name, got, mib << 20))
    return secs, c1 - c0


def run(name, sock, mib, runs):
    pid = find_listener_pid(sock)
    rows = []
    for tty in (False, True):
        res = sorted(one(name, sock, pid, mib, tty) for _ in range(runs))
        secs, cpus = res[len(res) // 2]
        rows.append({"daemon": name,
                     "mode": "raw (Tty)" if tty else "multiplexed",
                     "MiB": mib, "runs": runs,
                     "MiB_per_s": round(mib / secs, 1),
                     "daemon_cpu_ms_per_MiB": round(cpus * 1000 / mib, 2)})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sock")
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    targets = [("logpouchd", a.sock)]
    if os.environ.get("DOCKERD_SOCK"):
        targets.append(("dockerd", os.environ["DOCKERD_SOCK"]))
    for name, sock in targets:
        for row in run(name, sock, a.mib, a.runs):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
