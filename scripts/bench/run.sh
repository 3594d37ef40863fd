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
# when one cannot be installed. Needs python3 (and openssl for scenario 8).
# Scenarios: 1 keep-alive, 2 echo, 3 connection rate, 4 bulk, 5 isolation cost, 6 gunicorn,
# 7 compute handlers (a worker's JIT vs a plain JVM), 8 TLS (skipped while forkd has no TLS).
#
# Environment: FORKD_JAR (default dist/target/forkd.jar, built when missing), FORKD_JAR_B (another
# forkd build, e.g. an older one: every forkd scenario then runs it too, as contender forkd-B,
# alternating with the others), JAVA (java),
# BENCH_WORKERS (W, default 4 = 2 × CPUs here; --quick: 1), BENCH_DURATION (seconds per run,
# default 10; --quick: 1), BENCH_BULK_BYTES (1 GiB; --quick: 32 MiB), BENCH_IDLE (10000; --quick:
# 300), BENCH_SPAWNS (60; --quick: 3), BENCH_WRK_CONNECTIONS (50), BENCH_PIPELINE (16, scenario 7),
# BENCH_TLS_CLIENTS (4 openssl s_time processes, scenario 8), BENCH_TLS_PEER_ONLY=1 (scenario 8
# with HAProxy alone while forkd has no TLS: to try the scenario itself).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
lib="$root/scripts/bench/lib"

