#!/usr/bin/env python3
"""Crash-to-replacement time. Kills one worker with SIGKILL and measures, on a monotonic clock,
how long until its replacement is there. Prints {"listed_ms": .., "ready_ms": ..}.

  crash.py forkd ADMIN_PORT      oldest ready worker (up >= 3 s, past forkd's fast-crash backoff);
                                 listed = a new pid in /status, ready = that pid is in state ready
                                 (the dispatcher gives it connections from then on)
  crash.py gunicorn MASTER_PID   oldest child of the arbiter; listed = a new child process exists
                                 (gunicorn forks it at once, then it loads the app and accepts;
                                 no outside signal tells when it accepts, so ready = listed)
"""
import json, os, signal, sys, time, urllib.request


def status(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as r:
        return json.load(r)


def children(ppid):
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == ppid:
            out[int(d)] = int(fields[19])  # starttime, clock ticks since boot
    return out


deadline = time.monotonic() + 60
kind, arg = sys.argv[1], int(sys.argv[2])
if kind == "forkd":
    while True:
        ws = [w for w in status(arg)["workers"] if w["state"] == "ready"]
        old = [w for w in ws if w["uptimeSeconds"] >= 3]
        if old:
            break
        if time.monotonic() > deadline:
            sys.exit("no worker old enough to kill")
        time.sleep(0.2)
    before = {w["pid"] for w in status(arg)["workers"]}
    victim = max(old, key=lambda w: w["uptimeSeconds"])["pid"]
    t0 = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    listed = ready = None
    while ready is None:
        now = time.monotonic()
        if now > deadline:
            sys.exit("no replacement within 60 s")
        for w in status(arg)["workers"]:
            if w["pid"] not in before and w["pid"] != victim and w["pid"] > 0:
                listed = listed or now
                if w["state"] == "ready":
                    ready = now
        time.sleep(0.002)
else:
    before = children(arg)
    if not before:
        sys.exit("the arbiter has no workers")
    victim = min(before, key=lambda p: before[p])
    t0 = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    listed = None
    while listed is None:
        now = time.monotonic()
        if now > deadline:
            sys.exit("no replacement within 60 s")
        if any(p not in before for p in children(arg)):
            listed = now
        time.sleep(0.001)
    ready = listed
print(json.dumps({"listed_ms": (listed - t0) * 1000, "ready_ms": (ready - t0) * 1000}))
