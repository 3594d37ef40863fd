#!/usr/bin/env python3
"""The soak driver behind scripts/soak.sh (issue 8); Python 3 standard library only.

Against a running forkd (prefork, upper handler, --log-level DEBUG, --admin):
  * steady closed-loop load: each client thread opens a connection, does a few round trips,
    closes it, and starts again; every failed connection is kept with its local port and times;
  * a random ready worker (pid from /status) is killed with SIGKILL every --kill-every seconds;
  * after a warm-up, and again at the end, the load and the kills pause until the pool has
    settled (every worker ready, no connection live or queued), and the supervisor's open
    descriptors (/proc/PID/fd) and RSS are measured.

A failed connection is "on a killed worker" when the supervisor's DEBUG line
"connection N from 127.0.0.1:PORT -> worker W" for its port, within its lifetime, names a
worker this script killed. Every other failure is a loss forkd should not have caused.
Passes (exit 0) when there is no such loss, fds and RSS at the end are within 10% of the
start, every kill shows up in the log as the crash it was, and the log has no ERROR line.
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

RELAY = re.compile(r"^(\S+ \S+) DEBUG connection \d+ from 127\.0\.0\.1:(\d+) -> worker (\d+)$")
CRASH = re.compile(r"WARN  worker (\d+) \(pid (\d+)\) exited unexpectedly \(killed by signal KILL \(9\)\).*"
                   r"took down (\d+) client connection")
LEVEL = re.compile(r"^\S+ \S+ (WARN|ERROR) +(.*)$")


def log_time(stamp):
    """forkd's log timestamps are local time with milliseconds."""
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()


class Load:
    """Closed-loop clients; each connection does `round_trips` request/response exchanges."""

    def __init__(self, port, clients, round_trips):
        self.port = port
        self.clients = clients
        self.round_trips = round_trips
        self.ok = 0
        self.exchanges = 0
        self.failures = []  # (started, failed, local port or None, reason)
        self.lock = threading.Lock()
        self.running = False
        self.threads = []

    def start(self):
        self.running = True
        self.threads = [threading.Thread(target=self.loop, args=(i,), daemon=True) for i in range(self.clients)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(60)

    def loop(self, cid):
        n = 0
        while self.running:
            n += 1
            started = time.time()
            local = None
            done = 0
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=20) as s:
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    local = s.getsockname()[1]
                    for r in range(self.round_trips):
                        msg = f"client {cid} connection {n} exchange {r}\n".encode()
                        s.sendall(msg)
                        got = b""
                        while len(got) < len(msg):
                            chunk = s.recv(len(msg) - len(got))
                            if not chunk:
                                raise ConnectionError(f"closed after {len(got)} of {len(msg)} bytes")
                            got += chunk
                        if got != msg.upper():
                            raise ValueError(f"wrong reply {got!r}")
                        done += 1
                with self.lock:
                    self.ok += 1
                    self.exchanges += done
            except (OSError, ValueError) as e:
                with self.lock:
                    self.exchanges += done
                    self.failures.append((started, time.time(), local, f"{type(e).__name__}: {e}"))


