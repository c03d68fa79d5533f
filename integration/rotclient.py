#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Six followers of one container printing 1..N (seq), across rotation.

  rotclient.py SOCK NAME N FAST SLOW TIMEOUT_S

FAST followers read as fast as they can; SLOW ones read 16 KiB every
20 ms. Each checks that the stdout lines are 1..N in order with no
repeat, where a gap must be announced by a stream-3 frame "... skipped
E entries (B bytes) ..." placed where the gap is: for every follower
received + skipped must be N. Prints one line per follower; exit 1 if
a fast follower missed anything or any follower's counts do not add up.
"""
import asyncio
import multiprocessing
import re
import sys
import time

NOTICE = re.compile(rb"skipped (\d+) entries \((\d+) bytes\)")


async def follow(sock, name, total, slow, timeout):
    reader, writer = await asyncio.open_unix_connection(sock)
    writer.write(("GET /containers/%s/logs?stdout=1&follow=1 HTTP/1.0\r\n"
                  "Host: x\r\n\r\n" % name).encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    res = {"got": 0, "skipped": 0, "notices": 0, "error": None}
    if not head.startswith(b"HTTP/1.0 200") and \
            not head.startswith(b"HTTP/1.1 200"):
        res["error"] = "bad status: %r" % head[:40]
        return res
    # The bytes are kept and checked at the end: a follower that parsed
    # as it went would be slower than the container writes.
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            res["error"] = "timed out"
            break
        chunk = await asyncio.wait_for(reader.read(16384 if slow else 1 << 20),
                                       left)
        if not chunk:
            break
        chunks.append(chunk)
        if slow:
            await asyncio.sleep(0.02)
    buf = b"".join(chunks)
    want, i = 1, 0
    while len(buf) - i >= 8:
        n = int.from_bytes(buf[i + 4:i + 8], "big")
        kind, line = buf[i], buf[i + 8:i + 8 + n]
        i += 8 + n
        if kind == 3:
            m = NOTICE.search(line)
            if not m:
                res["error"] = res["error"] or "stream 3: %r" % line[:120]
                continue
            res["notices"] += 1
            res["skipped"] += int(m.group(1))
            want += int(m.group(1))
            continue
        if res["error"] is None and line != b"%d\n" % want:
            res["error"] = "want %d, got %r" % (want, line[:20])
        want += 1
        res["got"] += 1
    if i != len(buf):
        res["error"] = res["error"] or "truncated frame"
    writer.close()
    if res["error"] is None and want != total + 1:
        res["error"] = "ended at line %d of %d" % (want - 1, total)
    return res


def one(args):
    return asyncio.run(follow(*args))


def main(sock, name, total, fast, slow, timeout):
    # One process per follower: in one process the followers share one
    # core and one event loop, and the last fast one starves.
    kinds = [False] * fast + [True] * slow
    with multiprocessing.Pool(len(kinds)) as pool:
        results = pool.map(one, [(sock, name, total, k, timeout)
                                 for k in kinds])
    rc = 0
    for k, r in zip(kinds, results):
        print("%s: received %d of %d, skipped %d in %d notices%s" % (
            "slow" if k else "fast", r["got"], total, r["skipped"],
            r["notices"], "; " + r["error"] if r["error"] else ""))
        if r["error"] or (not k and r["got"] != total) or \
                r["got"] + r["skipped"] != total:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]),
                  int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])))
