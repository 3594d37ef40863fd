#!/usr/bin/env bash
# The evented model against threaded and prefork: worker RSS per 1,000 idle
# connections (evented vs threaded, one worker each), HTTP keep-alive req/s (wrk, http-hello) and
# echo round trips (forkd bench, 64 B, length framing), the three models on the same worker
# count. Prints a Markdown table with the load average beside each figure; ROUNDS rounds, the
# models in the same order (evented, threaded, prefork) in each. Knobs: EV_WORKERS (4), EV_IDLE (2000), EV_DURATION (10 s),
# EV_ROUNDS (3), EV_CONNS (50: wrk's and bench's connections for evented and threaded; prefork
# is also run with one connection per worker, and so are the others, to compare like with like).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
jar="${FORKD_JAR:-$root/dist/target/forkd.jar}"
JAVA="${JAVA:-java}"
W="${EV_WORKERS:-4}"; IDLE="${EV_IDLE:-2000}"; DUR="${EV_DURATION:-10}"; ROUNDS="${EV_ROUNDS:-3}"; CONNS="${EV_CONNS:-50}"
lib="$root/scripts/bench/lib"
work="$(mktemp -d)"; pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

say() { echo "$*" >&2; }
load() { cut -d' ' -f1 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
stop() { kill -TERM "$1" 2>/dev/null || return 0; for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; kill -KILL "$1" 2>/dev/null || true; }
worker_pids() {
  python3 - "$1" <<'PY'
import json, sys, urllib.request
for w in json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/status", timeout=5))["workers"]:
    if w["state"] == "ready":
        print(w["pid"])
PY
}
# start NAME serve-options...: sets PORT, PID, ADMIN
start() {
  local name="$1"; shift
  local log="$work/$name.log"; ADMIN="$(free_port)"
  "$JAVA" -jar "$jar" serve --host 127.0.0.1 --port 0 --admin "127.0.0.1:$ADMIN" --max-connections 20000 "$@" 2>"$log" &
  PID=$!; pids+=("$PID")
  local end=$((SECONDS + 120))
  until grep -qs 'listening on' "$log"; do
    kill -0 "$PID" 2>/dev/null && [ $SECONDS -le $end ] || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  PORT="$(grep -o 'listening on [^ ]*' "$log" | head -1 | sed 's/.*://')"
}

echo "| what | model | figure | load |"
echo "|---|---|---|---|"

# 1. RSS of one worker holding IDLE idle relayed connections, against the same worker with none
for model in evented threaded; do
  start "idle-$model" --model "$model" --workers 1 --connections-per-worker $((IDLE + 10)) --handler echo
  wp="$(worker_pids "$ADMIN")"
  python3 "$lib/idle.py" 127.0.0.1 "$PORT" 20 </dev/null >/dev/null   # touch the echo path once, then let go
  sleep 1
  before="$(rss_kib "$wp")"
  coproc IDLE_C { python3 "$lib/idle.py" 127.0.0.1 "$PORT" "$IDLE"; }
  read -r line <&"${IDLE_C[0]}"
  [[ "$line" == ready* ]] || { say "idle: $line"; exit 1; }
  sleep 2
  after="$(rss_kib "$wp")"
  threads="$(ls /proc/"$wp"/task | wc -l)"
  per="$(awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN { printf "%.2f", (a - b) * 1000 / n / 1024 }')"
  echo "| worker RSS, 1 worker, $IDLE idle connections (0 → $IDLE) | $model | $((before / 1024)) → $((after / 1024)) MiB: **$per MiB per 1,000 connections**, $threads threads | $(load) |"
  exec {IDLE_C[1]}>&-
  wait "$IDLE_C_PID" 2>/dev/null || true
  stop "$PID"
done

# 2. wrk on http-hello, and 3. forkd bench echo round trips; models alternate within each round
declare -A hp ep
for model in evented threaded prefork; do
  start "http-$model" --model "$model" --workers "$W" --handler http-hello --framing raw; hp[$model]=$PORT
  start "echo-$model" --model "$model" --workers "$W" --handler echo --framing length; ep[$model]=$PORT
done
for r in $(seq 1 "$ROUNDS"); do
  for model in evented threaded prefork; do
    for c in "$W" "$CONNS"; do
      [ "$model" = prefork ] && [ "$c" != "$W" ] && continue   # a prefork worker serves one connection: more would only queue
      rps="$(wrk -t1 -c"$c" -d"${DUR}s" "http://127.0.0.1:${hp[$model]}/" | awk '/Requests\/sec/ {print $2}')"
      echo "| http-hello req/s, wrk -t1 -c$c -d${DUR}s, round $r | $model | $rps | $(load) |"
      rt="$("$JAVA" -jar "$jar" bench "127.0.0.1:${ep[$model]}" --connections "$c" --duration "${DUR}s" --size 64 --framing length \
        --expect echo --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d.get("throughput", d.get("roundTripsPerSecond", 0)), 1))')"
      echo "| echo round trips/s, forkd bench --connections $c --size 64 --framing length, round $r | $model | $rt | $(load) |"
    done
  done
done
