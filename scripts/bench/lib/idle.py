#!/usr/bin/env python3
"""Holds N idle connections to an echo server: each one is opened (from source addresses
127.0.0.1..4, to spread ephemeral ports), sends one byte and gets it back (so it is relayed,
not queued), then stays open. Prints "ready N" once all are up, then waits for stdin to close."""
import socket, sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
BATCH = 250
for start in range(0, n, BATCH):
    batch = []
    for i in range(start, min(n, start + BATCH)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((f"127.0.0.{1 + i % 4}", 0))
        s.settimeout(30)
        s.connect((host, port))
        batch.append(s)
    for s in batch:
        s.sendall(b"x")
    for s in batch:
        if s.recv(1) != b"x":
            print("wrong reply", flush=True)
            sys.exit(1)
    socks.extend(batch)
print(f"ready {len(socks)}", flush=True)
sys.stdin.read()
