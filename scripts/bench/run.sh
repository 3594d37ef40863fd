#!/usr/bin/env bash
# The benchmark suite of issue 7: forkd against HAProxy, tcpserver and gunicorn, on loopback.
#
#   scripts/bench/run.sh [--quick] [--rounds N] [--only 1,2,...] [--write-docs | --out FILE | --no-write]
#
# Every comparison runs its contenders alternately in the same run, --rounds rounds (5; --quick:
# 1 round of very short runs, a smoke test whose ratios are labelled not comparable, not judged),
# and reports medians with min–max and the ratio forkd / peer. Prints a table and writes it to a
# new file, target/bench/benchmarks-DATE.md; --write-docs writes its generated part into the
# tracked docs/benchmarks.md instead (not with --quick), --out FILE into FILE, and --no-write
# nowhere. Installs missing peers (haproxy, wrk, ucspi-tcp, gunicorn) with apt-get; exits 75
# when one cannot be installed. Needs python3.
#
# Environment: FORKD_JAR (default dist/target/forkd.jar, built when missing), JAVA (java),
# BENCH_WORKERS (W, default 4 = 2 × CPUs here; --quick: 1), BENCH_DURATION (seconds per run,
# default 10; --quick: 1), BENCH_BULK_BYTES (1 GiB; --quick: 32 MiB), BENCH_IDLE (10000; --quick:
# 300), BENCH_SPAWNS (60; --quick: 3), BENCH_WRK_CONNECTIONS (50).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
lib="$root/scripts/bench/lib"

quick=0
rounds=""
only="1,2,3,4,5,6"
out="$root/target/bench/benchmarks-$(date -u +%Y%m%dT%H%M%SZ).md"
write=1
docs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds="$2"; shift ;;
    --only) only="$2"; shift ;;
    --out) out="$2"; shift ;;
    --write-docs) docs=1; out="$root/docs/benchmarks.md" ;;
    --no-write) write=0 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ] && [ "$docs" = 1 ]; then
  echo "run.sh: --quick results are a smoke test, not comparable with full runs: not written into docs/benchmarks.md" >&2
  exit 2
fi
if [ "$quick" = 1 ]; then
  rounds="${rounds:-1}"; W="${BENCH_WORKERS:-1}"; dur="${BENCH_DURATION:-1}"; warm=0
  bulk="${BENCH_BULK_BYTES:-$((32 << 20))}"; idle_n="${BENCH_IDLE:-300}"; spawns="${BENCH_SPAWNS:-3}"
  crashes=1
else
  rounds="${rounds:-5}"; W="${BENCH_WORKERS:-4}"; dur="${BENCH_DURATION:-10}"; warm=3
  bulk="${BENCH_BULK_BYTES:-$((1 << 30))}"; idle_n="${BENCH_IDLE:-10000}"; spawns="${BENCH_SPAWNS:-60}"
  crashes=2
fi
wrk_c="${BENCH_WRK_CONNECTIONS:-50}"
JAVA="${JAVA:-java}"
want() { [[ ",$only," == *",$1,"* ]]; }
say() { echo "bench: $*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- peers -------------------------------------------------------------------------------------
ensure_peers() {
  local missing=()
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v tcpserver >/dev/null || missing+=(ucspi-tcp)
  command -v gunicorn >/dev/null || missing+=(gunicorn)
  command -v python3 >/dev/null || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} with apt-get"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null 2>&1 || true
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
      say "cannot install ${missing[*]}: a peer is missing"
      exit 75
    fi
  fi
}
ensure_peers

jar="${FORKD_JAR:-$root/dist/target/forkd.jar}"
if [ ! -f "$jar" ]; then
  "$root/scripts/forkd" --version >/dev/null
fi

work="$(mktemp -d /tmp/forkd-bench.XXXXXX)"
results="$work/results.tsv"
: >"$results"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] && say "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 10,000 idle connections need about 20,000 descriptors in the supervisor (client + worker side)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

rec() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$results"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port [seconds]
  python3 - "$1" "${2:-60}" <<'PY'