class Soak:
    def __init__(self, a):
        self.a = a
        self.admin = f"http://{a.admin}"
        self.kills = []  # (time, worker id, pid)
        self.skipped_kills = 0
        self.stop_killing = threading.Event()

    def status(self):
        with urllib.request.urlopen(self.admin + "/status", timeout=10) as r:
            return json.load(r)

    def killer(self):
        while not self.stop_killing.wait(self.a.kill_every):
            try:
                ready = [w for w in self.status()["workers"] if w["state"] == "ready" and w["pid"] > 0]
            except OSError as e:
                print(f"soak: /status failed: {e}", file=sys.stderr)
                self.skipped_kills += 1
                continue
            if not ready:
                self.skipped_kills += 1
                continue
            w = random.choice(ready)
            if not self.is_worker(w["pid"]):
                self.skipped_kills += 1
                continue
            try:
                os.kill(w["pid"], signal.SIGKILL)
                self.kills.append((time.time(), w["id"], w["pid"]))
            except ProcessLookupError:
                self.skipped_kills += 1

    def is_worker(self, pid):
        """Only ever SIGKILL a child of this supervisor (a pid from /status may have been reused)."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1]) == self.a.pid
        except (OSError, ValueError, IndexError):
            return False

    def run_phase(self, load, seconds):
        self.stop_killing.clear()
        k = threading.Thread(target=self.killer, daemon=True)
        load.start()
        k.start()
        time.sleep(seconds)  # the phase's length: load and kills run meanwhile
        self.stop_killing.set()
        k.join(30)
        load.stop()

    def settle(self, timeout=90):
        """Waits until every worker is ready and nothing is live or queued; returns the status."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.status()
            except OSError as e:
                if not os.path.exists(f"/proc/{self.a.pid}"):
                    raise SystemExit(f"soak: FAIL: the supervisor is gone ({e})")
                last = {"error": str(e)}
                time.sleep(0.2)
                continue
            ws = last["workers"]
            if (len(ws) == last["targetWorkers"] and all(w["state"] == "ready" for w in ws)
                    and last["connections"]["active"] == 0 and last["connections"]["queued"] == 0):
                return last
            time.sleep(0.2)  # polling the admin endpoint, bounded by the deadline
        raise SystemExit(f"soak: the pool did not settle within {timeout}s: {json.dumps(last)}")

    def fd_kinds(self):
        kinds = {}
        for fd in os.listdir(f"/proc/{self.a.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{self.a.pid}/fd/{fd}")
            except OSError:
                continue
            kind = target.split(":")[0] if ":" in target else ("jar" if target.endswith(".jar") else "file")
            kinds[kind] = kinds.get(kind, 0) + 1
        return kinds

    def measure(self):
        self.settle()
        try:
            # a full GC first, so that the heap figure is what is live, not what is yet to be collected
            gc = subprocess.run([self.a.jcmd, str(self.a.pid), "GC.run"], capture_output=True, text=True, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            gc = False
        st = self.settle()
        # a replaced worker's pipes close when its output pump sees EOF, a moment after it is
        # gone: the fewest descriptors of a few samples is the count that stays
        kinds = None
        for _ in range(5):
            k = self.fd_kinds()
            if kinds is None or sum(k.values()) < sum(kinds.values()):
                kinds = k
            time.sleep(0.4)
        fds = sum(kinds.values())
        with open(f"/proc/{self.a.pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        return {"fds": fds, "fd_kinds": kinds, "rss_kib": rss, "threads": st["supervisor"]["threads"],
                "heap_after_gc": st["supervisor"]["heapUsedBytes"] if gc else None,
                "workers": sorted(w["pid"] for w in st["workers"])}


def attribute(log_path, failures, killed_ids):
    """Splits failures into those on a killed worker and the rest; reads the kill lines too."""
    by_port = {}
    crashes = {}
    levels = {"WARN": {}, "ERROR": []}
    with open(log_path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = RELAY.match(line)
            if m:
                by_port.setdefault(int(m.group(2)), []).append((log_time(m.group(1)), int(m.group(3))))
                continue
            m = LEVEL.match(line)
            if m:
                if m.group(1) == "ERROR":
                    levels["ERROR"].append(line)
                else:
                    kind = re.sub(r"\d+(\.\d+)?", "N", m.group(2))[:90]
                    levels["WARN"][kind] = levels["WARN"].get(kind, 0) + 1
                c = CRASH.search(line)
                if c:
                    crashes[int(c.group(1))] = (int(c.group(2)), int(c.group(3)))
    on_killed, lost = [], []
    for started, failed, port, reason in failures:
        # the relay line is logged after the client connected and before the supervisor can end
        # the connection; ports are reused within seconds, so nothing outside that span counts
        # (the log's milliseconds are truncated: 10 ms of slack)
        worker = None
        for ts, w in by_port.get(port, []):
            if started - 0.01 <= ts <= failed + 0.01:
                worker = w
        entry = {"started": started, "failed": failed, "port": port, "worker": worker, "reason": reason}
        (on_killed if worker in killed_ids else lost).append(entry)
    return on_killed, lost, crashes, levels


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--admin", required=True, help="HOST:PORT of forkd's admin endpoint")
    p.add_argument("--pid", type=int, required=True, help="the supervisor's pid")
    p.add_argument("--log", required=True, help="forkd's log (DEBUG)")
    p.add_argument("--seconds", type=float, required=True, help="load time, warm-up included")
    p.add_argument("--warmup", type=float, required=True)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--round-trips", type=int, default=3)
    p.add_argument("--kill-every", type=float, default=2.0)
    p.add_argument("--tolerance", type=float, default=0.10)
    p.add_argument("--jcmd", default="jcmd", help="the JDK's jcmd, to run a GC before measuring the heap")
    a = p.parse_args()

    soak = Soak(a)
    load = Load(a.port, a.clients, a.round_trips)
    t0 = time.time()
    soak.run_phase(load, a.warmup)
    start = soak.measure()
    warm_ok, warm_kills = load.ok, len(soak.kills)
    t1 = time.time()
    soak.run_phase(load, a.seconds - a.warmup)
    end = soak.measure()

    killed_ids = {k[1] for k in soak.kills}
    on_killed, lost, crashes, levels = attribute(a.log, load.failures, killed_ids)
    unconfirmed = [k for k in soak.kills if crashes.get(k[1], (None,))[0] != k[2]]
    taken_down = sum(crashes.get(k[1], (0, 0))[1] for k in soak.kills)

    def within(key):
        return abs(end[key] - start[key]) <= a.tolerance * start[key]

    problems = []
    if lost:
        problems.append(f"{len(lost)} connection(s) lost that were not on a killed worker")
    if not within("fds"):
        problems.append(f"supervisor fds {start['fds']} -> {end['fds']}: more than {a.tolerance:.0%} apart")
    if not within("rss_kib"):
        problems.append(f"supervisor RSS {start['rss_kib']} -> {end['rss_kib']} KiB: more than {a.tolerance:.0%} apart")
    if not soak.kills:
        problems.append("no worker was killed")
    if unconfirmed:
        problems.append(f"{len(unconfirmed)} kill(s) not logged as a crash by the supervisor: {unconfirmed[:5]}")
    if levels["ERROR"]:
        problems.append(f"{len(levels['ERROR'])} ERROR line(s) in the log")
    if load.ok == 0:
        problems.append("no connection succeeded")

    mib = lambda kib: f"{kib / 1024:.1f} MiB"
    pct = lambda k: f"{(end[k] - start[k]) / start[k]:+.1%}"
    print(f"soak: {a.seconds:.0f} s of load ({a.warmup:.0f} s warm-up), {a.clients} clients x {a.round_trips} round trips per connection, "
          f"a worker killed every {a.kill_every:g} s")
    print(f"  connections ok:             {load.ok} ({load.ok / a.seconds:.0f}/s; {load.ok - warm_ok} after the warm-up), "
          f"{load.exchanges} round trips")
    print(f"  connections failed:         {len(load.failures)}: {len(on_killed)} on a killed worker, {len(lost)} elsewhere (lost)")
    print(f"  workers killed (SIGKILL):   {len(soak.kills)} ({len(soak.kills) - warm_kills} after the warm-up), "
          f"{soak.skipped_kills} skipped; {len(soak.kills) - len(unconfirmed)} logged as crashes, "
          f"taking down {taken_down} client connection(s) by the supervisor's count")
    print(f"  supervisor fds:             {start['fds']} -> {end['fds']} ({pct('fds')}; {start['fd_kinds']} -> {end['fd_kinds']})")
    print(f"  supervisor RSS:             {mib(start['rss_kib'])} -> {mib(end['rss_kib'])} ({pct('rss_kib')})")
    if start["heap_after_gc"] and end["heap_after_gc"]:
        print(f"  supervisor heap after GC:   {start['heap_after_gc'] / 2**20:.1f} -> {end['heap_after_gc'] / 2**20:.1f} MiB")
    print(f"  supervisor threads:         {start['threads']} -> {end['threads']}")
    print(f"  measured at:                +{t1 - t0:.0f} s and +{time.time() - t0:.0f} s, each with the load paused and the pool settled")
    for kind, n in sorted(levels["WARN"].items(), key=lambda kv: -kv[1]):
        print(f"  WARN x{n}: {kind}")
    for line in levels["ERROR"][:10]:
        print(f"  {line}")
    for e in lost[:20]:
        print(f"  lost: port {e['port']} worker {e['worker']} at {datetime.fromtimestamp(e['failed']).strftime('%H:%M:%S.%f')[:-3]}: {e['reason']}")
    print(json.dumps({"seconds": a.seconds, "warmup": a.warmup, "clients": a.clients, "round_trips": a.round_trips,
                      "ok": load.ok, "round_trips_total": load.exchanges, "failed": len(load.failures),
                      "on_killed_worker": len(on_killed), "lost": len(lost), "kills": len(soak.kills),
                      "kills_confirmed": len(soak.kills) - len(unconfirmed), "taken_down": taken_down,
                      "start": start, "end": end, "errors": len(levels["ERROR"])}))
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