quick=0
rounds=""
only="1,2,3,4,5,6,7,8"
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
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
jar_b="${FORKD_JAR_B:-}"
if [ -n "$jar_b" ] && [ ! -f "$jar_b" ]; then
  echo "run.sh: FORKD_JAR_B=$jar_b is not a file" >&2
  exit 2
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
start_forkd() { start_forkd_jar "$jar" "$@"; }
# start_forkd_jar JAR NAME serve-options...: the same with another build
start_forkd_jar() {
  local fjar="$1" name="$2"; shift 2
  F_RT="$work/$name-rt"; F_LOG="$work/$name.log"; F_ADMIN="$(free_port)"
  : >"$F_LOG"
  "$JAVA" -jar "$fjar" serve --host 127.0.0.1 --port 0 --runtime-dir "$F_RT" --admin "127.0.0.1:$F_ADMIN" \
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

# start_haproxy NAME RUNTIME_DIR [BIND_OPTIONS]: HAProxy 2.6 in mode tcp in front of the worker
# sockets there, each with send-proxy-v2, as the issue asks; BIND_OPTIONS e.g. "ssl crt FILE" to
# terminate TLS. Sets H_PORT, H_PID.
start_haproxy() {
  local name="$1" rt="$2" bindopts="${3:-}" cfg="$work/$1.cfg" i=0 s
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
  bind 127.0.0.1:$H_PORT $bindopts
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
  wrk -t1 -c"$wrk_c" -d"${dur}s" --latency "$@" "${wrk_scheme:-http}://127.0.0.1:$port/" >"$work/wrk.out" 2>&1 || true
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

bench_run() { # port [WARMUP [bench options...]]: forkd bench, by default 64-byte length-framed echo,
  # 50 connections; prints "msg/s p99 errors"
  local port="$1" warmup="${2:-$([ "$quick" = 1 ] && echo 0s || echo 1s)}"
  shift; [ $# -gt 0 ] && shift
  [ $# -gt 0 ] || set -- --connections 50 --size 64 --framing length --expect echo
  "$JAVA" -jar "$jar" bench "127.0.0.1:$port" "$@" \
    --duration "${dur}s" --warmup "$warmup" --json 2>"$work/bench.err" >"$work/bench.json" || true
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
scenario_skip() { rec K "$1" "$2"; say "scenario $1 skipped: $2"; }

# the forkd builds under test: forkd, and forkd-B with FORKD_JAR_B; cport/cpid: each contender's port and pid
forkds="forkd"; [ -n "$jar_b" ] && forkds="forkd forkd-B"
declare -A cport cpid cadmin
# jar_of CONTENDER: forkd-B and the contenders named *-B run build B
jar_of() { case "$1" in *-B) echo "$jar_b" ;; *) echo "$jar" ;; esac; }
# start_contender CONTENDER NAME serve-options...: starts that build of forkd and records its port and pid
start_contender() {
  local c="$1"; shift
  start_forkd_jar "$(jar_of "$c")" "$@"
  cport[$c]=$F_PORT; cpid[$c]=$F_PID
}
# serve_help_has CONTENDER TEXT: whether that build's `forkd serve --help` mentions TEXT
serve_help_has() { "$JAVA" -jar "$(jar_of "$1")" serve --help 2>&1 | grep -q -- "$2"; }
# compare SCENARIO METRIC LABEL UNIT PEER OP TARGET: forkd / PEER; with FORKD_JAR_B also forkd-B / PEER
# (same target) and forkd / forkd-B (no target)
compare() {
  local s="$1" m="$2" label="$3" unit="$4" peer="$5" op="$6" target="$7"
  rec C "$s" "$m" "$label" "$unit" forkd "$peer" "$op" "$target"
  if [ -n "$jar_b" ]; then
    rec C "$s" "$m" "$label, build B" "$unit" forkd-B "$peer" "$op" "$target"
    rec C "$s" "$m" "$label, forkd vs build B (no target)" "$unit" forkd forkd-B - 0
  fi
}

rec M date "$(date -u '+%Y-%m-%d %H:%M UTC')"
rec M command "scripts/bench/run.sh $([ "$quick" = 1 ] && echo --quick) (rounds $rounds, W=$W workers, ${dur}s per run, wrk -t1 -c$wrk_c)"
rec M cpus "$(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
rec M memory "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
rec M jdk "$("$JAVA" -version 2>&1 | sed -n 2p)"
rec M haproxy "$(haproxy -v 2>&1 | head -1)"
rec M wrk "$(wrk -v 2>&1 | head -1 | cut -c1-40)"
rec M gunicorn "$(gunicorn --version 2>&1 | head -1)"
rec M rounds "$rounds"
[ -n "$jar_b" ] && rec M "forkd-B" "FORKD_JAR_B=$jar_b ($("$JAVA" -jar "$jar_b" --version 2>&1 | head -1))"
rec M "load at start" "$(loadavg)"
say "W=$W workers, $rounds round(s), ${dur}s per run; load $(loadavg)"

# ---- 1 and 3: HTTP keep-alive, and connection rate (Connection: close) --------------------------
if want 1 || want 3; then
  for c in $forkds; do start_contender "$c" "http-$c" --model threaded --workers "$W" --handler http-hello --framing raw; done
  start_haproxy http-haproxy "$work/http-forkd-rt"; cport[haproxy]=$H_PORT; cpid[haproxy]=$H_PID
  if [ "$warm" -gt 0 ]; then
    dur_saved=$dur; dur=$warm
    for c in $forkds haproxy; do wrk_run "${cport[$c]}" >/dev/null; done
    dur=$dur_saved
  fi
  if want 1; then
    scenario_start 1 "wrk, HTTP keep-alive, http-hello, threaded, $forkds vs HAProxy"
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" $forkds haproxy); do
        p=${cport[$c]}; pp=${cpid[$c]}
        t0=$(cpu_ticks "$pp")
        read -r rps p99 errs < <(wrk_run "$p")
        cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$(python3 -c "print($rps * $dur)")" 1e6)
        rec R 1 rps "$c" "$rps"; rec R 1 p99 "$c" "$p99"; rec R 1 errors "$c" "$errs"; rec R 1 cpu "$c" "$cpu"
        say "  round $r $c: $rps req/s, p99 $p99 ms, $errs errors, proxy CPU $cpu µs/request"
      done
    done
    compare 1 rps "req/s (wrk -c$wrk_c keep-alive)" "req/s" haproxy ">=" 1.0
    compare 1 p99 "p99 latency" "ms" haproxy "<=" 1.2
    compare 1 cpu "proxy process CPU per request (no target)" "µs" haproxy - 0
    scenario_end 1
  fi
  if want 3; then
    scenario_start 3 "wrk with Connection: close, $forkds vs HAProxy"
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" $forkds haproxy); do
        p=${cport[$c]}; pp=${cpid[$c]}
        t0=$(cpu_ticks "$pp")
        read -r rps p99 errs < <(wrk_run "$p" -H 'Connection: close')
        cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$(python3 -c "print($rps * $dur)")" 1e6)
        rec R 3 cps "$c" "$rps"; rec R 3 errors "$c" "$errs"; rec R 3 cpu "$c" "$cpu"
        say "  round $r $c: $rps connections/s, $errs errors, proxy CPU $cpu µs/connection"
      done
    done
    compare 3 cps "new connections/s (wrk, Connection: close)" "conn/s" haproxy ">=" 1.0
    compare 3 cpu "proxy process CPU per connection (no target)" "µs" haproxy - 0
    scenario_end 3
  fi
  for c in haproxy $forkds; do stop "${cpid[$c]}"; done
fi

# ---- 2: echo round trips --------------------------------------------------------------------------
if want 2; then
  for c in $forkds; do start_contender "$c" "echo-length-$c" --model threaded --workers "$W" --handler echo --framing length; done
  start_haproxy echo-haproxy "$work/echo-length-forkd-rt"; cport[haproxy]=$H_PORT; cpid[haproxy]=$H_PID
  scenario_start 2 "forkd bench, 64-byte length-framed echo, 50 connections, $forkds vs HAProxy"
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" $forkds haproxy); do
      p=${cport[$c]}; pp=${cpid[$c]}
      t0=$(cpu_ticks "$pp")
      read -r tput p99 errs < <(bench_run "$p")
      # the bench JVM's start and warm-up are inside the window: an upper bound for both
      cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$(python3 -c "print($tput * $dur)")" 1e6)
      rec R 2 tput "$c" "$tput"; rec R 2 p99 "$c" "$p99"; rec R 2 cpu "$c" "$cpu"
      say "  round $r $c: $tput msg/s, p99 $p99 ms, $errs errors, proxy CPU $cpu µs/round trip"
    done
  done
  compare 2 tput "round trips/s (64 B, 50 conns)" "msg/s" haproxy ">=" 1.0
  compare 2 p99 "p99 latency (no target)" "ms" haproxy - 0
  compare 2 cpu "proxy process CPU per round trip (no target)" "µs" haproxy - 0
  scenario_end 2
  for c in haproxy $forkds; do stop "${cpid[$c]}"; done
fi

# ---- 4: bulk --------------------------------------------------------------------------------------
if want 4; then
  for c in $forkds; do start_contender "$c" "echo-raw-$c" --model threaded --workers "$W" --handler echo --framing raw; done
  start_haproxy bulk-haproxy "$work/echo-raw-forkd-rt"; cport[haproxy]=$H_PORT; cpid[haproxy]=$H_PID
  scenario_start 4 "$((bulk >> 20)) MiB through one connection, echo raw, $forkds vs HAProxy"
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" $forkds haproxy); do
      p=${cport[$c]}; pp=${cpid[$c]}
      t0=$(cpu_ticks "$pp")
      mbps=$(python3 "$lib/bulk.py" 127.0.0.1 "$p" "$bulk" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["MBps"], 1))')
      cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$((bulk >> 20))" 1e3)
      rec R 4 mbps "$c" "$mbps"; rec R 4 cpu "$c" "$cpu"
      say "  round $r $c: $mbps MB/s, proxy CPU $cpu ms/MiB"
    done
  done
  compare 4 mbps "$((bulk >> 20)) MiB echoed through one connection" "MB/s" haproxy ">=" 1.0
  compare 4 cpu "proxy process CPU per MiB each way (no target)" "ms" haproxy - 0
  scenario_end 4
  for c in haproxy $forkds; do stop "${cpid[$c]}"; done
fi

# ---- 5: isolation cost ----------------------------------------------------------------------------
# spawn_to_ready CONTENDER: spawn-to-ready of one-at-a-time spawns of that build (fork-per-connection,
# one busy slot, one spare; each connection uses up a worker); records R 5 spawn_p50/spawn_p99, sets sn
spawn_to_ready() {
  local c="$1" i end sp50 sp99
  start_contender "$c" "spawn-$c" --model fork-per-connection --workers 1 --spares 1 --handler upper
  local sport=$F_PORT spid=$F_PID slog=$F_LOG
  for i in $(seq 0 "$spawns"); do
    # i = 0: the one warm spare (the pool's size in this model) at start; then each connection
    # takes the spare and a replacement is spawned
    [ "$i" = 0 ] || python3 "$lib/connrate.py" 127.0.0.1 "$sport" 0 1 >/dev/null   # 0 s: one connection
    end=$((SECONDS + 60))
    until [ "$(grep -c ' ready in ' "$slog" || true)" -ge $((1 + i)) ]; do
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
  rec R 5 spawn_p50 "$c" "$sp50"; rec R 5 spawn_p99 "$c" "$sp99"
  say "  $c: spawn to ready over $sn spawns: p50 $sp50 ms, p99 $sp99 ms"
  stop "$spid"
}

if want 5; then
  scenario_start 5 "fork-per-connection vs tcpserver vs prefork; spawn-to-ready, RSS ($forkds)"
  for c in $forkds; do spawn_to_ready "$c"; done

  # contenders: fork-per-connection and prefork of each build (-B for build B), and tcpserver
  conrate=""
  for c in $forkds; do
    sfx=""; [ "$c" = forkd-B ] && sfx="-B"
    start_contender "fork-per-connection$sfx" "fpc-$c" --model fork-per-connection --workers "$W" --handler upper
    start_contender "prefork$sfx" "prefork-$c" --model prefork --workers "$W" --handler upper
    cadmin[prefork$sfx]=$F_ADMIN
    conrate="$conrate fork-per-connection$sfx prefork$sfx"
  done
  cport[tcpserver]="$(free_port)"
  tcpserver -q -H -R -l 0 -c 200 127.0.0.1 "${cport[tcpserver]}" tr a-z A-Z &
  cpid[tcpserver]=$!; pids+=("${cpid[tcpserver]}")
  wait_port "${cport[tcpserver]}"
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" $conrate tcpserver); do
      json=$(python3 "$lib/connrate.py" 127.0.0.1 "${cport[$c]}" "$dur" "$W")
      rate=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["rate"], 1))' "$json")
      rec R 5 cps "$c" "$rate"
      say "  round $r $c: $json"
    done
  done
  for c in $forkds; do
    sfx=""; [ "$c" = forkd-B ] && sfx="-B"
    for w in $(worker_pids "${cadmin[prefork$sfx]}"); do rec R 5 worker_rss "$c" "$(rss_mib "$w")"; done
    rec R 5 sup_rss_idle "$c" "$(rss_mib "${cpid[prefork$sfx]}")"
  done
  stop "${cpid[tcpserver]}"
  for c in $conrate; do stop "${cpid[$c]}"; done

  # supervisor RSS with many idle relayed connections; each takes two descriptors in the supervisor
  limit=$(ulimit -n)
  n=$idle_n
  if [ $((2 * n + 200)) -gt "$limit" ]; then
    n=$(((limit - 200) / 2)); say "  open-files limit $limit: holding $n idle connections instead of $idle_n"
  fi
  per=$(((n + W - 1) / W + 10))
  for c in $forkds; do
    start_forkd_jar "$(jar_of "$c")" "idle-$c" --model threaded --workers "$W" --connections-per-worker "$per" \
      --max-connections $((n + 1000)) --handler echo --worker-jvm-opt=-Xss256k
    ipid=$F_PID
    coproc IDLE { python3 "$lib/idle.py" 127.0.0.1 "$F_PORT" "$n"; }
    read -r line <&"${IDLE[0]}" || true
    [[ "$line" == ready* ]] || { say "idle connections: $line"; exit 1; }
    rec R 5 sup_rss_conns "$c" "$(rss_mib "$ipid")"
    say "  $c: supervisor RSS with $n idle connections: $(rss_mib "$ipid") MiB"
    exec {IDLE[1]}>&-
    wait "$IDLE_PID" 2>/dev/null || true
    stop "$ipid"
  done

  rec C 5 cps "fork-per-connection vs tcpserver: new conns/s" "conn/s" fork-per-connection tcpserver ">=" 1.0
  rec C 5 cps "fork-per-connection vs prefork: new conns/s (no target)" "conn/s" fork-per-connection prefork - 0
  if [ -n "$jar_b" ]; then
    rec C 5 cps "fork-per-connection vs tcpserver: new conns/s, build B" "conn/s" fork-per-connection-B tcpserver ">=" 1.0
    rec C 5 cps "fork-per-connection, forkd vs build B (no target)" "conn/s" fork-per-connection fork-per-connection-B - 0
    rec C 5 cps "prefork, forkd vs build B (no target)" "conn/s" prefork prefork-B - 0
  fi
  for c in $forkds; do
    rec S 5 spawn_p50 "$c" "worker spawn-to-ready p50 (n=$sn)" ms "<=" 150
    rec S 5 spawn_p99 "$c" "worker spawn-to-ready p99 (n=$sn)" ms "<=" 150
    rec S 5 worker_rss "$c" "worker RSS (prefork, after the runs)" MiB "<=" 40
    rec S 5 sup_rss_idle "$c" "supervisor RSS (prefork, after its connection-rate runs)" MiB "-" 0
    rec S 5 sup_rss_conns "$c" "supervisor RSS with $n idle connections" MiB "<=" 256
  done
  scenario_end 5
