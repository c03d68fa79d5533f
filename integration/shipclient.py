#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays, over the unix socket, the Docker API calls that log shippers
and viewers make to discover and follow containers, and checks what each
one needs from the answers.  The sequences were written for this test from
the tools' public sources (named per tool below); no code is copied.

  shipclient.py SOCK TOOL RUNNING_NAME LATE_NAME

TOOL: vector, promtail, fluentbit, dozzle, logspout.  RUNNING_NAME is a
running container that printed "ship-1" and "ship-2"; LATE_NAME a created
container (prints "late" and exits) that the tool must see start.  Prints
one line of what the tool would show; exits 1 with the reason otherwise.
Every connection is closed before it returns (the tool "disconnects").
"""
import json
import socket
import sys
import time
import urllib.parse

SOCK = None


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def q(d):
    return urllib.parse.quote(json.dumps(d, separators=(",", ":")))


class Stream:
    """One request on its own connection; the body read as it comes."""

    def __init__(self, method, path, ver="1.1", host=True, body=None):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(SOCK)
        data = json.dumps(body).encode() if body is not None else b""
        req = "%s %s HTTP/%s\r\n" % (method, path, ver)
        if host:
            req += "Host: docker\r\nUser-Agent: replay\r\n"
        if body is not None:
            req += "Content-Type: application/json\r\n"
        if body is not None or method == "POST":
            req += "Content-Length: %d\r\n" % len(data)
        self.s.sendall(req.encode() + b"\r\n" + data)
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self.raw = b""      # decoded body so far
        self.eof = False

    def _more(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError
        self.buf += b

    def _decode(self):
        if not self.chunked:
            self.raw += self.buf
            self.buf = b""
            return
        while True:
            i = self.buf.find(b"\r\n")
            if i < 0:
                return
            n = int(self.buf[:i].split(b";")[0], 16)
            if n == 0:
                self.eof = True
                return
            if len(self.buf) < i + 2 + n + 2:
                return
            self.raw += self.buf[i + 2:i + 2 + n]
            self.buf = self.buf[i + 2 + n + 2:]

    def until(self, pred, secs=5):
        end = time.time() + secs
        self._decode()
        while not pred(self.raw):
            if self.eof or time.time() > end:
                return False
            try:
                self._more()
            except (EOFError, socket.timeout):
                self.eof = True
            self._decode()
        return True

    def all(self):
        n = self.headers.get("content-length")
        if n is not None:
            self.until(lambda r: len(r) >= int(n), 10)
        else:
            self.until(lambda _: self.eof, 10)
        return self.raw

    def close(self):
        self.s.close()


def call(method, path, want=200, **kw):
    st = Stream(method, path, **kw)
    body = st.all()
    st.close()
    if st.status != want:
        fail("%s %s: %d, want %d: %r" % (method, path, st.status, want, body))
    return st, body


def getj(path):
    return json.loads(call("GET", path)[1])


def ping():
    st, body = call("GET", "/_ping")
    h = st.headers
    for k in ("api-version", "ostype", "server"):
        if not h.get(k):
            fail("/_ping without %s header: %r" % (k, h))
    if body != b"OK":
        fail("/_ping body %r" % body)
    return h


def frames(raw):
    """stdcopy frames -> list of payload lines."""
    out, i = [], 0
    while i + 8 <= len(raw):
        n = int.from_bytes(raw[i + 4:i + 8], "big")
        if i + 8 + n > len(raw):
            break
        out += raw[i + 8:i + 8 + n].decode().splitlines()
        i += 8 + n
    return out


def inspect_for_shipper(name):
    c = getj("/containers/%s/json" % name)
    for k in ("Id", "Name", "Created", "Config", "State", "HostConfig",
              "NetworkSettings"):
        if k not in c:
            fail("inspect without %s" % k)
    cfg = c["Config"]
    if cfg.get("Image") != "busybox" or not isinstance(cfg.get("Labels"), dict):
        fail("Config.Image/Labels: %r" % cfg)
    if not isinstance(cfg.get("Env"), list) or "Tty" not in cfg:
        fail("Config.Env/Tty: %r" % cfg)
    if c["Name"] != "/" + name:
        fail("Name %r" % c["Name"])
    if not c["HostConfig"].get("LogConfig", {}).get("Type"):
        fail("HostConfig.LogConfig.Type missing")
    if not c["NetworkSettings"].get("Networks"):
        fail("NetworkSettings.Networks empty: discovery drops the container")
    time.strptime(c["Created"][:19], "%Y-%m-%dT%H:%M:%S")
    return c


def follow_logs(cid, query, want_lines):
    """logs?follow=1...; returns the lines once want_lines are there."""
    st = Stream("GET", "/containers/%s/logs?%s" % (cid, query))
    if st.status != 200:
        fail("logs: %d" % st.status)
    ok = st.until(lambda r: all(w in r for w in want_lines))
    st.close()
    if not ok:
        fail("logs %s: got %r, want %r" % (query, st.raw, want_lines))
    return frames(st.raw)


def wait_event(st, pred, what):
    def found(raw):
        return any(pred(json.loads(ln)) for ln in raw.splitlines()
                   if ln.strip().endswith(b"}"))
    if not st.until(found):
        st.close()
        fail("no %s event: %r" % (what, st.raw))
    return [json.loads(ln) for ln in st.raw.splitlines() if ln.strip()]


def start(name):
    call("POST", "/containers/%s/start" % name, want=204)


def vector(run, late):
    # vectordotdev/vector src/sources/docker_logs/mod.rs (bollard): list
    # running containers, subscribe to container start events, inspect,
    # then logs with stdout/stderr, follow, timestamps and since.
    since = int(time.time()) - 60
    ev = Stream("GET", "/events?since=%d&filters=%s" % (int(time.time()), q(
        {"type": ["container"], "event": ["start", "unpause"]})))
    lst = getj("/containers/json?filters=" + q({"status": ["running"]}))
    ids = {c["Names"][0]: c["Id"] for c in lst}
    if "/" + run not in ids:
        fail("vector: %s not in the running list %r" % (run, ids))
    start(late)
    evs = wait_event(ev, lambda e: e["Action"] == "start" and
                     e["Actor"]["Attributes"].get("name") == late, "start")
    ev.close()
    if any(e["Action"] not in ("start", "unpause") for e in evs):
        fail("vector: event filter let through %r" % evs)
    c = inspect_for_shipper(run)
    lines = follow_logs(c["Id"], "stdout=1&stderr=1&follow=1&timestamps=1"
                        "&since=%d" % since, [b"ship-2"])
    ts, _, msg = lines[0].partition(" ")
    time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")
    if "." not in ts or msg != "ship-1":
        fail("vector: timestamped line %r" % lines[0])
    print("vector: %s %s %s, then start of %s" % (c["Name"], ts, msg, late))


def promtail(run, late):
    # prometheus/prometheus discovery/moby/docker.go (what Promtail and
    # Alloy use): ping, list containers with the configured filters, list
    # networks; a container without a network yields no target. Then
    # clients/pkg/promtail/targets/docker/target.go: inspect (for Tty),
    # logs follow+stdout+stderr+timestamps+since.
    ping()
    lst = getj("/containers/json?filters=" + q({"label": ["shipper=yes"]}))
    if [c["Names"][0] for c in lst] != ["/" + run]:
        fail("promtail: label filter gave %r" % [c["Names"] for c in lst])
    nets = getj("/networks")
    c = lst[0]
    targets = [(n, c["Id"]) for n in c.get("NetworkSettings", {})
               .get("Networks", {})]
    if not targets:
        fail("promtail: list entry without networks: no target")
    if not any(n.get("Name") == targets[0][0] for n in nets):
        fail("promtail: network %s not in /networks" % targets[0][0])
    ins = inspect_for_shipper(run)
    tty = ins["Config"]["Tty"]
    lines = follow_logs(c["Id"], "follow=true&stdout=true&stderr=true"
                        "&timestamps=true&since=0", [b"ship-2"])
    print("promtail: target __meta_docker_container_name=%s network=%s "
          "tty=%s lines=%d" % (ins["Name"], targets[0][0], tty, len(lines)))


def fluentbit(run, late):
    # fluent/fluent-bit plugins/in_docker_events/docker_events.c: connects
    # to the unix socket and writes a bare "GET /events HTTP/1.0" without
    # Host, then reads JSON lines until the daemon closes.
    ev = Stream("GET", "/events", ver="1.0", host=False)
    if ev.status != 200 or ev.chunked:
        fail("fluentbit: %d chunked=%s" % (ev.status, ev.chunked))
    start(late)
    evs = wait_event(ev, lambda e: e["Action"] == "die" and
                     e["Actor"]["Attributes"].get("name") == late, "die")
    ev.close()
    acts = [e["Action"] for e in evs]
    if acts[:1] != ["start"]:
        fail("fluentbit: events %r" % acts)
    print("fluentbit: %s" % " ".join(acts))


def dozzle(run, late):
    # amir20/dozzle internal/docker/client.go: ping, version/info for the
    # host, list all containers, inspect, events, then logs with
    # stdout/stderr, timestamps, follow, tail and since.
    h = ping()
    ver = getj("/version")
    info = getj("/info")
    for k in ("ApiVersion", "Version", "Os"):
        if not ver.get(k):
            fail("dozzle: /version without %s" % k)
    for k in ("ID", "Name", "NCPU", "MemTotal", "ServerVersion"):
        if k not in info:
            fail("dozzle: /info without %s" % k)
    lst = getj("/containers/json?all=1")
    names = {c["Names"][0]: c for c in lst}
    if "/" + run not in names or "/" + late not in names:
        fail("dozzle: all=1 list %r" % list(names))
    if names["/" + run]["State"] != "running":
        fail("dozzle: state %r" % names["/" + run]["State"])
    ev = Stream("GET", "/events")
    ins = inspect_for_shipper(run)
    lines = follow_logs(ins["Id"], "stdout=1&stderr=1&timestamps=1&follow=1"
                        "&tail=300&since=0", [b"ship-2"])
    call("POST", "/containers/%s/kill?signal=CONT" % run, want=204)
    wait_event(ev, lambda e: e["Action"] == "kill", "kill")
    ev.close()
    print("dozzle: host %s api %s, %s (%s) %d lines" % (
        info["Name"], h["api-version"], ins["Name"], ins["State"]["Status"],
        len(lines)))


def logspout(run, late):
    # gliderlabs/logspout router/pump.go: list running containers, inspect
    # each, listen to events, and follow logs with stdout/stderr, tail=all
    # and since (the time it last saw the container).
    ev = Stream("GET", "/events")
    lst = getj("/containers/json")
    if "/" + run not in [c["Names"][0] for c in lst]:
        fail("logspout: %s not listed" % run)
    ins = inspect_for_shipper(run)
    if ins["Config"]["Tty"]:
        fail("logspout: Tty container")
    lines = follow_logs(ins["Id"], "follow=1&stdout=1&stderr=1&tail=all"
                        "&since=0", [b"ship-1", b"ship-2"])
    if lines != ["ship-1", "ship-2"]:
        fail("logspout: lines %r" % lines)
    start(late)
    wait_event(ev, lambda e: e.get("status") == "start" and
               e.get("id", "").startswith(getj("/containers/%s/json" %
                                                late)["Id"]), "start")
    ev.close()
    print("logspout: # %s: %s" % (ins["Name"][1:], " | ".join(lines)))


def main(argv):
    global SOCK
    SOCK = argv[1]
    {"vector": vector, "promtail": promtail, "fluentbit": fluentbit,
     "dozzle": dozzle, "logspout": logspout}[argv[2]](argv[3], argv[4])


if __name__ == "__main__":
    main(sys.argv)
