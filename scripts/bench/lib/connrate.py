#!/usr/bin/env python3
"""Sustained new connections per second: THREADS clients, each in a loop connects, sends a
line, half-closes, reads the reply to EOF and closes, for SECONDS. Prints one JSON object:
{"connections": n, "rate": n/s, "errors": e, "wrong": w}. Loopback only."""
import json, socket, sys, threading, time

host, port, seconds, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
msg, want = b"hello, forkd\n", b"HELLO, FORKD\n"
done, errors, wrong = [0], [0], [0]
lock = threading.Lock()
deadline = time.monotonic() + seconds


def client():
    ok = err = bad = 0
    first = True  # at least one connection each, so that SECONDS = 0 means exactly one
    while first or time.monotonic() < deadline:
        first = False
        try:
            with socket.create_connection((host, port), timeout=10) as s:
                s.sendall(msg)
                s.shutdown(socket.SHUT_WR)
                got = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    got += b
            if got == want:
                ok += 1
            else:
                bad += 1
        except OSError:
            err += 1
            time.sleep(0.01)
    with lock:
        done[0] += ok; errors[0] += err; wrong[0] += bad


start = time.monotonic()
ts = [threading.Thread(target=client) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
elapsed = time.monotonic() - start
print(json.dumps({"connections": done[0], "rate": done[0] / elapsed, "errors": errors[0], "wrong": wrong[0]}))