fi

# ---- 6: gunicorn ----------------------------------------------------------------------------------
if want 6; then
  scenario_start 6 "gunicorn sync vs forkd prefork + http-hello, $W workers each ($forkds)"
  for c in $forkds; do
    start_contender "$c" "gprefork-$c" --model prefork --workers "$W" --handler http-hello --framing raw
    cadmin[$c]=$F_ADMIN
  done
  cport[gunicorn]="$(free_port)"
  gunicorn --chdir "$lib" -w "$W" -k sync -b "127.0.0.1:${cport[gunicorn]}" --log-level warning hello_wsgi:app \
    >"$work/gunicorn.log" 2>&1 &
  cpid[gunicorn]=$!; pids+=("${cpid[gunicorn]}")
  wait_port "${cport[gunicorn]}"
  wc_saved=$wrk_c; wrk_c=$W   # prefork: one connection per worker, for both
  for r in $(seq 1 "$rounds"); do
    for c in $(order "$r" $forkds gunicorn); do
      read -r rps p99 errs < <(wrk_run "${cport[$c]}")
      rec R 6 rps "$c" "$rps"
      say "  round $r $c: $rps req/s, $errs errors"
    done
    for _ in $(seq 1 "$crashes"); do
      for c in $(order "$r" $forkds gunicorn); do
        if [ "$c" = gunicorn ]; then j=$(python3 "$lib/crash.py" gunicorn "${cpid[gunicorn]}"); else j=$(python3 "$lib/crash.py" forkd "${cadmin[$c]}"); fi
        read -r listed ready < <(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["listed_ms"], j["ready_ms"])' "$j")
        rec R 6 crash "$c" "$ready"
        say "  round $r $c: kill -9 -> replacement: listed $listed ms, ready $ready ms"
      done
    done
  done
  wrk_c=$wc_saved
  compare 6 rps "req/s (wrk -c$W, each server's own keep-alive)" "req/s" gunicorn - 0
  compare 6 crash "kill -9 -> replacement (forkd: ready; gunicorn: forked)" "ms" gunicorn - 0
  scenario_end 6
  for c in gunicorn $forkds; do stop "${cpid[$c]}"; done
