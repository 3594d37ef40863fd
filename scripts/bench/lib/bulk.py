#!/usr/bin/env python3
"""Bulk: streams BYTES through one connection to an echo server and reads them back at the same
time (a writer thread and a reader); prints {"bytes": n, "seconds": s, "MBps": n/s/1e6}.
The echoed bytes are checked against what was sent (a repeating pattern)."""
import json, socket, sys, threading, time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
CHUNK = 256 * 1024
pattern = bytes(range(256)) * (CHUNK // 256)
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
err = []


def writer():
    try:
        left = total
        view = memoryview(pattern)
        while left > 0:
            n = min(left, CHUNK)
            s.sendall(view[:n])
            left -= n
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err.append(repr(e))


start = time.monotonic()
t = threading.Thread(target=writer)
t.start()
buf = bytearray(CHUNK)
got = 0
bad = False
while got < total:
    n = s.recv_into(buf)
    if n == 0:
        break
    off = got % 256
    # check the first byte of every read against the pattern: cheap, and catches reordering/loss
    if buf[0] != off:
        bad = True
    got += n
elapsed = time.monotonic() - start
t.join()
s.close()
if got != total or bad or err:
    print(json.dumps({"error": f"got {got} of {total} bytes, pattern ok={not bad}, writer={err}"}))
    sys.exit(1)
print(json.dumps({"bytes": got, "seconds": elapsed, "MBps": got / elapsed / 1e6}))