import socket, sys, time
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(f"nothing listens on {sys.argv[1]}")
PY
}
stop() { # pid: TERM, then KILL after 5 s
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# start_forkd NAME serve-options...: sets F_PORT, F_PID, F_ADMIN, F_RT, F_LOG
start_forkd() {
  local name="$1"; shift
  F_RT="$work/$name-rt"; F_LOG="$work/$name.log"; F_ADMIN="$(free_port)"
  : >"$F_LOG"
  "$JAVA" -jar "$jar" serve --host 127.0.0.1 --port 0 --runtime-dir "$F_RT" --admin "127.0.0.1:$F_ADMIN" \
    --max-restarts 100000 "$@" 2>"$F_LOG" &
  F_PID=$!
  pids+=("$F_PID")
  local end=$((SECONDS + 120))
  until grep -q 'listening on' "$F_LOG"; do
    if ! kill -0 "$F_PID" 2>/dev/null || [ $SECONDS -gt $end ]; then
      say "forkd $name did not start:"; cat "$F_LOG" >&2; exit 1
    fi
    sleep 0.1
  done
  F_PORT=$(grep -o 'listening on [0-9.]*:[0-9]*' "$F_LOG" | head -1 | sed 's/.*://')
}

# start_haproxy NAME RUNTIME_DIR: HAProxy 2.6 in mode tcp in front of the worker sockets there,
# each with send-proxy-v2, as the issue asks. Sets H_PORT, H_PID.
start_haproxy() {
  local name="$1" rt="$2" cfg="$work/$1.cfg" i=0 s
  H_PORT="$(free_port)"
  cat >"$cfg" <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  maxconn 4000
frontend $name
  bind 127.0.0.1:$H_PORT
  default_backend workers
backend workers
  balance leastconn
CFG
  for s in "$rt"/worker-*.sock; do
    i=$((i + 1))
    echo "  server w$i unix@$s send-proxy-v2" >>"$cfg"
  done
  [ $i -gt 0 ] || { say "no worker socket in $rt"; exit 1; }
  haproxy -db -f "$cfg" >"$work/$name.log" 2>&1 &
  H_PID=$!
  pids+=("$H_PID")
  wait_port "$H_PORT" || { say "haproxy did not start:"; cat "$work/$name.log" >&2; exit 1; }
}

# wrk_run PORT [extra wrk args...]: prints "req/s p99_ms errors"
wrk_run() {
  local port="$1"; shift
  wrk -t1 -c"$wrk_c" -d"${dur}s" --latency "$@" "http://127.0.0.1:$port/" >"$work/wrk.out" 2>&1 || true
  python3 - "$work/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s*([\d.]+)", t)
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", t, re.M)
errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
errs += int((re.search(r"Non-2xx or 3xx responses: (\d+)", t) or [0, 0])[1])
if not rps or not p99:
    sys.exit("wrk printed no result:\n" + t)
scale = {"us": 1e-3, "ms": 1, "s": 1e3}[p99.group(2)]
print(rps.group(1), float(p99.group(1)) * scale, errs)
PY
}

