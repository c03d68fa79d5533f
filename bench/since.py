#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""since in the middle of a large log: time to the first frame, side by side.

Figure 8 of docs/benchmarks.md. A container writes N 80-byte lines (about
151 bytes each as json-file, so 1,000,000 lines are ~150 MB); the time of
the middle entry is taken from the first frame of tail=N/2; then
`logs?since=<that>` is timed from connecting to the first whole frame,
which must be that entry. The same for a since..until window of 1,000
entries, to its last byte. Optionally the same on a log of 10,000,000
lines across rotated files (max-size 200m, max-file 10).

    since.py --sock A.sock [--sock B.sock] [--lines 1000000]
             [--big-lines 10000000] [--big-only NAME,...] [--reps 20]

Each --sock may be NAME=PATH. Python standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lpbench  # noqa: E402


def create(d, lines, log_config=None):
    """A container printing lines 80-byte lines; returns once it exited."""
    d.seq += 1
    body = {"Image": "busybox:latest",
            "Cmd": [lpbench.SH, "-c", "yes %s | head -n %d" %
                    (lpbench.LINE, lines)],
            "HostConfig": {"NetworkMode": "none"},
            "AttachStdout": False, "AttachStderr": False}
    if log_config:
        body["HostConfig"]["LogConfig"] = {"Type": "json-file",
                                           "Config": log_config}
    name = "lpsince-%d-%d" % (os.getpid(), d.seq)
    cid = d.call("POST", "/containers/create?name=" + name, body)["Id"]
    d.created.append(cid)
    t0 = time.monotonic()
    d.call("POST", "/containers/%s/start" % cid)
    st = d.call("POST", "/containers/%s/wait" % cid, timeout=600)
    if st.get("StatusCode") != 0:
        raise RuntimeError("writer exited %r" % st)
    return cid, time.monotonic() - t0


def first_frame(d, path):
    """(seconds from connect to the first whole frame, its first bytes),
    read by bench/lpread.c, which then hangs up."""
    r = json.loads(subprocess.check_output([lpbench.lpread_binary(),
                                            d.sock, path, "first"]))
    if r["frame"] < 0:
        raise RuntimeError("%s: no frame for %s" % (d.name, path))
    return r["frame"], r["first"].encode()


def entry_time(d, cid, back):
    """The time of the entry back entries before the end, as since text."""
    _, p = first_frame(d, "/containers/%s/logs?stdout=1&timestamps=1"
                       "&tail=%d" % (cid, back))
    ns = lpbench.parse_ts(p)
    return p[:30], "%d.%09d" % (ns // 1000000000, ns % 1000000000)


def figure(d, res, key, cid, lines, reps):
    ts_mid, since = entry_time(d, cid, lines // 2)
    _, until = entry_time(d, cid, lines // 2 - 999)
    time.sleep(0.5)             # the aborted tail reads end first
    base = "/containers/%s/logs?stdout=1&timestamps=1&since=%s" % (cid,
                                                                  since)
    firsts = []
    for _ in range(reps):
        secs, p = first_frame(d, base)
        if p[:30] != ts_mid:
            raise RuntimeError("%s: since %s began at %r, not %r" % (
                d.name, since, p[:30], ts_mid))
        firsts.append(secs * 1000)
        time.sleep(0.05)        # let an aborted stream go first
    windows = []
    for _ in range(reps):
        r = lpbench.lpread(d, base + "&until=" + until)
        if r["frames"] < 1000 or not r["complete"]:
            raise RuntimeError("%s: window sent %d frames" % (d.name,
                                                            r["frames"]))
        windows.append(r["secs"] * 1000)
    res[key + "_first_ms"] = statistics.median(firsts)
    res[key + "_first_min_ms"] = min(firsts)
    res[key + "_first_max_ms"] = max(firsts)
    res[key + "_window_ms"] = statistics.median(windows)


def run_daemon(d, args, big):
    res = {}
    cid, res["write_s"] = create(d, args.lines)
    reps = args.reps if d.kind == "logpouchd" else args.dockerd_reps
    figure(d, res, "m1", cid, args.lines, reps)
    d.remove_all()
    if big:
        cid, res["big_write_s"] = create(d, args.big_lines, {
            "max-size": "200m", "max-file": "10"})
        figure(d, res, "m10", cid, args.big_lines, reps)
        d.remove_all()
    return res


ROWS = [
    ("m1_first_ms", "8. since=middle, 1M lines (151 MB): first frame"),
    ("m1_window_ms", "   since..until, 1,000 entries there: whole reply"),
    ("m10_first_ms", "   since=middle, 10M lines, 8 files: first frame"),
    ("m10_window_ms", "   since..until, 1,000 entries there: whole reply"),
]


def fmt_cell(r, key):
    """median [min..max] for first frames, the median for windows."""
    if key not in r:
        return "-"
    k = key[:-len("_ms")]
    if k + "_min_ms" not in r:
        return lpbench.fmt(r[key])
    return "%s [%s..%s]" % (lpbench.fmt(r[key]), lpbench.fmt(r[k + "_min_ms"]),
                            lpbench.fmt(r[k + "_max_ms"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sock", action="append", required=True)
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--big-lines", type=int, default=10000000,
                    help="0: no rotated-files figure")
    ap.add_argument("--big-only", default="logpouchd",
                    help="daemons that also run the big log")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--dockerd-reps", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    daemons = []
    for spec in args.sock:
        name, _, path = spec.rpartition("=")
        d = lpbench.Daemon(name, path)
        v = d.call("GET", "/version")
        d.version = v.get("Version", "?")
        d.kind = ("logpouchd" if "logpouch" in json.dumps(v).lower()
                  else "dockerd")
        d.name = name or d.kind
        daemons.append(d)
    results = {}
    for d in daemons:
        print("# %s ..." % d.name, file=sys.stderr, flush=True)
        big = args.big_lines > 0 and (d.name in args.big_only.split(",") or
                                      d.kind in args.big_only.split(","))
        try:
            results[d.name] = run_daemon(d, args, big)
        finally:
            d.remove_all()
        print("#   " + json.dumps({k: round(v, 4) for k, v in
                                   results[d.name].items()}),
              file=sys.stderr, flush=True)
    names = [d.name for d in daemons]
    print("| figure | unit | " + " | ".join(names) + " |")
    print("|" + "---|" * (2 + len(names)))
    for key, label in ROWS:
        print("| %s | ms | %s |" % (label, " | ".join(
            fmt_cell(results[n], key) for n in names)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