fi

# ---- 7: compute-bound handlers: a worker's JIT vs the same code in a plain JVM -------------------
# One prefork worker serves one connection: forkd bench with one connection that keeps --pipeline
# messages in flight, so that the worker's throughput is measured, not the round trip. Contenders:
# forkd (--worker-jit auto: full tiered compilation in prefork), forkd-c1 (--worker-jit fast: C1
# only, what every worker ran before), plain (PlainComputeServer: ComputeWork, the same code, in a
# plain JVM with the JVM's own options, behind a plain blocking socket), forkd-B if that build has
# the handler.
if want 7; then
  pipe="${BENCH_PIPELINE:-16}"
  cwarm=$([ "$quick" = 1 ] && echo 1s || echo 3s)
  scenario_start 7 "compute handlers, prefork, 1 worker, 1 connection, pipeline $pipe: forkd (JIT auto) vs forkd --worker-jit fast vs a plain JVM"
  c7="forkd forkd-c1 plain"
  if [ -n "$jar_b" ]; then
    if serve_help_has forkd-B sha256; then c7="$c7 forkd-B"; else say "  build B has no sha256 handler: not a contender here"; fi
  fi
  for kind in sha256 json; do
    size=4096; [ "$kind" = json ] && size=2048
    for c in $c7; do
      case $c in
        forkd|forkd-B) start_contender "$c" "$kind-$c" --model prefork --workers 1 --handler "$kind" --framing length; cadmin[$c]=$F_ADMIN ;;
        forkd-c1) start_contender "$c" "$kind-$c" --model prefork --workers 1 --handler "$kind" --framing length --worker-jit fast; cadmin[$c]=$F_ADMIN ;;
        plain)
          cport[plain]="$(free_port)"
          "$JAVA" -cp "$jar" dev.forkd.tools.bench.PlainComputeServer "${cport[plain]}" "$kind" 2>"$work/plain-$kind.log" &
          cpid[plain]=$!; pids+=("${cpid[plain]}")
          wait_port "${cport[plain]}" ;;
      esac
    done
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" $c7); do
        read -r tput p99 errs < <(bench_run "${cport[$c]}" "$cwarm" --connections 1 --pipeline "$pipe" --size "$size" \
          --framing length --expect "$kind")
        [ "$errs" = 0 ] || say "  $c: $errs errors (see forkd bench's report in $work/bench.json)"
        rec R 7 "$kind" "$c" "$tput"
        say "  round $r $c: $kind, $size B: $tput msg/s, $errs errors"
      done
    done
    for c in $c7; do
      [ "$c" = plain ] && continue
      w=$(worker_pids "${cadmin[$c]}" | head -1)
      [ -n "$w" ] && rec R 7 "rss_$kind" "$c" "$(rss_mib "$w")"
      stop "${cpid[$c]}"
    done
    stop "${cpid[plain]}"
    rec C 7 "$kind" "$kind, $size B messages: msg/s of one worker (JIT auto)" "msg/s" forkd plain ">=" 0.9
    rec C 7 "$kind" "$kind, $size B messages: msg/s of one worker, --worker-jit fast (no target)" "msg/s" forkd-c1 plain - 0
    [[ " $c7 " == *" forkd-B "* ]] && rec C 7 "$kind" "$kind, $size B messages: msg/s of one worker, build B" "msg/s" forkd-B plain ">=" 0.9
    rec C 7 "rss_$kind" "$kind: worker RSS after the runs, JIT auto vs fast (no target)" "MiB" forkd forkd-c1 - 0
  done
  scenario_end 7