bench_run() { # port: forkd bench, 64-byte length-framed echo, 50 connections; prints "msg/s p99 errors"
  "$JAVA" -jar "$jar" bench "127.0.0.1:$1" --connections 50 --size 64 --framing length --expect echo \
    --duration "${dur}s" --warmup "$([ "$quick" = 1 ] && echo 0s || echo 1s)" --json 2>"$work/bench.err" >"$work/bench.json" || true
  python3 - "$work/bench.json" "$work/bench.err" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit("forkd bench printed no result: " + open(sys.argv[2]).read())
print(j["throughput"], j["latencyMs"]["p99"], j["errors"])
PY
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
hz=$(getconf CLK_TCK)
# per_op TICKS_BEFORE TICKS_AFTER OPS SCALE: CPU seconds × SCALE per op
per_op() { python3 -c "import sys; b,a,n,s=map(float,sys.argv[1:]); print(round((a-b)/$hz*s/max(n,1),3))" "$@"; }
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
worker_pids() { # admin port
  python3 - "$1" <<'PY'
import json, sys, urllib.request
for w in json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/status", timeout=5))["workers"]:
    if w["state"] == "ready":
        print(w["pid"])
PY
}

# alternate CONTENDER...: contenders of this round, in turn; odd rounds in the given order,
# even rounds reversed, so that neither always goes first
order() { local r="$1"; shift; if [ $((r % 2)) = 1 ]; then echo "$@"; else echo "$@" | tr ' ' '\n' | tac | tr '\n' ' '; fi; }
scenario_start() { rec L "$1" start "$(loadavg)"; say "scenario $1: $2 (load $(loadavg))"; }
scenario_end() { rec L "$1" end "$(loadavg)"; }

rec M date "$(date -u '+%Y-%m-%d %H:%M UTC')"
rec M command "scripts/bench/run.sh $([ "$quick" = 1 ] && echo --quick) (rounds $rounds, W=$W workers, ${dur}s per run, wrk -t1 -c$wrk_c)"
rec M cpus "$(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
rec M memory "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
rec M jdk "$("$JAVA" -version 2>&1 | sed -n 2p)"
rec M haproxy "$(haproxy -v 2>&1 | head -1)"
rec M wrk "$(wrk -v 2>&1 | head -1 | cut -c1-40)"
rec M gunicorn "$(gunicorn --version 2>&1 | head -1)"
rec M rounds "$rounds"
rec M "load at start" "$(loadavg)"
say "W=$W workers, $rounds round(s), ${dur}s per run; load $(loadavg)"

# ---- 1 and 3: HTTP keep-alive, and connection rate (Connection: close) --------------------------
if want 1 || want 3; then
  start_forkd http --model threaded --workers "$W" --handler http-hello --framing raw
  fport=$F_PORT; fpid=$F_PID; frt=$F_RT
  start_haproxy http-haproxy "$frt"; hport=$H_PORT; hpid=$H_PID
  if [ "$warm" -gt 0 ]; then
    dur_saved=$dur; dur=$warm; wrk_run "$fport" >/dev/null; wrk_run "$hport" >/dev/null; dur=$dur_saved
  fi
  if want 1; then
    scenario_start 1 "wrk, HTTP keep-alive, http-hello, threaded, forkd vs HAProxy"
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" forkd haproxy); do
        p=$fport; pp=$fpid; [ "$c" = haproxy ] && { p=$hport; pp=$hpid; }
        t0=$(cpu_ticks "$pp")
        read -r rps p99 errs < <(wrk_run "$p")
        cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$(python3 -c "print($rps * $dur)")" 1e6)
        rec R 1 rps "$c" "$rps"; rec R 1 p99 "$c" "$p99"; rec R 1 errors "$c" "$errs"; rec R 1 cpu "$c" "$cpu"
        say "  round $r $c: $rps req/s, p99 $p99 ms, $errs errors, proxy CPU $cpu µs/request"
      done
    done
    rec C 1 rps "req/s (wrk -c$wrk_c keep-alive)" "req/s" forkd haproxy ">=" 1.0
    rec C 1 p99 "p99 latency" "ms" forkd haproxy "<=" 1.2
    rec C 1 cpu "proxy process CPU per request (no target)" "µs" forkd haproxy - 0
    scenario_end 1
  fi
  if want 3; then
    scenario_start 3 "wrk with Connection: close, forkd vs HAProxy"
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" forkd haproxy); do
        p=$fport; pp=$fpid; [ "$c" = haproxy ] && { p=$hport; pp=$hpid; }
        t0=$(cpu_ticks "$pp")
        read -r rps p99 errs < <(wrk_run "$p" -H 'Connection: close')
        cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$(python3 -c "print($rps * $dur)")" 1e6)
        rec R 3 cps "$c" "$rps"; rec R 3 errors "$c" "$errs"; rec R 3 cpu "$c" "$cpu"
        say "  round $r $c: $rps connections/s, $errs errors, proxy CPU $cpu µs/connection"
      done
    done
    rec C 3 cps "new connections/s (wrk, Connection: close)" "conn/s" forkd haproxy ">=" 1.0
    rec C 3 cpu "proxy process CPU per connection (no target)" "µs" forkd haproxy - 0
    scenario_end 3
  fi
  stop "$hpid"; stop "$fpid"
fi

# ---- 2: echo round trips --------------------------------------------------------------------------
if want 2; then
  start_forkd echo-length --model threaded --workers "$W" --handler echo --framing length
  fport=$F_PORT; fpid=$F_PID
  start_haproxy echo-haproxy "$F_RT"; hport=$H_PORT; hpid=$H_PID
  scenario_start 2 "forkd bench, 64-byte length-framed echo, 50 connections, forkd vs HAProxy"
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" forkd haproxy); do
      p=$fport; pp=$fpid; [ "$c" = haproxy ] && { p=$hport; pp=$hpid; }
      t0=$(cpu_ticks "$pp")
      read -r tput p99 errs < <(bench_run "$p")
      # the bench JVM's start and warm-up are inside the window: an upper bound for both
      cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$(python3 -c "print($tput * $dur)")" 1e6)
      rec R 2 tput "$c" "$tput"; rec R 2 p99 "$c" "$p99"; rec R 2 cpu "$c" "$cpu"
      say "  round $r $c: $tput msg/s, p99 $p99 ms, $errs errors, proxy CPU $cpu µs/round trip"
    done
  done
  rec C 2 tput "round trips/s (64 B, 50 conns)" "msg/s" forkd haproxy ">=" 1.0
  rec C 2 p99 "p99 latency (no target)" "ms" forkd haproxy - 0
  rec C 2 cpu "proxy process CPU per round trip (no target)" "µs" forkd haproxy - 0
  scenario_end 2
  stop "$hpid"; stop "$fpid"
fi

# ---- 4: bulk --------------------------------------------------------------------------------------
if want 4; then
  start_forkd echo-raw --model threaded --workers "$W" --handler echo --framing raw
  fport=$F_PORT; fpid=$F_PID
  start_haproxy bulk-haproxy "$F_RT"; hport=$H_PORT; hpid=$H_PID
  scenario_start 4 "$((bulk >> 20)) MiB through one connection, echo raw, forkd vs HAProxy"
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" forkd haproxy); do
      p=$fport; pp=$fpid; [ "$c" = haproxy ] && { p=$hport; pp=$hpid; }
      t0=$(cpu_ticks "$pp")
      mbps=$(python3 "$lib/bulk.py" 127.0.0.1 "$p" "$bulk" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["MBps"], 1))')
      cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$((bulk >> 20))" 1e3)
      rec R 4 mbps "$c" "$mbps"; rec R 4 cpu "$c" "$cpu"
      say "  round $r $c: $mbps MB/s, proxy CPU $cpu ms/MiB"
    done
  done
  rec C 4 mbps "$((bulk >> 20)) MiB echoed through one connection" "MB/s" forkd haproxy ">=" 1.0
  rec C 4 cpu "proxy process CPU per MiB each way (no target)" "ms" forkd haproxy - 0
  scenario_end 4
  stop "$hpid"; stop "$fpid"
