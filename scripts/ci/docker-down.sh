#!/usr/bin/env bash
# Stops the dockerd that scripts/ci/docker-up.sh started, and only that one: an engine that was
# already running when docker-up.sh ran (a system service, someone else's) is left alone.
# Uses the same FORKD_DOCKER_STATE / FORKD_DOCKER_STARTED_FILE as docker-up.sh.
set -euo pipefail

STATE="${FORKD_DOCKER_STATE:-/run/forkd-docker}"
STARTED_FILE="${FORKD_DOCKER_STARTED_FILE:-$STATE/started-by-docker-up}"
WAIT="${FORKD_DOCKER_STOP_WAIT:-30}"

say() { echo "docker-down: $*" >&2; }
# true while $pid is a dockerd that has not exited (a zombie waiting for its reaper has exited)
is_dockerd() {
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] &&
    [ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

if [ ! -s "$STARTED_FILE" ]; then
  say "docker-up.sh started no dockerd (no $STARTED_FILE); nothing to stop"
  exit 0
fi
pid="$(cat "$STARTED_FILE")"
# the pid must still be that dockerd, not a process that got its number since
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! is_dockerd; then
  say "dockerd (pid $pid) from docker-up.sh is no longer running"
  rm -f "$STARTED_FILE"
  exit 0
fi

running="$(docker ps -q 2>/dev/null | wc -l || true)"
[ "$running" = 0 ] || say "note: $running container(s) still running; dockerd stops them"
say "stopping dockerd (pid $pid)"
kill -TERM "$pid"
deadline=$((SECONDS + WAIT))
while is_dockerd; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "dockerd (pid $pid) still runs ${WAIT}s after TERM; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 0.2 # polling for the exit of a process that is not our child, bounded by the deadline
done
rm -f "$STARTED_FILE"
say "dockerd stopped"
