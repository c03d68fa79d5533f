#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The log viewer in a real headless Chromium (integration/81, 82).

  uiclient.py page SOCK URL MARKER [--screenshot PNG]
      The page lists the containers (live, through /events), shows lines
      as they are written, stdout and stderr apart, ANSI colours, and its
      filter, timestamps, tail, pause, wrap, download and keys work; it
      fits a phone and asks nothing of any other host.
  uiclient.py release SOCK URL
      Closing the tab, navigating away, 100 container switches, a reload
      and the browser killed: after each the daemon is back at its
      baseline, with no logs or events task left.

Containers alpha and beta are the shell script's (81 and 82 describe them).
"""
import http.client
import json
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lpclient  # noqa: E402
from cdp import Browser, CDPError  # noqa: E402


T0 = time.monotonic()


def log(msg):
    print("uiclient: %5.2f s: %s" % (time.monotonic() - T0, msg),
          file=sys.stderr, flush=True)


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def api(sock, method, path, body=None):
    c = UnixHTTP(sock)
    headers = {"Content-Type": "application/json"} if body is not None \
        else {}
    c.request(method, path, json.dumps(body) if body is not None else None,
              headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status >= 300:
        raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data))
    return json.loads(data) if data else None


def kinds(sock):
    return json.loads(lpclient.get(sock, "/debug/vars"))["tasks_by_kind"]


def stream_ids(sock):
    tasks = json.loads(lpclient.get(sock, "/debug/tasks"))
    return {t["id"] for t in tasks if t["kind"] == "api.logs_container"}


def idle_connections(port):
    """The daemon's ESTABLISHED sockets on the UI port (each one fd)."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "01":
                n += 1
    return n


def released(sock, base, port, what, strict=False, timeout_ms=2000):
    """Tasks back at the baseline, no logs or events task in the dump,
    fds back too: strict, or but for the browser's idle keep-alive
    connections (each an fd with no request on it: the tasks say so)."""
    start = time.monotonic()
    while True:
        tasks, fds, dump = lpclient.figures(sock)
        idle = 0 if strict else idle_connections(port)
        if tasks == base[0] and fds == base[1] + idle and \
                "logs_container" not in dump and \
                "events_subscribe" not in dump:
            ms = (time.monotonic() - start) * 1000
            log("%s: released in %.0f ms (tasks %d, fds %d + %d idle "
                "keep-alive)" % (what, ms, tasks, base[1], idle))
            return ms
        if (time.monotonic() - start) * 1000 > timeout_ms:
            raise AssertionError(
                "%s: not at baseline after %d ms: tasks %d (want %d), fds "
                "%d (want %d + %d idle)\n%s" % (what, timeout_ms, tasks,
                                                 base[0], fds, base[1], idle,
                                                 dump))
        time.sleep(0.005)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def holding(sock, panes, what):
    """The page holds what it should before it leaves (not a vacuous
    check): one events stream and one logs stream per pane."""
    end = time.monotonic() + 3
    while True:
        k = kinds(sock)
        if k.get("api.logs_container", 0) == panes and \
                k.get("api.events_subscribe", 0) == 1:
            return
        if time.monotonic() > end:
            raise AssertionError("%s: want %d logs streams and one events "
                                 "stream, have %s" % (what, panes, k))
        time.sleep(0.01)


LIVE = "document.querySelectorAll('.pane[data-state=live]').length"


def line_with(text, cls="l"):
    return ("[...document.querySelectorAll('.%s')].some(e => "
            "e.lpText === %s)" % (cls, json.dumps(text)))


def pane_js(name):
    return "document.querySelector('.pane[data-name=%s]')" % name