fi

# ---- 8: TLS: forkd terminating TLS vs HAProxy terminating TLS in front of the same workers -------
# An ECDSA P-256 certificate made now with openssl. New handshakes/s: BENCH_TLS_CLIENTS `openssl
# s_time -new` processes (a full handshake per connection, no resumption, no request); keep-alive
# req/s: wrk over https, http-hello; bulk: lib/tlsbulk.py, echo raw, through one TLS connection.
if want 8; then
  c8=""
  for c in $forkds; do
    if serve_help_has "$c" --tls-cert; then c8="$c8 $c"; fi
  done
  if [ -z "$c8" ] && [ "${BENCH_TLS_PEER_ONLY:-}" != 1 ]; then
    scenario_skip 8 "forkd has no TLS yet (\`forkd serve --help\` shows no --tls-cert); BENCH_TLS_PEER_ONLY=1 runs HAProxy's half alone"
  elif ! command -v openssl >/dev/null; then
    scenario_skip 8 "no openssl command to make the certificate and to measure handshakes"
  else
    [ -z "$c8" ] && say "  scenario 8: forkd has no TLS yet: HAProxy's half alone (BENCH_TLS_PEER_ONLY=1)"
    tls_clients="${BENCH_TLS_CLIENTS:-4}"
    tdir="$work/tls"; mkdir -p "$tdir"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tdir/key.pem" 2>/dev/null
    openssl req -x509 -new -key "$tdir/key.pem" -subj /CN=localhost -days 2 \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out "$tdir/cert.pem" 2>/dev/null
    cat "$tdir/cert.pem" "$tdir/key.pem" >"$tdir/haproxy.pem"
    tls_bind="ssl crt $tdir/haproxy.pem ssl-min-ver TLSv1.2"
    rec M "scenario 8" "ECDSA P-256 ($(openssl version)); $tls_clients x openssl s_time -new; wrk https; lib/tlsbulk.py"
    # the workers HAProxy fronts: forkd's own when it has TLS, else a forkd without TLS that only provides them
    tls_forkd() { # NAME serve-options...: starts every TLS contender and HAProxy in front of the first's workers
      local name="$1" c; shift
      for c in $c8; do start_contender "$c" "$name-$c" "$@" --tls-cert "$tdir/cert.pem" --tls-key "$tdir/key.pem"; done
      if [ -z "$c8" ]; then start_forkd "$name-workers" "$@"; else c=${c8# }; F_RT="$work/$name-${c%% *}-rt"; fi
      start_haproxy "$name-haproxy" "$F_RT" "$tls_bind"; cport[haproxy]=$H_PORT; cpid[haproxy]=$H_PID
      [ -z "$c8" ] && cpid[workers8]=$F_PID
      return 0
    }
    tls_stop() { local c; for c in haproxy $c8; do stop "${cpid[$c]}"; done; [ -z "$c8" ] && stop "${cpid[workers8]}"; return 0; }
    scenario_start 8 "TLS (ECDSA P-256): handshakes/s, keep-alive req/s, bulk MB/s;${c8:- (forkd without TLS: not measured)} vs HAProxy terminating TLS"
    tls_forkd tls-http --model threaded --workers "$W" --handler http-hello --framing raw
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" $c8 haproxy); do
        p=${cport[$c]}; pp=${cpid[$c]}
        t0=$(cpu_ticks "$pp")
        spids=()
        h0=$(date +%s.%N)
        for i in $(seq 1 "$tls_clients"); do
          openssl s_time -connect "127.0.0.1:$p" -new -time "$dur" >"$tdir/stime-$i.out" 2>&1 &
          spids+=($!)
        done
        for j in "${spids[@]}"; do wait "$j" || true; done
        # connections over the wall time of the whole batch: s_time's own "real seconds" are whole seconds
        hs=$(python3 - "$tdir" "$tls_clients" "$h0" "$(date +%s.%N)" <<'PY'
import re, sys
total = 0
for i in range(1, int(sys.argv[2]) + 1):
    t = open(f"{sys.argv[1]}/stime-{i}.out").read()
    m = re.search(r"(\d+) connections in \d+ real seconds", t)
    if not m:
        sys.exit("openssl s_time printed no result:\n" + t)
    total += int(m.group(1))
print(round(total / (float(sys.argv[4]) - float(sys.argv[3])), 1), total)
PY
)
        read -r hs hn <<<"$hs"
        cpu=$(per_op "$t0" "$(cpu_ticks "$pp")" "$hn" 1e6)
        rec R 8 hs "$c" "$hs"; rec R 8 hs_cpu "$c" "$cpu"
        say "  round $r $c: $hs new TLS handshakes/s, proxy CPU $cpu µs/handshake"
        read -r rps p99 errs < <(wrk_scheme=https wrk_run "$p")
        rec R 8 rps "$c" "$rps"; rec R 8 p99 "$c" "$p99"
        say "  round $r $c: TLS keep-alive $rps req/s, p99 $p99 ms, $errs errors"
      done
    done
    tls_stop
    tls_forkd tls-bulk --model threaded --workers "$W" --handler echo --framing raw
    for r in $(seq 1 "$rounds"); do
      for c in $(order "$r" $c8 haproxy); do
        mbps=$(python3 "$lib/tlsbulk.py" 127.0.0.1 "${cport[$c]}" "$bulk" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["MBps"], 1))')
        rec R 8 mbps "$c" "$mbps"
        say "  round $r $c: TLS bulk $mbps MB/s"
      done
    done
    tls_stop
    for c in $c8; do
      rec C 8 hs "new TLS handshakes/s (ECDSA P-256, no resumption)$([ "$c" = forkd-B ] && echo ', build B')" "hs/s" "$c" haproxy ">=" 0.9
      rec C 8 hs_cpu "proxy process CPU per handshake (no target)$([ "$c" = forkd-B ] && echo ', build B')" "µs" "$c" haproxy - 0
      rec C 8 rps "TLS keep-alive req/s (wrk -c$wrk_c, http-hello)$([ "$c" = forkd-B ] && echo ', build B')" "req/s" "$c" haproxy ">=" 0.9
      rec C 8 mbps "TLS: $((bulk >> 20)) MiB echoed through one connection$([ "$c" = forkd-B ] && echo ', build B')" "MB/s" "$c" haproxy ">=" 0.9
    done
    if [ -z "$c8" ]; then
      rec S 8 hs haproxy "HAProxy alone: new TLS handshakes/s (forkd has no TLS yet)" "hs/s" - 0
      rec S 8 rps haproxy "HAProxy alone: TLS keep-alive req/s" "req/s" - 0
      rec S 8 mbps haproxy "HAProxy alone: TLS, $((bulk >> 20)) MiB echoed through one connection" "MB/s" - 0
    fi
    scenario_end 8
  fi
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
