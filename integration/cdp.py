#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small Chrome DevTools Protocol client, standard library only.

Python's standard library has no websocket client, so this holds the
part of RFC 6455 the protocol needs: the opening handshake, masked text
frames out, text/continuation/ping/close frames in. Then Browser starts
Debian's chromium headless on a private profile, and Page drives one tab
through a flat session (Target.attachToTarget with flatten).
"""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time


class WebSocket:
    def __init__(self, host, port, path, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)
        ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            b = self.sock.recv(4096)
            if not b:
                raise ConnectionError("websocket handshake: connection closed")
            head += b
        head, _, self.buf = head.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError("websocket handshake: %r" % head[:80])

    def _read(self, n):
        while len(self.buf) < n:
            b = self.sock.recv(max(65536, n - len(self.buf)))
            if not b:
                raise ConnectionError("websocket closed")
            self.buf += b
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def recv(self):
        """The next text message (fragments joined); pings answered."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0F
            if op == 0x9:
                self._send_frame(0xA, data)
                continue
            if op == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if op in (0x0, 0x1, 0x2):
                parts.append(data)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class CDPError(Exception):
    pass


class Connection:
    """One websocket to the browser; commands by id, events queued."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, session=None, timeout=15):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        self.ws.sock.settimeout(timeout)
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def pump(self, seconds):
        """Reads events for a while (nothing to send)."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.ws.sock.settimeout(left)
            try:
                m = json.loads(self.ws.recv())
            except (socket.timeout, TimeoutError):
                return
            if "method" in m:
                self.events.append(m)


class Browser:
    """Debian's chromium, headless, on a throwaway profile."""

    def __init__(self, tmpdir=None, width=1280, height=800):
        exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or \
            shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError("chromium not found: scripts/deps.sh installs it")
        self.profile = tempfile.mkdtemp(prefix="lpchrome.", dir=tmpdir)
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        # Nothing that phones home: the page must need no network but ours.
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-default-apps",
                "--metrics-recording-only", "--mute-audio",
                "--window-size=%d,%d" % (width, height),
                "--user-data-dir=" + self.profile,
                "--remote-debugging-port=0", "about:blank"]
        # Its own process group: a kill takes every chromium process.
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _ in range(400):
            if os.path.exists(port_file):
                lines = open(port_file).read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    break
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited %d" % self.proc.returncode)
            time.sleep(0.025)
        else:
            raise RuntimeError("chromium did not open its DevTools port")
        self.conn = Connection(WebSocket("127.0.0.1", int(lines[0]),
                                         lines[1].strip()))

    def new_page(self, url):
        target = self.conn.call("Target.createTarget",
                                {"url": "about:blank"})["targetId"]
        session = self.conn.call("Target.attachToTarget",
                                 {"targetId": target,
                                  "flatten": True})["sessionId"]
        page = Page(self, target, session)
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Network.enable")
        page.goto(url)
        return page

    def kill(self):
        """SIGKILL to the whole browser: no chance to close anything."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close(self):
        self.conn.ws.close()
        self.kill()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser, target, session):
        self.browser = browser
        self.target = target
        self.session = session

    def call(self, method, params=None, timeout=15):
        return self.browser.conn.call(method, params, self.session, timeout)

    def goto(self, url):
        self.call("Page.navigate", {"url": url})

    def eval(self, expr):
        """Evaluates expr in the page (promises awaited); its JSON value."""
        r = self.call("Runtime.evaluate", {"expression": expr,
                                           "awaitPromise": True,
                                           "returnByValue": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("in page: %s" % d.get("exception", {}).get(
                "description", d.get("text")))
        return r["result"].get("value")

    def wait(self, expr, timeout=5.0, what=None):
        """Polls expr until it is truthy; its value, or an error."""
        end = time.monotonic() + timeout
        while True:
            try:
                v = self.eval(expr)
            except CDPError:
                v = None
            if v:
                return v
            if time.monotonic() > end:
                raise CDPError("timed out after %.1f s waiting for %s" %
                               (timeout, what or expr))
            time.sleep(0.02)

    def key(self, key, code=None):
        """A key press as the keyboard sends it (keydown, char, keyup)."""
        base = {"key": key, "code": code or ("Key" + key.upper()
                                             if len(key) == 1 else key)}
        self.call("Input.dispatchKeyEvent", dict(base, type="keyDown",
                                                 text=key if len(key) == 1
                                                 else ""))
        self.call("Input.dispatchKeyEvent", dict(base, type="keyUp"))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def requests(self):
        """URLs the page asked the network for, so far."""
        return [e["params"]["request"]["url"]
                for e in self.browser.conn.events
                if e.get("method") == "Network.requestWillBeSent" and
                e.get("sessionId") == self.session]

    def close(self):
        self.browser.conn.call("Target.closeTarget",
                               {"targetId": self.target})
