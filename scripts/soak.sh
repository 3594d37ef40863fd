#!/usr/bin/env bash
# Soak test (issue 8): steady load on forkd while a random worker is killed (kill -9) every 2 s.
#
# Usage: scripts/soak.sh [--minutes 10 | --seconds N] [--workers 4] [--clients 8] [--kill-every 2]
#                        [--warmup S] [--keep-log FILE]
#
# Starts its own forkd (prefork, --workers, the upper handler, DEBUG log, an admin endpoint on a
# free port, --max-restarts high enough that a kill every 2 s never trips the restart intensity),
# drives it with scripts/soak.py, then stops it with TERM. Passes (exit 0) when no connection is
# lost that was not on a killed worker, the supervisor's fd count and RSS at the end are within
# 10% of the start (measured after a warm-up, each time with the load paused and the pool
# settled), every kill is logged as a crash, the log has no ERROR line, and forkd stops with
# exit code 0. Prints a summary; exits 1 on failure, 2 on a bad command line.
#
# The supervisor runs with a fixed, pre-touched heap (SOAK_JAVA_OPTS, default
# -Xms64m -Xmx64m -XX:+AlwaysPreTouch) so that RSS shows what it holds, not how far the JVM
# chose to grow its heap. FORKD_JAR overrides the jar (else it is built when missing or stale).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
seconds=600
workers=4
clients=8
kill_every=2
warmup=
keep_log=

usage() { sed -n '4,5p' "$0" | sed 's/^# //' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) [ $# -ge 2 ] || usage; seconds=$(( $2 * 60 )); shift 2 ;;
    --seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
    --workers) [ $# -ge 2 ] || usage; workers=$2; shift 2 ;;
    --clients) [ $# -ge 2 ] || usage; clients=$2; shift 2 ;;
    --kill-every) [ $# -ge 2 ] || usage; kill_every=$2; shift 2 ;;
    --warmup) [ $# -ge 2 ] || usage; warmup=$2; shift 2 ;;
    --keep-log) [ $# -ge 2 ] || usage; keep_log=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 20 ] || { echo "soak: at least 20 seconds" >&2; exit 2; }
# a sixth of the run, 15 to 30 s: long enough for the JIT (and its compiler arenas) to settle
[ -n "$warmup" ] || warmup=$(( seconds / 6 < 15 ? 15 : (seconds / 6 > 30 ? 30 : seconds / 6) ))
[[ "$warmup" =~ ^[0-9]+$ ]] && [ "$warmup" -lt "$seconds" ] || { echo "soak: the warm-up must be shorter than the run" >&2; exit 2; }

jar="${FORKD_JAR:-}"
if [ -z "$jar" ]; then
  "$root/scripts/forkd" --version >/dev/null   # builds the jar if it is missing or stale
  jar="$root/dist/target/forkd.jar"
fi
java="${JAVA:-java}"
jcmd="$(dirname "$(readlink -f "$(command -v "$java")")")/jcmd"
log="${keep_log:-$(mktemp -t forkd-soak.XXXXXX.log)}"
: >"$log"

# shellcheck disable=SC2086
"$java" ${SOAK_JAVA_OPTS:--Xms64m -Xmx64m -XX:+AlwaysPreTouch} -jar "$jar" serve --port 0 --admin 127.0.0.1:0 \
  --model prefork --workers "$workers" --max-restarts 100000 --restart-window 60s --log-level DEBUG 2>"$log" &
sup=$!
cleanup() {
  if kill -0 "$sup" 2>/dev/null; then
    kill -KILL "$sup" 2>/dev/null || true
    wait "$sup" 2>/dev/null || true
  fi
  [ -n "$keep_log" ] || rm -f "$log"
}
trap cleanup EXIT

deadline=$((SECONDS + 60))
until grep -q "admin endpoint on http://" "$log"; do
  kill -0 "$sup" 2>/dev/null || { echo "soak: forkd exited before it was ready:" >&2; cat "$log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "soak: forkd not ready within 60 s:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
port=$(grep -m1 -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | sed 's/.*://')
admin=$(grep -m1 -o 'admin endpoint on http://[^/]*' "$log" | sed 's|.*http://||')

echo "soak: forkd pid $sup on port $port (admin $admin), $workers workers, log $log"
rc=0
python3 "$root/scripts/soak.py" --port "$port" --admin "$admin" --pid "$sup" --log "$log" \
  --seconds "$seconds" --warmup "$warmup" --clients "$clients" --kill-every "$kill_every" --jcmd "$jcmd" || rc=$?

kill -TERM "$sup"
code=0
wait "$sup" || code=$?
if [ "$code" -ne 0 ]; then
  echo "soak: FAIL: forkd exited with code $code after TERM"
  rc=1
else
  echo "soak: forkd stopped with exit code 0"
fi
exit "$rc"
