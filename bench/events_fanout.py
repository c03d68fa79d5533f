#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Events fan-out: N subscribers on GET /events, K container events, and
how long until every subscriber has each one, plus the daemon's CPU per
event; beside dockerd when DOCKERD_SOCK is given.

  bench/events_fanout.py LOGPOUCH_SOCK [--subs 1000] [--events 50]
  DOCKERD_SOCK=/tmp/dockerd-ref/docker.sock bench/events_fanout.py ...

Each event is a `kill?signal=CONT` on one sleeping container (harmless,
and the same "kill" event on both daemons).
"""
import argparse
import json
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lpbench import find_listener_pid  # noqa: E402


def call(sock, method, path, body=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    data = json.dumps(body).encode() if body is not None else b""
    s.sendall(("%s %s HTTP/1.0\r\nHost: x\r\nContent-Type: application/json"
               "\r\nContent-Length: %d\r\n\r\n" % (method, path, len(data))
               ).encode() + data)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    head, _, rest = out.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def run(name, sock, nsubs, nevents):
    pid = find_listener_pid(sock)
    st, body = call(sock, "POST", "/containers/create?name=fanout",
                    {"Image": "busybox", "Cmd": ["sleep", "600"],
                     "HostConfig": {"NetworkMode": "none"}})
    if st != 201:
        raise SystemExit("%s: create: %d %s" % (name, st, body))
    call(sock, "POST", "/containers/fanout/start")
    sel = selectors.DefaultSelector()
    subs = []
    for _ in range(nsubs):
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.sendall(b"GET /events?filters=%7B%22event%22%3A%5B%22kill%22%5D"
                  b"%7D HTTP/1.1\r\nHost: x\r\n\r\n")
        s.setblocking(False)
        subs.append({"s": s, "seen": 0, "head": False, "buf": b""})
        sel.register(s, selectors.EVENT_READ, subs[-1])
    # Every subscriber has its headers: it is subscribed.
    while not all(x["head"] for x in subs):
        for key, _ in sel.select(5):
            x = key.data
            x["buf"] += x["s"].recv(65536)
            if b"\r\n\r\n" in x["buf"]:
                x["head"] = True
                x["buf"] = x["buf"].split(b"\r\n\r\n", 1)[1]
    lat = []
    c0 = cpu(pid)
    for i in range(nevents):
        t0 = time.monotonic()
        call(sock, "POST", "/containers/fanout/kill?signal=CONT")
        while min(x["seen"] for x in subs) <= i:
            for key, _ in sel.select(5):
                x = key.data
                b = x["s"].recv(1 << 20)
                x["seen"] += b.count(b'"Action":"kill"')
        lat.append((time.monotonic() - t0) * 1000)
    c1 = cpu(pid)
    for x in subs:
        x["s"].close()
    call(sock, "DELETE", "/containers/fanout?force=1")
    lat.sort()
    return {"daemon": name, "subscribers": nsubs, "events": nevents,
            "all_delivered_ms_p50": round(lat[len(lat) // 2], 2),
            "all_delivered_ms_p99": round(lat[int(len(lat) * 0.99)], 2),
            "daemon_cpu_ms_per_event": round((c1 - c0) * 1000 / nevents,
                                             2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sock")
    ap.add_argument("--subs", type=int, default=1000)
    ap.add_argument("--events", type=int, default=50)
    a = ap.parse_args()
    targets = [("logpouchd", a.sock)]
    if os.environ.get("DOCKERD_SOCK"):
        targets.append(("dockerd", os.environ["DOCKERD_SOCK"]))
    for name, sock in targets:
        print(json.dumps(run(name, sock, a.subs, a.events)))


if __name__ == "__main__":
    main()
