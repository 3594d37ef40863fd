#!/usr/bin/env bash
# Figures for the core: time from `kill -9` of a worker to its replacement being ready (median
# of N), worker RSS after start, and supervisor RSS with 100 idle relayed connections.
# Loopback only; starts and stops its own forkd. Usage: scripts/bench/core-figures.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-10}"
log="$(mktemp)"
"$root/scripts/forkd" --version >/dev/null   # builds the jar if needed
java -jar "$root/dist/target/forkd.jar" serve --port 0 --workers 2 --model threaded --max-restarts 1000 2>"$log" &
sup=$!
trap 'kill -TERM $sup 2>/dev/null; wait $sup 2>/dev/null; rm -f "$log"' EXIT

wait_for() { # pattern count deadline-seconds
  local end=$((SECONDS + $3))
  until [ "$(grep -c -- "$1" "$log" || true)" -ge "$2" ]; do
    [ $SECONDS -lt $end ] || { echo "timed out waiting for '$1'" >&2; cat "$log" >&2; exit 1; }
    sleep 0.05
  done
}
ms_of_line() { date -d "$(cut -c1-23 <<<"$1")" +%s%3N; }

wait_for "listening on" 1 60
port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$log" | sed 's/.*://')

samples=()
for i in $(seq 1 "$rounds"); do
  # let the newest worker live past the pool's fast-crash threshold (2s), so that what is
  # measured is the respawn itself, not the backoff that repeated fast crashes rightly get
  sleep 2.5
  ready_before=$(grep -c " ready in " "$log")
  victim=$(grep -o 'worker [0-9]* (pid [0-9]*) ready' "$log" | tail -1 | grep -o 'pid [0-9]*' | cut -d' ' -f2)
  t0=$(date +%s%3N)
  kill -9 "$victim"
  wait_for " ready in " $((ready_before + 1)) 60
  t1=$(ms_of_line "$(grep " ready in " "$log" | tail -1)")
  samples+=($((t1 - t0)))
done
sorted=($(printf '%s\n' "${samples[@]}" | sort -n))
median=${sorted[$(( ${#sorted[@]} / 2 ))]}
echo "kill -9 -> replacement ready, ms (n=$rounds): median $median, min ${sorted[0]}, max ${sorted[-1]}"

for pid in $(pgrep -P "$sup" -f WorkerMain); do
  echo "worker RSS after start: $(( $(ps -o rss= -p "$pid") / 1024 )) MiB (pid $pid)"
done
echo "supervisor RSS, idle: $(( $(ps -o rss= -p "$sup") / 1024 )) MiB"
python3 - "$port" "$sup" <<'PY'
import socket, sys, subprocess
port, sup = int(sys.argv[1]), sys.argv[2]
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
for c in conns:
    c.sendall(b"x\n"); assert c.recv(10) == b"X\n"
rss = int(subprocess.check_output(["ps", "-o", "rss=", "-p", sup])) // 1024
print(f"supervisor RSS with 100 idle relayed connections: {rss} MiB")
for c in conns:
    c.close()
PY
