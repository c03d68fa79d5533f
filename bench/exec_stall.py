#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How long the daemon keeps other clients waiting while execs run.

A single-threaded daemon that waits for `runc exec` (50-300 ms) stalls
every client for that long. This measures GET /_ping latency (one
request every 5 ms on a fresh connection, as a monitoring probe would)
for SECONDS under four loads on one running container:

  idle      nothing else
  detached  a client looping exec create + start {"Detach": true}
  attached  a client looping exec create + attached start (no tty)
  health    a second container with a 100 ms healthcheck

usage: exec_stall.py SOCKET [SECONDS]   (busybox must be imported)
Prints one row per load: p50, p99 and max in ms, and execs done.
"""
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def call(sock, method, path, body=None):
    c = UnixHTTP(sock)
    hdrs = {"Content-Type": "application/json"} if body is not None else {}
    c.request(method, path, json.dumps(body) if body is not None else None,
              hdrs)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def run_container(sock, name, extra=None):
    call(sock, "DELETE", "/containers/%s?force=1" % name)
    spec = {"Image": "busybox", "Cmd": ["sleep", "1000"]}
    spec.update(extra or {})
    st, data = call(sock, "POST", "/containers/create?name=%s" % name, spec)
    if st != 201:
        sys.exit("create %s: %d %s" % (name, st, data))
    call(sock, "POST", "/containers/%s/start" % name)


def exec_loop(sock, stop, detach, counter):
    while not stop.is_set():
        st, data = call(sock, "POST", "/containers/stall/exec",
                        {"Cmd": ["true"], "AttachStdout": not detach})
        eid = json.loads(data)["Id"]
        call(sock, "POST", "/exec/%s/start" % eid, {"Detach": detach})
        counter[0] += 1


def pings(sock, seconds):
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        call(sock, "GET", "/_ping")
        lat.append((time.monotonic() - t0) * 1000)
        time.sleep(0.005)
    lat.sort()
    return lat


def row(name, lat, execs):
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print("%-9s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  execs %d" %
          (name, p(0.5), p(0.99), lat[-1], execs))


def main():
    sock = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    run_container(sock, "stall")
    row("idle", pings(sock, seconds), 0)
    for name, detach in (("detached", True), ("attached", False)):
        stop, counter = threading.Event(), [0]
        t = threading.Thread(target=exec_loop,
                             args=(sock, stop, detach, counter))
        t.start()
        lat = pings(sock, seconds)
        stop.set()
        t.join()
        row(name, lat, counter[0])
    run_container(sock, "stallhc", {"Healthcheck": {
        "Test": ["CMD", "true"], "Interval": 100000000}})
    time.sleep(1)
    t0 = time.time()
    lat = pings(sock, seconds)
    f = json.dumps({"container": ["stallhc"], "event": ["exec_die"]})
    st, data = call(sock, "GET", "/events?since=%d&until=%d&filters=%s" %
                    (t0, time.time() + 1, urllib.parse.quote(f)))
    row("health", lat, len(data.splitlines()))
    for name in ("stall", "stallhc"):
        call(sock, "DELETE", "/containers/%s?force=1" % name)


if __name__ == "__main__":
    main()