def page_test(sock, url, marker, shot):
    origin = re.match(r"(http://[^/]+)", url).group(1)
    b = Browser(tmpdir=os.environ.get("LP_DIR"))
    try:
        p = b.new_page(url)
        p.wait("document.querySelectorAll('#containers li').length == 2",
               5, "the list of two running containers")
        rows = p.eval("[...document.querySelectorAll('#containers li')]"
                      ".map(l => [l.dataset.name, l.querySelector('.cstate')"
                      ".textContent, l.querySelector('.cimg').textContent, "
                      "l.querySelector('.cup').textContent])")
        expect([r[:3] for r in rows] == [["alpha", "running", "busybox"],
                                         ["beta", "running", "busybox"]],
               "list: %r" % rows)
        expect(all(r[3].startswith("Up ") for r in rows), "uptime: %r" % rows)

        # The list is live: a container started now appears, and goes.
        api(sock, "POST", "/containers/create?name=gamma",
            {"Image": "busybox", "Cmd": ["sleep", "60"],
             "Labels": {"m": marker}})
        api(sock, "POST", "/containers/gamma/start")
        p.wait("!!document.querySelector('#containers li[data-name=gamma]')",
               3, "gamma in the list (events)")
        api(sock, "DELETE", "/containers/gamma?force=1")
        p.wait("!document.querySelector('#containers li[data-name=gamma]')",
               3, "gamma gone from the list")

        # Follow alpha (the key 1: the first container), then beta beside.
        p.key("1", "Digit1")
        p.wait(LIVE + " == 1 && " + line_with("alpha ready"), 5,
               "alpha followed")
        expect(p.eval("!!document.querySelector('.l.out .f1') && "
                      "document.querySelector('.l.out .f1').textContent == "
                      "'red alert'"), "ANSI red not rendered")
        expect(not p.eval("document.body.innerText.includes('\\x1b')"),
               "escape bytes shown")
        lat = []
        for k in range(1, 4):
            t0 = time.monotonic()
            api(sock, "POST", "/containers/alpha/kill?signal=USR1")
            p.wait(line_with("alpha tick %d" % k, "l.out") + " && " +
                   line_with("alpha oops %d" % k, "l.err"), 3,
                   "alpha tick %d on stdout and stderr" % k)
            lat.append((time.monotonic() - t0) * 1000)
        log("lines as written: on the page %s ms after the signal" %
            ", ".join("%.0f" % x for x in lat))
        p.eval("document.querySelector('#containers li[data-name=beta] "
               ".add').click()")
        p.wait(LIVE + " == 2 && " + line_with("beta req 150 status FAIL"),
               5, "beta beside alpha")
        side = p.eval("[...document.querySelectorAll('.pane')].map(e => "
                      "e.getBoundingClientRect().left)")
        expect(len(side) == 2 and side[0] < side[1], "side by side: %r" %
               side)
        expect(p.eval(pane_js("beta") + ".querySelectorAll('.l.out').length")
               == 150, "beta's 150 lines")

        # Filter: text (smart case), then a regex; the count is right.
        p.key("/", "Slash")
        expect(p.eval("document.activeElement.id") == "filter",
               "/ focuses the filter")
        for text, regex, want in (("fail", False, 50), ("FAIL", False, 50),
                                  ("Fail", False, 0),
                                  ("^beta req [0-9]*5 status", True, 15)):
            p.eval("(() => { const f = document.getElementById('filter'); "
                   "document.getElementById('regex').checked = %s; "
                   "f.value = %s; f.dispatchEvent(new Event('input')); })()"
                   % ("true" if regex else "false", json.dumps(text)))
            p.wait("document.getElementById('count').dataset.matches == %d"
                   % want, 2, "%d matches for %r" % (want, text))
            shown = p.eval("[...document.querySelectorAll('.l:not(.hide)"
                           ":not(.note)')].map(e => e.lpText)")
            expect(len(shown) == want, "%r: %d shown" % (text, len(shown)))
            pat = re.compile(text if regex else re.escape(text),
                             0 if text != text.lower() else re.I)
            expect(all(pat.search(s) for s in shown), "%r shows %r" %
                   (text, shown[:3]))
        p.key("Escape", "Escape")
        p.wait("document.getElementById('filter').value === '' && "
               "document.querySelectorAll('.l.hide').length == 0", 2,
               "Escape clears the filter")
        p.eval("document.getElementById('filter').blur()")

        # Timestamps off and on (t); wrap (w) on a 400-character line.
        ts = "getComputedStyle(document.querySelector('.ts')).display"
        p.key("t")
        p.wait(ts + " == 'none'", 2, "timestamps hidden")
        p.key("t")
        p.wait(ts + " != 'none'", 2, "timestamps shown")
        box = pane_js("alpha") + ".querySelector('.lines')"
        expect(p.eval(box + ".scrollWidth <= " + box + ".clientWidth"),
               "wrapped: no horizontal scroll")
        p.key("w")
        p.wait(box + ".scrollWidth > " + box + ".clientWidth", 2,
               "unwrapped: the long line scrolls")
        p.key("w")

        # Pause: lines keep coming, the view stays; resume goes down.
        bbox = pane_js("beta") + ".querySelector('.lines')"
        bottom = bbox + ".scrollHeight - " + bbox + ".clientHeight"
        p.wait(bbox + ".scrollTop > 0 && " + bbox + ".scrollTop >= " +
               bottom + " - 8", 2, "beta scrolled to its end")
        p.key("p")
        top = p.eval(bbox + ".scrollTop")
        for k in range(1, 11):  # one at a time: signals coalesce
            api(sock, "POST", "/containers/beta/kill?signal=USR1")
            p.wait(line_with("beta tick %d" % k), 3,
                   "beta's tick %d while paused" % k)
        expect(p.eval(bbox + ".scrollTop") == top, "paused, yet scrolled")
        p.key("p")
        p.wait(bbox + ".scrollTop >= " + bottom + " - 8", 2,
               "resumed: at the end again")

        # Download what is shown (a filter on): the file is those lines.
        dl = tempfile.mkdtemp(prefix="lpdl.", dir=os.environ.get("LP_DIR"))
        b.conn.call("Browser.setDownloadBehavior",
                    {"behavior": "allow", "downloadPath": dl})
        p.eval("(() => { const f = document.getElementById('filter'); "
               "document.getElementById('regex').checked = false; "
               "f.value = 'tick'; f.dispatchEvent(new Event('input')); })()")
        p.wait("document.getElementById('count').dataset.matches == 13", 2,
               "13 ticks")
        p.eval(pane_js("beta") + ".querySelector('.dl').click()")
        path = os.path.join(dl, "beta.log")
        end = time.monotonic() + 5
        while not os.path.exists(path) and time.monotonic() < end:
            time.sleep(0.02)
        got = open(path).read().splitlines()
        expect([re.sub(r"^\S+ ", "", x) for x in got] ==
               ["beta tick %d" % k for k in range(1, 11)],
               "download: %r" % got[:3])
        expect(all(re.match(r"\d{4}-\d\d-\d\dT[\d:.]+Z ", x) for x in got),
               "download keeps the timestamps: %r" % got[:1])
        p.eval("(() => { const f = document.getElementById('filter'); "
               "f.value = ''; f.dispatchEvent(new Event('input')); })()")

        # tail: 100 of beta's 150 first lines (both panes re-follow).
        p.eval("(() => { const t = document.getElementById('tail'); "
               "t.value = '100'; t.dispatchEvent(new Event('change')); })()")
        p.wait(LIVE + " == 2 && " + pane_js("beta") +
               ".querySelectorAll('.l:not(.note)').length == 100", 3,
               "tail=100")
        first = p.eval(pane_js("beta") + ".querySelector('.l').lpText")
        expect(first == "beta req 61 status ok", "tail=100 starts at %r" %
               first)

        # since (tail all): the follows are asked again from a minute ago.
        p.eval("(() => { document.getElementById('tail').value = 'all'; "
               "const t = document.getElementById('since'); "
               "t.value = '60'; t.dispatchEvent(new Event('change')); })()")
        p.wait(LIVE + " == 2 && " + pane_js("beta") +
               ".querySelectorAll('.l:not(.note)').length == 160", 3,
               "since=1 min: all of beta's lines are younger")
        since = [int(m.group(1)) for m in
                 (re.search(r"/logs\?.*since=(\d+)", u) for u in p.requests())
                 if m]
        expect(len(since) == 2 and all(abs(x - (time.time() - 60)) < 10
                                       for x in since),
               "since= asked: %r" % since)

        if shot:
            p.call("Emulation.setEmulatedMedia", {"features": [
                {"name": "prefers-color-scheme", "value": "dark"}]})
            time.sleep(0.3)
            p.screenshot(shot)
            p.call("Emulation.setEmulatedMedia", {"features": []})
            log("screenshot: " + shot)

        # A phone: nothing wider than the screen, the panes stacked.
        p.call("Emulation.setDeviceMetricsOverride",
               {"width": 390, "height": 844, "deviceScaleFactor": 2,
                "mobile": True})
        p.wait("document.documentElement.scrollWidth <= 390", 2,
               "no horizontal overflow at 390 px")
        tops = p.eval("[...document.querySelectorAll('.pane')].map(e => "
                      "e.getBoundingClientRect().top)")
        expect(tops[0] < tops[1], "stacked on a phone: %r" % tops)
        p.call("Emulation.clearDeviceMetricsOverride")

        # Everything came from the daemon.
        other = [u for u in p.requests()
                 if not u.startswith(origin + "/") and
                 not u.startswith(("data:", "blob:", "about:"))]
        expect(other == [], "requests elsewhere: %r" % other)
        errors = [e["params"] for e in b.conn.events
                  if e.get("method") == "Runtime.exceptionThrown"]
        expect(errors == [], "page errors: %r" % errors)
        log("page: %d requests, all to %s" % (len(p.requests()), origin))
    finally:
        b.close()


