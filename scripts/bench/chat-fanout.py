#!/usr/bin/env python3
"""Chat fan-out: forkd's chat room against Redis publish/subscribe, with the same client logic.

N members (default 100) each hold one connection and receive every message; P of them (default 10)
publish. The load is closed-loop in batches (each publisher sends B messages, then everyone waits
until every member has received the whole batch), so neither side drops a subscriber for being
slow (forkd's --chat-outbox, Redis's client-output-buffer-limit pubsub) and what is measured is
delivered messages per second. forkd runs `--handler chat --framing line --model threaded`
over W workers (default 4) from dist/target/forkd.jar; Redis is `redis-server` started on loopback
on a free port, persistence off. One Python thread drives all the sockets of both, so the client
costs the same on both sides; it is part of what is measured (on a 2-core machine a large part).

Usage: scripts/bench/chat-fanout.py [--members 100] [--publishers 10] [--batches 60] [--batch 20] [--workers 4]
Prints both rates, the ratio and the load average before and after.
"""
import argparse
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXT = "x" * 64


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.05)


class Counter:
    """Counts messages arriving on many sockets: a marker per message, split reads handled."""

    def __init__(self, socks, marker):
        self.sel = selectors.DefaultSelector()
        self.marker = marker
        self.count = {}
        self.tail = {}
        for s in socks:
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
            self.count[s] = 0
            self.tail[s] = b""

    def until_each(self, n, timeout):
        end = time.monotonic() + timeout
        while min(self.count.values()) < n:
            if time.monotonic() > end:
                sys.exit("timed out: a member got %d of %d" % (min(self.count.values()), n))
            for key, _ in self.sel.select(1.0):
                s = key.fileobj
                data = s.recv(1 << 20)
                if not data:
                    sys.exit("a member's connection closed")
                buf = self.tail[s] + data
                self.count[s] += buf.count(self.marker)
                keep = len(self.marker) - 1
                # keep only an unfinished marker's start, so nothing is counted twice
                last = buf.rfind(self.marker)
                start = max(len(buf) - keep, last + len(self.marker) if last >= 0 else 0)
                self.tail[s] = buf[start:]


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children=True):
    """User + system CPU of a process and (with children) its children alive now (forkd's workers), in seconds."""
    total = 0
    pids = [pid] + ([int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(p) == pid] if children else [])
    for p in pids:
        try:
            fields = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass  # gone meanwhile
    return total / TICK


def _ppid(p):
    try:
        return int(open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def run(members, publishers, batches, batch, publish, counter, pid):
    """Returns (delivered messages/s, server CPU µs per delivered message, of which the main process's)."""
    delivered = 0
    cpu0 = cpu_seconds(pid)
    own0 = cpu_seconds(pid, children=False)
    t0 = time.monotonic()
    for b in range(batches):
        for p in range(publishers):
            for i in range(batch):
                publish(p)
        expected = (b + 1) * publishers * batch
        counter.until_each(expected, 120)
        delivered = expected * members
    elapsed = time.monotonic() - t0
    return (delivered / elapsed, (cpu_seconds(pid) - cpu0) * 1e6 / delivered,
            (cpu_seconds(pid, children=False) - own0) * 1e6 / delivered)


def bench_forkd(args):
    jar = os.path.join(ROOT, "dist", "target", "forkd.jar")
    if not os.path.exists(jar):
        sys.exit("build the jar first: mvn -B -o package -pl dist -am -DskipTests")
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(["java", "-XX:+ExitOnOutOfMemoryError", "-Xmx256m", "-jar", jar, "serve", "--port", "0",
                             "--handler", "chat", "--framing", "line", "--model", "threaded", "--workers", str(args.workers)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        port = []

        def listening():
            m = re.search(r"listening on \S+:(\d+)", open(log.name).read())
            if m:
                port.append(int(m.group(1)))
            return bool(m)

        wait_for(listening, 90, "forkd to listen")
        socks = []
        for i in range(args.members):
            s = socket.create_connection(("127.0.0.1", port[0]))
            s.sendall((json.dumps({"type": "join", "room": "bench", "name": "m%d" % i}) + "\n").encode())
            f = s.makefile("rb")
            while b'"joined"' not in f.readline() or False:
                pass
            socks.append((s, f))
        # every member has seen its own joined; drain the later joins before counting
        for s, f in socks:
            s.settimeout(0.2)
            try:
                while s.recv(1 << 20):
                    pass
            except (socket.timeout, BlockingIOError):
                pass
            s.settimeout(None)
        plain = [s for s, _ in socks]
        line = (json.dumps({"type": "say", "text": TEXT}) + "\n").encode()
        counter = Counter(plain, b'"said"')

        def publish(p):
            plain[p].setblocking(True)
            plain[p].sendall(line)
            plain[p].setblocking(False)

        rate = run(args.members, args.publishers, args.batches, args.batch, publish, counter, proc.pid)
        for s in plain:
            s.close()
        return rate
    except BaseException:
        sys.stderr.write(open(log.name).read()[-3000:])
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.unlink(log.name)


def resp(*parts):
    out = b"*%d\r\n" % len(parts)
    for p in parts:
        p = p if isinstance(p, bytes) else p.encode()
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    return out


def bench_redis(args):
    server = shutil.which("redis-server")
    if not server:
        sys.exit("redis-server is missing: apt-get install -y redis-server")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def up():
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                return True
            except OSError:
                return False

        wait_for(up, 30, "redis to listen")
        subs = []
        for i in range(args.members):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(resp("SUBSCRIBE", "bench"))
            buf = b""
            while buf.count(b"\r\n") < 6:
                buf += s.recv(4096)
            subs.append(s)
        pubs = [socket.create_connection(("127.0.0.1", port)) for _ in range(args.publishers)]
        counter = Counter(subs, b"$7\r\nmessage\r\n")
        msg = resp("PUBLISH", "bench", json.dumps({"type": "say", "text": TEXT}))
        replies = [0] * len(pubs)

        def publish(p):
            pubs[p].sendall(msg)
            replies[p] += 1

        rate = run(args.members, args.publishers, args.batches, args.batch, publish, counter, proc.pid)
        for s in subs + pubs:
            s.close()
        return rate
    finally:
        proc.terminate()
        proc.wait(30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=100)
    ap.add_argument("--publishers", type=int, default=10)
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    load_before = os.getloadavg()
    f = bench_forkd(args)
    r = bench_redis(args)
    load_after = os.getloadavg()
    print("chat fan-out: %d members, %d publishers, %d messages in all, each delivered to every member"
          % (args.members, args.publishers, args.publishers * args.batches * args.batch))
    print("forkd chat (%d workers, threaded): %10.0f delivered messages/s, %.2f µs server CPU each (supervisor %.2f, workers %.2f)"
          % (args.workers, f[0], f[1], f[2], f[1] - f[2]))
    print("redis pub/sub:                     %10.0f delivered messages/s, %.2f µs server CPU each" % r[:2])
    print("ratio forkd/redis: %.2f (CPU per message %.1fx)" % (f[0] / r[0], f[1] / r[1]))
    print("load average before: %.2f %.2f %.2f  after: %.2f %.2f %.2f" % (load_before + load_after))


if __name__ == "__main__":
    main()
