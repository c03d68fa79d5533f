#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Logs benchmarks over the Docker API, side by side.

Talks to any Docker-compatible daemon on a unix socket (logpouchd, dockerd),
runs the same figures on each, alternating the daemons run by run, and prints
median [min..max] per figure plus the ratio logpouchd / dockerd. Python
standard library only; bench/lpread.c (built on the fly) reads the large
responses so that a million-frame read is timed at the daemon's speed.

    lpbench.py --sock A.sock [--sock B.sock] [--runs 3] [--json out.json]

Each --sock may be NAME=PATH (default names: the daemon's /version Server).
"""

import argparse
import http.client
import json
import os
import platform
import re
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = "x" * 79                 # + "\n": 80-byte lines
SH = "/bin/sh"
LIMIT = "limit"                 # bench/fanlimit.c's column


# --------------------------------------------------------------------------
# HTTP over a unix socket

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("docker", timeout=timeout)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


class Daemon:
    def __init__(self, name, sock):
        self.name = name
        self.sock = sock
        self.pid = find_listener_pid(sock)
        self.kind = None
        self.seq = 0
        self.created = []
        self.ctl = None

    def call(self, method, path, body=None, timeout=120):
        """One request on a kept-alive control connection: opened before
        any follower, it still works when a daemon has run out of fds and
        cannot accept (dockerd at 10,000 followers)."""
        hdrs = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.ctl is None:
                self.ctl = UnixHTTPConnection(self.sock, timeout)
            c = self.ctl
            c.timeout = timeout
            if c.sock is not None:
                c.sock.settimeout(timeout)
            try:
                c.request(method, path, data, hdrs)
                r = c.getresponse()
                out = r.read()
                break
            except (http.client.HTTPException, ConnectionError,
                    BrokenPipeError):
                c.close()
                self.ctl = None
                if attempt == 1:
                    raise
        if r.will_close:
            c.close()
            self.ctl = None
        if r.status >= 400:
            raise RuntimeError("%s %s %s: %d %s" % (self.name, method, path,
                               r.status, out[:200]))
        if out and r.getheader("Content-Type", "").startswith(
                "application/json"):
            return json.loads(out)
        return out

    def info(self):
        return self.call("GET", "/info")

    def create(self, cmd, start=True):
        self.seq += 1
        name = "lpbench-%d-%d" % (os.getpid(), self.seq)
        body = {"Image": "busybox:latest", "Cmd": [SH, "-c", cmd],
                "HostConfig": {"NetworkMode": "none"},
                "AttachStdout": False, "AttachStderr": False}
        cid = self.call("POST", "/containers/create?name=" + name,
                        body)["Id"]
        self.created.append(cid)
        if start:
            self.call("POST", "/containers/%s/start" % cid)
        return cid

    def kill(self, cid):
        try:
            self.call("POST", "/containers/%s/kill" % cid)
        except RuntimeError:
            pass
        self.call("POST", "/containers/%s/wait" % cid)

    def remove_all(self):
        for cid in self.created:
            try:
                self.call("DELETE", "/containers/%s?force=1" % cid)
            except (RuntimeError, OSError):
                pass
        self.created = []

    def cpu_secs(self):
        """CPU time of all the daemon's threads, to the nanosecond
        (schedstat; /proc/PID/stat counts 10 ms ticks)."""
        ns = 0
        tasks = "/proc/%d/task" % self.pid
        for t in os.listdir(tasks):
            try:
                with open("%s/%s/schedstat" % (tasks, t)) as f:
                    ns += int(f.read().split()[0])
            except (OSError, ValueError):
                pass            # a thread that just ended
        return ns / 1e9

    def rss(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def heap(self):
        """malloc'ed bytes in use (logpouchd's /debug/vars), else None."""
        if self.kind != "logpouchd":
            return None
        try:
            return self.call("GET", "/debug/vars")["heap_in_use"]
        except (RuntimeError, KeyError):
            return None

    def logs_tasks(self):
        """Live logs tasks in the Go-style dump (debug=2)."""
        dump = self.call("GET", "/debug/pprof/goroutine?debug=2").decode(
            errors="replace")
        n = 0
        for block in dump.split("\n\n"):
            if self.kind == "logpouchd":
                if "logs_container" in block:
                    n += 1
            elif re.search(r"ContainerLogs|getContainersLogs|WriteLogStream|"
                           r"loggerutils\.|JSONFileLogger\)\.readLogs", block):
                n += 1
        return n


def find_listener_pid(path):
    """The pid of the process holding the listening unix socket path."""
    inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and parts[7] == path:
                inodes.add(parts[6])
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    raise SystemExit("no process listens on %s" % path)


# --------------------------------------------------------------------------
# Streaming clients

def helper(name):
    """bench/NAME.c, built on the fly into LPBENCH_BUILD."""
    out = os.path.join(os.environ.get("LPBENCH_BUILD", "/tmp"),
                       "%s-%d" % (name, os.getuid()))
    src = os.path.join(HERE, name + ".c")
    if (not os.path.exists(out) or
            os.path.getmtime(out) < os.path.getmtime(src)):
        subprocess.check_call(["cc", "-O2", "-o", out, src])
    return out


def lpread_binary():
    return helper("lpread")


def fanlimit(n):
    """The machine's limit for figure 3: bench/fanlimit.c, n others."""
    return json.loads(subprocess.check_output([helper("fanlimit"), str(n)]))


