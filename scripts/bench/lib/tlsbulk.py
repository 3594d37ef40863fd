#!/usr/bin/env python3
"""Bulk over TLS: as bulk.py, through one TLS connection to an echo server behind a TLS
terminator: streams BYTES and reads them back at the same time; prints {"bytes": n, "seconds": s,
"MBps": n/s/1e6}. asyncio's TLS (one SSL object driven by one thread: OpenSSL forbids reading and
writing one connection from two threads at once). The certificate is not verified (made at run
time for loopback). No half-close: TLS has close_notify instead, and the reader stops at BYTES."""
import asyncio, json, ssl, sys, time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
CHUNK = 256 * 1024
pattern = bytes(range(256)) * (CHUNK // 256)


async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(host, port, ssl=ctx, limit=CHUNK)
    start = time.monotonic()

    async def write():
        left = total
        while left > 0:
            n = min(left, CHUNK)
            writer.write(pattern[:n])
            await writer.drain()
            left -= n

    w = asyncio.ensure_future(write())
    got, bad = 0, False
    while got < total:
        b = await reader.read(CHUNK)
        if not b:
            break
        if b[0] != got % 256:
            bad = True
        got += len(b)
    elapsed = time.monotonic() - start
    await w
    writer.close()
    try:
        await writer.wait_closed()
    except (ssl.SSLError, ConnectionError):
        pass  # the peer may close without answering our close_notify: the figures are taken
    if got != total or bad:
        print(json.dumps({"error": f"got {got} of {total} bytes, pattern ok={not bad}"}))
        sys.exit(1)
    print(json.dumps({"bytes": got, "seconds": elapsed, "MBps": got / elapsed / 1e6}))


asyncio.run(main())