fi

# ---- 5: isolation cost ----------------------------------------------------------------------------
if want 5; then
  scenario_start 5 "fork-per-connection vs tcpserver vs prefork; spawn-to-ready, RSS"
  # spawn to ready, one spawn at a time: one busy slot, one spare; each connection uses up a worker
  start_forkd spawn --model fork-per-connection --workers 1 --spares 1 --handler upper
  sport=$F_PORT; spid=$F_PID; slog=$F_LOG
  ready_count() { grep -c ' ready in ' "$slog" || true; }
  for i in $(seq 0 "$spawns"); do
    # i = 0: the one warm spare (the pool's size in this model) at start; then each connection
    # takes the spare and a replacement is spawned
    [ "$i" = 0 ] || python3 "$lib/connrate.py" 127.0.0.1 "$sport" 0 1 >/dev/null   # 0 s: one connection
    end=$((SECONDS + 60))
    until [ "$(ready_count)" -ge $((1 + i)) ]; do
      [ $SECONDS -lt $end ] || { say "no replacement became ready"; cat "$slog" >&2; exit 1; }
      sleep 0.02
    done
  done
  # the first line is the initial spare, booted with the supervisor; the rest are one-by-one spawns
  grep -o ' ready in [0-9]* ms' "$slog" | tail -n +2 | grep -o '[0-9]*' >"$work/spawn.txt"
  python3 - "$work/spawn.txt" >"$work/spawn.pct" <<'PY'