def run_limit(args):
    """The follow rows as a daemon that only wrote would have them."""
    res = {}
    for others, key in ((0, "follow"),
                        (args.follow_others,
                         "follow%d" % args.follow_others)):
        r = fanlimit(others)
        res[key + "_p50_ms"] = r["p50_ms"]
        res[key + "_p99_ms"] = r["p99_ms"]
    return res


def lpread(d, path):
    out = subprocess.check_output([lpread_binary(), d.sock, path])
    return json.loads(out)


def lpread_file(path):
    return json.loads(subprocess.check_output([lpread_binary(), "--file",
                                               path]))


def open_follow(sock_path, path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.sendall(("GET %s HTTP/1.1\r\nHost: docker\r\n\r\n" % path).encode())
    return s


def wait_headers(socks, timeout=60):
    """Reads each socket up to the end of its response headers; returns
    the sockets that got a 200 (a daemon out of fds answers fewer)."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    ok = []
    left = len(socks)
    deadline = time.monotonic() + timeout
    while left > 0 and time.monotonic() < deadline:
        for key, _ in sel.select(1):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            bufs[s] += data
            if not data or b"\r\n\r\n" in bufs[s]:
                sel.unregister(s)
                left -= 1
                if bufs[s].startswith(b"HTTP/1.1 200"):
                    ok.append(s)
    sel.close()
    for s in socks:
        s.setblocking(True)
    return ok


def open_followers(d, path, n, timeout=120):
    """Opens n followers; returns (all sockets, those answered 200)."""
    socks = []
    for _ in range(n):
        try:
            socks.append(open_follow(d.sock, path))
        except OSError as e:
            print("# %s: follower %d: %s" % (d.name, len(socks), e),
                  file=sys.stderr)
            break
    return socks, wait_headers(socks, timeout)


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


# --------------------------------------------------------------------------
# Figures

def fig_write(d, res, lines):
    """6. create -> start -> wait of the N-line container."""
    cmd = "yes %s | head -n %d" % (LINE, lines)
    t0 = time.monotonic()
    cid = d.create(cmd, start=False)
    d.call("POST", "/containers/%s/start" % cid)
    st = d.call("POST", "/containers/%s/wait" % cid)
    res["write_s"] = time.monotonic() - t0
    if st.get("StatusCode") != 0:
        raise RuntimeError("writer exited %r" % st)
    return cid


def fig_read(d, res, cid, lines):
    """1. full read, 7. CPU per MB, plus the client's and the file's cost."""
    path = "/containers/%s/logs?stdout=1" % cid
    c0 = d.cpu_secs()
    r = lpread(d, path)
    cpu = d.cpu_secs() - c0
    if r["frames"] != lines or not r["complete"]:
        raise RuntimeError("%s: read %d frames of %d" % (d.name, r["frames"],
                                                         lines))
    res["read_lps"] = r["frames"] / r["secs"]
    res["read_s"] = r["secs"]
    res["read_client_cpu_s"] = r["cpu"]
    res["read_mb"] = r["body"] / 1e6
    res["cpu_ms_per_mb"] = cpu * 1000 / (r["body"] / 1e6)
    logpath = d.call("GET", "/containers/%s/json" % cid)["LogPath"]
    f = lpread_file(logpath)
    res["file_read_lps"] = f["lines"] / f["secs"]


def fig_tail(d, res, cid, reps=20):
    """2. tail=100 of the big log, median of reps requests."""
    path = "/containers/%s/logs?stdout=1&tail=100" % cid
    ts = []
    for _ in range(reps):
        r = lpread(d, path)
        if r["frames"] != 100:
            raise RuntimeError("tail returned %d frames" % r["frames"])
        ts.append(r["secs"] * 1000)
    res["tail_ms"] = statistics.median(ts)


def fig_follow(d, res, others, samples=200):
    """3. follow latency: entry timestamp -> frame received.

    Measured by bench/lpfollow.c, the last follower to subscribe; the
    others read too (another lpfollow drains them), as bench/fanlimit.c's
    do: a follower whose socket is full would cost a daemon nothing."""
    cmd = 'i=0; while :; do echo "$i"; i=$((i+1)); sleep 0.02; done'
    cid = d.create(cmd)
    path = "/containers/%s/logs?stdout=1&follow=1&timestamps=1&tail=0" % cid
    extra = open_followers(d, path, others)[0] if others else []
    drainer = None
    if extra:
        fds = [x.fileno() for x in extra]
        drainer = subprocess.Popen([helper("lpfollow"), "drain"] +
                                   [str(f) for f in fds], pass_fds=fds)
    try:
        r = json.loads(subprocess.check_output(
            [helper("lpfollow"), "lat", d.sock, path, "5", str(samples)]))
    finally:
        if drainer is not None:
            drainer.terminate()
            drainer.wait()
    for x in extra:
        x.close()
    d.kill(cid)
    key = "follow%d" % others if others else "follow"
    res[key + "_p50_ms"] = r["p50_ms"]
    res[key + "_p99_ms"] = r["p99_ms"]


def fig_follow_cpu(d, res, batches=200, reps=5):
    """3. what one follower costs the daemon at 55,000 lines/s.

    The container writes each line with its own write(2), in bursts of
    550 lines every 10 ms (the rate of moby#37471), once without a
    follower and once with one (bench/lpread.c, reading as fast as it
    can); the difference in the daemon's CPU is the follower's, scaled to
    55,000 lines/s."""
    cmd = ('sleep 1; i=0; while [ $i -lt %d ]; do j=0; '
           'while [ $j -lt 550 ]; do echo %s; j=$((j+1)); done; '
           'usleep 10000; i=$((i+1)); done' % (batches, LINE))
    lines = batches * 550
    cost = {False: [], True: []}
    rate = []
    # Alternated, medians: how fast the shell writes varies run by run,
    # and with it how many lines the copier takes per read.
    for _ in range(reps):
        for follow in (False, True):
            cid = d.create(cmd, start=False)
            c0 = d.cpu_secs()
            t0 = time.monotonic()
            d.call("POST", "/containers/%s/start" % cid)
            if follow:
                r = lpread(d, "/containers/%s/logs?stdout=1&follow=1" % cid)
                if r["frames"] != lines:
                    raise RuntimeError("%s: follower got %d of %d lines" %
                                       (d.name, r["frames"], lines))
            d.call("POST", "/containers/%s/wait" % cid)
            cost[follow].append(d.cpu_secs() - c0)
            rate.append(lines / (time.monotonic() - t0 - 1))
    # Not clamped: a difference below the noise may come out negative.
    per_line = (statistics.median(cost[True]) -
                statistics.median(cost[False])) / lines
    res["follow_cpu_rate"] = statistics.median(rate)
    res["follow_cpu_pct"] = per_line * 55000 * 100


def settle(d, key, want, timeout=60):
    """Polls /info until key <= want; returns seconds taken or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        i = d.info()
        if all(i[k] <= want[k] for k in key):
            return time.monotonic() - t0
        time.sleep(0.001)
    return None


def fig_fanout(d, res, cid, n):
    """4. n idle followers: memory, fds, tasks each; release time."""
    path = "/containers/%s/logs?stdout=1&follow=1&tail=0" % cid
    time.sleep(0.2)
    i0 = d.info()
    rss0 = d.rss()
    heap0 = d.heap()
    socks, ok = open_followers(d, path, n, timeout=20)
    # logpouchd parks an idle follower's file after 1 s (one fd each).
    time.sleep(1.5)
    i1 = d.info()
    rss1 = d.rss()
    heap1 = d.heap()
    served = len(ok)
    for s in socks:
        s.close()
    rel = settle(d, ("NFd", "NGoroutines"), i0)
    res["fan%d_served" % n] = served
    if served:
        res["fan%d_rss_kib" % n] = (rss1 - rss0) / served / 1024
        if heap0 is not None:
            res["fan%d_heap_kib" % n] = (heap1 - heap0) / served / 1024
        res["fan%d_fds" % n] = (i1["NFd"] - i0["NFd"]) / served
        res["fan%d_tasks" % n] = (i1["NGoroutines"] -
                                  i0["NGoroutines"]) / served
    res["fan%d_release_ms" % n] = (rel * 1000 if rel is not None
                                   else float("nan"))


def fig_cancel(d, res, cid, n=200):
    """5. n follows aborted after 1 s: time until no logs task is left."""
    if d.logs_tasks() != 0:
        time.sleep(1)
    path = "/containers/%s/logs?stdout=1&follow=1&tail=0" % cid
    socks, ok = open_followers(d, path, n)
    time.sleep(1)
    seen = d.logs_tasks()
    t0 = time.monotonic()
    for s in socks:
        s.close()
    while d.logs_tasks() != 0:
        if time.monotonic() - t0 > 60:
            break
    res["cancel_ms"] = (time.monotonic() - t0) * 1000
    res["cancel_dump_blocks"] = seen
    res["cancel_served"] = len(ok)


def run_daemon(d, args):
    res = {}
    if args.only_follow:
        fig_follow(d, res, 0)
        fig_follow(d, res, args.follow_others)
        fig_follow_cpu(d, res)
        return res
    cid = fig_write(d, res, args.lines)
    fig_read(d, res, cid, args.lines)
    fig_tail(d, res, cid)
    # Fan-out first, on a heap not yet grown by the follow tests, so that
    # the RSS delta is the followers' own.
    idle = d.create("exec sleep 100000")
    time.sleep(0.3)
    for n in sorted(args.fanout, reverse=True):
        fig_fanout(d, res, idle, n)
    if not args.no_cancel:
        fig_cancel(d, res, idle)
    d.kill(idle)
    fig_follow(d, res, 0)
    fig_follow(d, res, args.follow_others)
    fig_follow_cpu(d, res)
    d.remove_all()
    return res


# --------------------------------------------------------------------------
# Report

ROWS = [
    # key, label, unit, higher is better
    ("read_lps", "1. full read (1M x 80 B lines)", "lines/s", True),
    ("read_s", "   full read time", "s", False),
    ("read_client_cpu_s", "   client CPU for it", "s", False),
    ("file_read_lps", "   reading the log file (page cache)", "lines/s",
     True),
    ("tail_ms", "2. tail=100", "ms", False),
    ("follow_p50_ms", "3. follow latency p50, idle", "ms", False),
    ("follow_p99_ms", "   follow latency p99, idle", "ms", False),
    ("follow{F}_p50_ms", "   p50, {F} other followers", "ms", False),
    ("follow{F}_p99_ms", "   p99, {F} other followers", "ms", False),
    ("follow_cpu_pct", "   one follower of 55,000 lines/s: daemon CPU",
     "% core", False),
    ("follow_cpu_rate", "   (the writer's measured rate)", "lines/s", True),
    ("fan{N}_served", "4. idle followers answered, N={N}", "", True),
    ("fan{N}_rss_kib", "   RSS per idle follower, N={N}", "KiB", False),
    ("fan{N}_heap_kib", "   malloc heap per idle follower, N={N}",
     "KiB", False),
    ("fan{N}_fds", "   fds per follower, N={N}", "fd", False),
    ("fan{N}_tasks", "   tasks per follower, N={N}", "task", False),
    ("fan{N}_release_ms", "   back to baseline after close, N={N}", "ms",
     False),
    ("cancel_ms", "5. 200 aborted follows: no logs task", "ms", False),
    ("write_s", "6. write 1M lines (create->exit)", "s", False),
    ("cpu_ms_per_mb", "7. daemon CPU per streamed MB", "ms/MB", False),
]


def expand_rows(args):
    rows = []
    for key, label, unit, hib in ROWS:
        if "{N}" in key:
            for n in args.fanout:
                rows.append((key.replace("{N}", str(n)),
                             label.replace("{N}", str(n)), unit, hib))
        elif "{F}" in key:
            f = str(args.follow_others)
            rows.append((key.replace("{F}", f), label.replace("{F}", f),
                         unit, hib))
        else:
            rows.append((key, label, unit, hib))
    return rows


def fmt(v):
    if v is None or v != v:
        return "-"
    a = abs(v)
    if a >= 1e6:
        return "%.2fM" % (v / 1e6)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%d cores, %s, Linux %s" % (os.cpu_count(), model,
                                        platform.release())


def summary(results, names, rows):
    out = {}
    for name in names:
        out[name] = {}
        for key, *_ in rows:
            vals = [r[key] for r in results[name]
                    if key in r and r[key] == r[key]]
            if vals:
                out[name][key] = (statistics.median(vals), min(vals),
                                  max(vals))
    return out


def ratio_cell(summ, a, b, key):
    x, y = summ.get(a, {}).get(key), summ.get(b, {}).get(key)
    if x and y and y[0] != 0:
        return "%s×" % fmt(x[0] / y[0])
    return "-"


def print_table(daemons, summ, rows, args):
    names = [d.name for d in daemons]
    print("# logpouch logs benchmark: %s" % machine())
    print("# %d runs, daemons alternated; median [min..max]; %s" %
          (args.runs, ", ".join("%s = %s (%s)" % (d.name, d.sock,
                                                  d.version)
                                for d in daemons)))
    # The limit column: bench/fanlimit.c, only the follow rows have one.
    cols = names + [LIMIT]
    ratios = []
    if len(names) == 2:
        ratios.append((names[0], names[1]))
    ratios.append((names[0], LIMIT))
    hdr = "| figure | unit | " + " | ".join(cols)
    hdr += "".join(" | %s / %s" % r for r in ratios)
    print(hdr + " |")
    print("|" + "---|" * (2 + len(cols) + len(ratios)))
    for key, label, unit, hib in rows:
        if all(summ[n].get(key) is None for n in cols):
            continue            # a figure this run left out
        cells = []
        for n in cols:
            v = summ[n].get(key)
            cells.append("-" if v is None else "%s [%s..%s]" % (
                fmt(v[0]), fmt(v[1]), fmt(v[2])))
        line = "| %s | %s | %s" % (label, unit, " | ".join(cells))
        for a, b in ratios:
            line += " | " + ratio_cell(summ, a, b, key)
        print(line + " |")


def main():
    # A TERM (make interrupted, timeout) still removes our containers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sock", action="append", required=True,
                    help="[NAME=]PATH of a daemon's unix socket")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--fanout", default="1000,10000")
    ap.add_argument("--follow-others", type=int, default=1000)
    ap.add_argument("--no-cancel", action="store_true")
    ap.add_argument("--only-follow", action="store_true",
                    help="figure 3 alone (and its limit column)")
    ap.add_argument("--json", help="write every run's figures here")
    args = ap.parse_args()
    args.fanout = [int(x) for x in args.fanout.split(",") if x]

    # Followers cost the client one fd each, the daemon one or more: raise
    # both limits as far as the hard limit allows.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    daemons = []
    for spec in args.sock:
        name, _, path = spec.rpartition("=")
        d = Daemon(name, path)
        v = d.call("GET", "/version")
        d.version = v.get("Version", "?")
        comp = json.dumps(v.get("Components", "")).lower()
        d.kind = "logpouchd" if ("logpouch" in comp or "logpouch" in
                                 json.dumps(v).lower()) else "dockerd"
        d.name = name or d.kind
        # Followers need fds on the daemon side too: raise its limit.
        try:
            lim = resource.prlimit(d.pid, resource.RLIMIT_NOFILE)
            if lim[0] < lim[1]:
                resource.prlimit(d.pid, resource.RLIMIT_NOFILE,
                                 (lim[1], lim[1]))
        except (OSError, ValueError) as e:
            print("# cannot raise %s's fd limit: %s" % (d.name, e),
                  file=sys.stderr)
        daemons.append(d)
    lpread_binary()
    rows = expand_rows(args)
    results = {d.name: [] for d in daemons}
    results[LIMIT] = []
    for run in range(args.runs):
        order = daemons if run % 2 == 0 else list(reversed(daemons))
        for d in order:
            print("# run %d/%d: %s ..." % (run + 1, args.runs, d.name),
                  file=sys.stderr, flush=True)
            try:
                r = run_daemon(d, args)
            finally:
                d.remove_all()
            results[d.name].append(r)
            print("#   " + json.dumps({k: round(v, 4) for k, v in
                                       r.items()}), file=sys.stderr,
                  flush=True)
        results[LIMIT].append(run_limit(args))
    summ = summary(results, [d.name for d in daemons] + [LIMIT], rows)
    print_table(daemons, summ, rows, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "runs": results,
                       "daemons": {d.name: {"sock": d.sock,
                                            "version": d.version}
                                   for d in daemons}}, f, indent=1)


if __name__ == "__main__":
    main()
