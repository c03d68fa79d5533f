#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile and soak clients for the integration tests (standard library).

  soakclient.py raw SOCK [WAIT_S]
      Sends stdin's bytes on one connection, reads until the daemon closes
      or WAIT_S (default 3) passes; prints the status line, or CLOSED when
      the daemon closed without answering, or SILENT.
  soakclient.py slow SOCK INTERVAL_S MAX_S [second|FIRST_PATH]
      Sends a request's headers one byte per INTERVAL_S; prints
      "dropped S" (seconds until the daemon closed) or "kept S". With
      "second" a /_ping goes first on the same connection; with a path, a
      GET of that path whose chunked reply is read to its last chunk.
  soakclient.py slowread SOCK PATH BYTES INTERVAL_S
      GETs PATH and reads its chunked reply BYTES at a time, one read per
      INTERVAL_S; prints "complete N S" (body bytes, seconds) when the
      final chunk came, or "cut N S" when the daemon closed before it.
  soakclient.py idle SOCK N MAX_S PINGSOCK
      Opens N connections that never send a byte; while they are open,
      checks that PINGSOCK answers /_ping; waits up to MAX_S for the daemon
      to close them. Prints "opened N closed C ping OK|FAIL after S".
  soakclient.py hold SOCK N SECONDS
      Opens N idle connections (as many as the client's fds allow), holds
      them SECONDS, closes them; prints how many it opened.
  soakclient.py soak SOCK PATH N CONC SEED
      N follow requests on PATH, CONC at a time, each aborted at a random
      point: during the headers, after the status line (backlog), or while
      idle in follow; half of them by FIN, half by RST (SO_LINGER 0, TCP
      only: for a unix socket both are a plain close). Prints a summary.
  soakclient.py cpu PID SECONDS
      Prints the CPU seconds (user+system) PID used over SECONDS.
"""
import asyncio
import os
import random
import socket
import struct
import sys
import time


def connect(target, blocking=True):
    if target.startswith("tcp:"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = ("127.0.0.1", int(target[4:]))
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = target
    s.connect(addr)
    s.setblocking(blocking)
    return s


def raw(sock, wait_s):
    data = sys.stdin.buffer.read()
    s = connect(sock)
    s.settimeout(wait_s)
    try:
        s.sendall(data)
    except OSError:
        pass                    # the daemon may close before reading it all
    got = b""
    end = time.monotonic() + wait_s
    try:
        while b"\r\n" not in got and time.monotonic() < end:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except socket.timeout:
        pass
    except ConnectionResetError:
        pass
    s.close()
    if got:
        print(got.split(b"\r\n")[0].decode("latin-1"))
    elif time.monotonic() < end:
        print("CLOSED")
    else:
        print("SILENT")
    return 0


def slow(sock, interval, max_s, first=None):
    req = b"GET /_ping HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"s" * 4096
    s = connect(sock)
    if first:
        # A complete request first: the slow one is the second on a
        # keep-alive connection.
        path, end = ("/_ping", b"OK") if first == "second" else \
            (first, b"\r\n0\r\n\r\n")
        s.settimeout(5)
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while not got.endswith(end):
            b = s.recv(4096)
            if not b:
                print("closed after the first request")
                return 0
            got += b
    s.settimeout(interval)
    start = time.monotonic()
    for b in req:
        if time.monotonic() - start > max_s:
            break
        try:
            s.send(bytes([b]))
            if s.recv(1) == b"":
                print("dropped %.1f" % (time.monotonic() - start))
                return 0
        except socket.timeout:
            continue
        except OSError:
            print("dropped %.1f" % (time.monotonic() - start))
            return 0
    print("kept %.1f" % (time.monotonic() - start))
    return 0


def slowread(sock, path, size, interval):
    s = connect(sock)
    s.settimeout(60)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    start = time.monotonic()
    got = b""
    while True:
        b = s.recv(size)
        if not b:
            break
        got += b
        if got.endswith(b"\r\n0\r\n\r\n"):
            break
        time.sleep(interval)
    head, _, body = got.partition(b"\r\n\r\n")
    done = got.endswith(b"\r\n0\r\n\r\n")
    print("%s %d %.1f" % ("complete" if done else "cut", len(body),
                          time.monotonic() - start))
    return 0


def ping(sock):
    try:
        s = connect(sock)
        s.settimeout(5)
        s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        got = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
        s.close()
        return got.startswith(b"HTTP/1.") and got.endswith(b"OK")
    except OSError:
        return False


def idle(sock, n, max_s, pingsock):
    conns = []
    for _ in range(n):
        try:
            conns.append(connect(sock, blocking=False))
        except OSError as e:
            print("connect failed after %d: %s" % (len(conns), e),
                  file=sys.stderr)
            break
    time.sleep(0.2)
    ok = ping(pingsock)
    start = time.monotonic()
    open_ = set(conns)
    while open_ and time.monotonic() - start < max_s:
        for c in list(open_):
            try:
                if c.recv(1) == b"":
                    open_.discard(c)
            except BlockingIOError:
                pass
            except OSError:
                open_.discard(c)
        time.sleep(0.05)
    closed = len(conns) - len(open_)
    print("opened %d closed %d ping %s after %.1f" % (
        len(conns), closed, "OK" if ok else "FAIL", time.monotonic() - start))
    for c in conns:
        c.close()
    return 0


def hold(sock, n, seconds):
    conns = []
    for _ in range(n):
        try:
            conns.append(connect(sock, blocking=False))
        except OSError:
            break
    print(len(conns), flush=True)
    time.sleep(seconds)
    for c in conns:
        c.close()
    return 0


def cpu(pid, seconds):
    def ticks():
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    t0 = ticks()
    time.sleep(seconds)
    print("%.2f" % ((ticks() - t0) / os.sysconf("SC_CLK_TCK")))
    return 0


async def one(target, path, phase, rst, rng, stats):
    try:
        if target.startswith("tcp:"):
            r, w = await asyncio.open_connection("127.0.0.1", int(target[4:]))
        else:
            r, w = await asyncio.open_unix_connection(target)
    except OSError:
        stats["connect_errors"] += 1
        return
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
    try:
        if phase == "headers":
            w.write(req[:rng.randrange(1, len(req) - 1)])
            await w.drain()
            await asyncio.sleep(rng.random() * 0.02)
        else:
            w.write(req)
            await w.drain()
            line = await asyncio.wait_for(r.readline(), 5)
            if not line.startswith(b"HTTP/1.1 200"):
                stats["bad_status"] += 1
            if phase == "backlog":
                await r.read(rng.randrange(1, 4096))
            else:
                # Idle follow: drain what is there, then sit quietly.
                try:
                    while True:
                        await asyncio.wait_for(r.read(65536), 0.02)
                except asyncio.TimeoutError:
                    pass
                await asyncio.sleep(rng.random() * 0.03)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        stats["io_errors"] += 1
    sock = w.get_extra_info("socket")
    if rst and sock is not None and sock.family != socket.AF_UNIX:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    if rst:
        w.transport.abort()
    else:
        w.close()
    stats[phase] += 1
    stats["rst" if rst else "fin"] += 1


async def soak_main(target, path, n, conc, seed):
    rng = random.Random(seed)
    stats = {"headers": 0, "backlog": 0, "idle": 0, "fin": 0, "rst": 0,
             "connect_errors": 0, "bad_status": 0, "io_errors": 0}
    sem = asyncio.Semaphore(conc)

    async def guarded(i):
        async with sem:
            phase = rng.choice(("headers", "backlog", "idle"))
            await one(target, path, phase, rng.random() < 0.5, rng, stats)

    start = time.monotonic()
    await asyncio.gather(*(guarded(i) for i in range(n)))
    stats["seconds"] = round(time.monotonic() - start, 1)
    return stats


def soak(target, path, n, conc, seed):
    stats = asyncio.run(soak_main(target, path, n, conc, seed))
    print(" ".join("%s=%s" % kv for kv in sorted(stats.items())))
    return 1 if stats["bad_status"] or stats["connect_errors"] else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, a = argv[1], argv[2:]
    if cmd == "raw":
        return raw(a[0], float(a[1]) if len(a) > 1 else 3.0)
    if cmd == "slow":
        return slow(a[0], float(a[1]), float(a[2]), a[3] if len(a) > 3 else None)
    if cmd == "slowread":
        return slowread(a[0], a[1], int(a[2]), float(a[3]))
    if cmd == "idle":
        return idle(a[0], int(a[1]), float(a[2]), a[3])
    if cmd == "hold":
        return hold(a[0], int(a[1]), float(a[2]))
    if cmd == "soak":
        return soak(a[0], a[1], int(a[2]), int(a[3]), int(a[4]))
    if cmd == "cpu":
        return cpu(a[0], float(a[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