import sys
v = sorted(float(x) for x in open(sys.argv[1]) if x.strip())
pct = lambda p: v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]
print(pct(50), pct(99), len(v))
PY
  read -r sp50 sp99 sn <"$work/spawn.pct"
  rec R 5 spawn_p50 forkd "$sp50"; rec R 5 spawn_p99 forkd "$sp99"
  say "  spawn to ready over $sn spawns: p50 $sp50 ms, p99 $sp99 ms"
  stop "$spid"

  start_forkd fpc --model fork-per-connection --workers "$W" --handler upper
  fpc_port=$F_PORT; fpc_pid=$F_PID
  start_forkd prefork --model prefork --workers "$W" --handler upper
  pre_port=$F_PORT; pre_pid=$F_PID; pre_admin=$F_ADMIN
  tcp_port="$(free_port)"
  tcpserver -q -H -R -l 0 -c 200 127.0.0.1 "$tcp_port" tr a-z A-Z &
  tcp_pid=$!; pids+=("$tcp_pid")
  wait_port "$tcp_port"
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" fork-per-connection tcpserver prefork); do
      case $c in fork-per-connection) p=$fpc_port ;; tcpserver) p=$tcp_port ;; prefork) p=$pre_port ;; esac
      json=$(python3 "$lib/connrate.py" 127.0.0.1 "$p" "$dur" "$W")
      rate=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["rate"], 1))' "$json")
      rec R 5 cps "$c" "$rate"
      say "  round $r $c: $json"
    done
  done
  for w in $(worker_pids "$pre_admin"); do rec R 5 worker_rss forkd "$(rss_mib "$w")"; done
  rec R 5 sup_rss_idle forkd "$(rss_mib "$pre_pid")"
  stop "$tcp_pid"; stop "$fpc_pid"; stop "$pre_pid"

  # supervisor RSS with many idle relayed connections; each takes two descriptors in the supervisor
  limit=$(ulimit -n)
  n=$idle_n
  if [ $((2 * n + 200)) -gt "$limit" ]; then
    n=$(((limit - 200) / 2)); say "  open-files limit $limit: holding $n idle connections instead of $idle_n"
  fi
  per=$(((n + W - 1) / W + 10))
  start_forkd idle --model threaded --workers "$W" --connections-per-worker "$per" --max-connections $((n + 1000)) \
    --handler echo --worker-jvm-opt=-Xss256k
  ipid=$F_PID
  coproc IDLE { python3 "$lib/idle.py" 127.0.0.1 "$F_PORT" "$n"; }
  read -r line <&"${IDLE[0]}" || true
  [[ "$line" == ready* ]] || { say "idle connections: $line"; exit 1; }
  rec R 5 sup_rss_conns forkd "$(rss_mib "$ipid")"
  say "  supervisor RSS with $n idle connections: $(rss_mib "$ipid") MiB"
  exec {IDLE[1]}>&-
  wait "$IDLE_PID" 2>/dev/null || true
  stop "$ipid"

  rec C 5 cps "fork-per-connection vs tcpserver: new conns/s" "conn/s" fork-per-connection tcpserver ">=" 1.0
  rec C 5 cps "fork-per-connection vs prefork: new conns/s (no target)" "conn/s" fork-per-connection prefork - 0
  rec S 5 spawn_p50 forkd "worker spawn-to-ready p50 (n=$sn)" ms "<=" 150
  rec S 5 spawn_p99 forkd "worker spawn-to-ready p99 (n=$sn)" ms "<=" 150
  rec S 5 worker_rss forkd "worker RSS (prefork, after the runs)" MiB "<=" 40
  rec S 5 sup_rss_idle forkd "supervisor RSS (prefork, after its connection-rate runs)" MiB "-" 0
  rec S 5 sup_rss_conns forkd "supervisor RSS with $n idle connections" MiB "<=" 256
  scenario_end 5
fi

# ---- 6: gunicorn ----------------------------------------------------------------------------------
if want 6; then
  scenario_start 6 "gunicorn sync vs forkd prefork + http-hello, $W workers each"
  start_forkd gprefork --model prefork --workers "$W" --handler http-hello --framing raw
  fport=$F_PORT; fpid=$F_PID; fadmin=$F_ADMIN
  gport="$(free_port)"
  gunicorn --chdir "$lib" -w "$W" -k sync -b "127.0.0.1:$gport" --log-level warning hello_wsgi:app \
    >"$work/gunicorn.log" 2>&1 &
  gpid=$!; pids+=("$gpid")
  wait_port "$gport"
  wc_saved=$wrk_c; wrk_c=$W   # prefork: one connection per worker, for both
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" forkd gunicorn); do
      p=$fport; [ "$c" = gunicorn ] && p=$gport
      read -r rps p99 errs < <(wrk_run "$p")
      rec R 6 rps "$c" "$rps"
      say "  round $r $c: $rps req/s, $errs errors"
    done
    for _ in $(seq 1 "$crashes"); do
      for c in $(order "$r" forkd gunicorn); do
        if [ "$c" = forkd ]; then j=$(python3 "$lib/crash.py" forkd "$fadmin"); else j=$(python3 "$lib/crash.py" gunicorn "$gpid"); fi
        read -r listed ready < <(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["listed_ms"], j["ready_ms"])' "$j")
        rec R 6 crash "$c" "$ready"
        say "  round $r $c: kill -9 -> replacement: listed $listed ms, ready $ready ms"
      done
    done
  done
  wrk_c=$wc_saved
  rec C 6 rps "req/s (wrk -c$W, each server's own keep-alive)" "req/s" forkd gunicorn - 0
  rec C 6 crash "kill -9 -> replacement (forkd: ready; gunicorn: forked)" "ms" forkd gunicorn - 0
  scenario_end 6
  stop "$gpid"; stop "$fpid"
fi

rec M "load at end" "$(loadavg)"
report_opts=()
[ "$quick" = 1 ] && report_opts+=(--quick)
if [ "$write" = 1 ]; then
  mkdir -p "$(dirname "$out")"
  python3 "$lib/report.py" "$results" ${report_opts[@]+"${report_opts[@]}"} --markdown "$out"
  if [ "$docs" = 1 ]; then say "wrote $out"; else say "wrote $out (docs/benchmarks.md untouched: --write-docs updates it)"; fi
else
  python3 "$lib/report.py" "$results" ${report_opts[@]+"${report_opts[@]}"}
fi