def release_test(sock, url):
    port = int(re.match(r"http://[^/]+:(\d+)/", url).group(1))
    tasks, fds, _ = lpclient.figures(sock)
    base = (tasks, fds)
    both = url + "#f=alpha,beta"
    b = Browser(tmpdir=os.environ.get("LP_DIR"))
    try:
        # 1. The tab closed.
        p = b.new_page(both)
        p.wait(LIVE + " == 2", 5, "two panes live")
        holding(sock, 2, "before closing the tab")
        p.close()
        released(sock, base, port, "tab closed")

        # 2. Navigating away.
        p = b.new_page(both)
        p.wait(LIVE + " == 2", 5, "two panes live")
        holding(sock, 2, "before navigating away")
        p.goto("about:blank")
        released(sock, base, port, "navigated away")
        p.close()

        # 3. Switching container 100 times, each time once it is live.
        p = b.new_page(url + "#f=alpha")
        p.wait(LIVE + " == 1", 5, "alpha live")
        t0 = time.monotonic()
        for i in range(100):
            name = "beta" if i % 2 == 0 else "alpha"
            p.eval("document.querySelector('#containers li[data-name=%s] "
                   ".pick').click()" % name)
            p.wait(LIVE + " == 1 && document.querySelector('.pane')"
                   ".dataset.name == '%s'" % name, 3, "switch %d" % i)
        log("100 switches in %.1f s" % (time.monotonic() - t0))
        holding(sock, 1, "after 100 switches")
        p.close()
        released(sock, base, port, "after 100 switches, tab closed")

        # 4. Reload: the old streams go, the page's new ones replace them.
        p = b.new_page(both)
        p.wait(LIVE + " == 2", 5, "two panes live")
        holding(sock, 2, "before reload")
        old = stream_ids(sock)
        p.call("Page.reload")
        end = time.monotonic() + 3
        while True:
            now = stream_ids(sock)
            if len(now) == 2 and not (now & old) and p.eval(LIVE) == 2:
                break
            if time.monotonic() > end:
                raise AssertionError("reload: streams %r, before %r" %
                                     (now, old))
            time.sleep(0.01)
        holding(sock, 2, "after reload")
        log("reload: streams %s replaced by %s" % (sorted(old), sorted(now)))

        # 5. The browser killed with the page open: every fd comes back.
        b.kill()
        released(sock, base, port, "browser killed", strict=True)
    finally:
        b.close()


def main():
    a = sys.argv[1:]
    try:
        if a[0] == "page":
            shot = a[a.index("--screenshot") + 1] if "--screenshot" in a \
                else None
            page_test(a[1], a[2], a[3], shot)
        elif a[0] == "release":
            release_test(a[1], a[2])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (AssertionError, CDPError) as e:
        log("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
