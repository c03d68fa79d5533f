#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Followers that check every line arrives exactly once and in order.

  loadclient.py SOCK NAMES TOTAL FOLLOWERS TIMEOUT_S

NAMES is a comma-separated list of containers printing "L1".."L<TOTAL>"
then exiting. FOLLOWERS clients are spread over them round-robin, each
GET .../logs?stdout=1&follow=1 over HTTP/1.0 (the daemon closes the
connection at the end of the stream). Each must receive exactly
L1..L<TOTAL>, in order, then EOF. Prints a summary; exit 1 on any loss,
repeat, reorder or unfinished stream.
"""
import asyncio
import resource
import sys
import time


async def follow(sock, name, total, timeout):
    reader, writer = await asyncio.open_unix_connection(sock)
    writer.write(("GET /containers/%s/logs?stdout=1&follow=1 HTTP/1.0\r\n"
                  "Host: x\r\n\r\n" % name).encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    if not head.startswith(b"HTTP/1.0 200") and not head.startswith(b"HTTP/1.1 200"):
        return "bad status: %r" % head[:40]
    want = 1
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timed out at line %d" % want
        chunk = await asyncio.wait_for(reader.read(65536), left)
        if not chunk:
            break
        buf += chunk
        i = 0
        while len(buf) - i >= 8:
            n = int.from_bytes(buf[i + 4:i + 8], "big")
            if len(buf) - i < 8 + n:
                break
            line = buf[i + 8:i + 8 + n]
            i += 8 + n
            if line != b"L%d\n" % want:
                return "want L%d, got %r" % (want, line[:20])
            want += 1
        buf = buf[i:]
    writer.close()
    if buf:
        return "truncated frame at line %d" % want
    if want != total + 1:
        return "ended at line %d of %d" % (want - 1, total)
    return None


async def main(sock, names, total, followers, timeout):
    tasks = [follow(sock, names[k % len(names)], total, timeout)
             for k in range(followers)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    bad = [r for r in results if r is not None]
    print("%d followers of %d containers, %d lines each: %d complete, %d "
          "bad" % (followers, len(names), total, followers - len(bad),
                   len(bad)))
    for r in bad[:5]:
        print("  %s" % r)
    return 1 if bad else 0


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2].split(","),
                              int(sys.argv[3]), int(sys.argv[4]),
                              float(sys.argv[5]))))
