#!/usr/bin/env bash
# Makes a Docker engine and forkd's base image available, for .ci/run and for people:
#   1. installs Debian's docker.io and debootstrap if they are missing;
#   2. starts dockerd without any bridge network (--bridge=none --iptables=false --ip-masq=false)
#      unless an engine already answers: containers must run with --network host, so all traffic
#      stays on loopback;
#   3. builds the base image forkd-base:local once (no registry is needed): debootstrap of Debian
#      bookworm with a Java 17 JRE and systemd, from the Debian mirror this machine's apt uses.
# Idempotent: a second run finds everything in place and does nothing. scripts/ci/docker-down.sh
# stops the dockerd that this script started, and only that one.
#
# Environment:
#   FORKD_BASE_IMAGE          the base image's tag (default forkd-base:local)
#   FORKD_REBUILD_BASE=1      build the base image again even if it exists
#   FORKD_DEBIAN_MIRROR       a Debian mirror URL, instead of the one read from apt's sources
#   FORKD_DOCKER_STATE        where dockerd's log and pid file go (default /run/forkd-docker)
#   FORKD_DOCKER_STARTED_FILE where the pid of a dockerd started here is noted, for docker-down.sh
#                             (default $FORKD_DOCKER_STATE/started-by-docker-up)
#   FORKD_DOCKER_WAIT         seconds to wait for a started dockerd to answer (default 60)
set -euo pipefail

BASE_IMAGE="${FORKD_BASE_IMAGE:-forkd-base:local}"
STATE="${FORKD_DOCKER_STATE:-/run/forkd-docker}"
STARTED_FILE="${FORKD_DOCKER_STARTED_FILE:-$STATE/started-by-docker-up}"
WAIT="${FORKD_DOCKER_WAIT:-60}"
SUITE=bookworm
PACKAGES=openjdk-17-jre-headless,systemd,systemd-sysv

say() { echo "docker-up: $*" >&2; }
die() { echo "docker-up: ERROR: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root (run this script as root, or do it yourself first)"; }

# ---- 1. packages -------------------------------------------------------------------------------
install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ ${#missing[@]} -eq 0 ]; then
    say "docker.io and debootstrap are installed"
    return
  fi
  need_root "installing ${missing[*]}"
  say "installing ${missing[*]} (apt-get update, then apt-get install)"
  # The package's maintainer scripts would start dockerd with its default bridge network; a
  # policy-rc.d that answers 101 stops them. Keep one that is already there.
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by forkd scripts/ci/docker-up.sh while installing docker.io\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  } || rc=$?
  [ -z "$made_policy" ] || rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get failed (exit $rc) installing ${missing[*]}"
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still not on PATH after installing docker.io"
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is still not on PATH after installing it"
}

# ---- 2. the engine -----------------------------------------------------------------------------
engine_answers() { docker info >/dev/null 2>&1; }

# live_process NAME PID: PID is a running NAME (a zombie has exited: it only waits for its reaper)
live_process() {
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ] &&
    [ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$2/stat" 2>/dev/null)" != Z ]
}

start_engine() {
  if engine_answers; then
    say "a Docker engine already answers ($(docker version --format 'server {{.Server.Version}}' 2>/dev/null || echo '?')); not starting one"
    return
  fi
  need_root "starting dockerd"
  mkdir -p "$STATE" "$(dirname "$STARTED_FILE")"
  local log="$STATE/dockerd.log" pidfile="$STATE/dockerd.pid"
  # Pid files left by a dockerd that was killed: dockerd refuses to start if its own names another
  # running process, and it waits (then gives up) for a containerd whose pid still exists but is
  # a zombie or something else.
  local f
  for f in "$pidfile":dockerd /var/run/docker/containerd/containerd.pid:containerd; do
    if [ -s "${f%:*}" ] && ! live_process "${f##*:}" "$(cat "${f%:*}")"; then
      say "removing the stale ${f%:*} (no live ${f##*:} has pid $(cat "${f%:*}"))"
      rm -f "${f%:*}"
    fi
  done
  say "starting dockerd --bridge=none --iptables=false --ip-masq=false (log: $log)"
  # setsid: a Ctrl-C in the terminal that ran this script does not reach dockerd
  setsid dockerd --bridge=none --iptables=false --ip-masq=false --pidfile "$pidfile" \
    </dev/null >>"$log" 2>&1 &
  local pid=$!
  echo "$pid" >"$STARTED_FILE"
  local deadline=$((SECONDS + WAIT))
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$STARTED_FILE"
      tail -n 30 "$log" >&2 || true
      die "dockerd (pid $pid) exited before it answered; its log is above and in $log"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$log" >&2 || true
      die "dockerd (pid $pid) did not answer 'docker info' within ${WAIT}s; it is left running for a look (log: $log); scripts/ci/docker-down.sh stops it"
    fi
    sleep 0.5 # polling the engine, bounded by the deadline above
  done
  say "dockerd (pid $pid) answers: server $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
  local net
  net="$(docker network ls --format '{{.Name}}' | tr '\n' ' ')"
  case " $net " in
    *" bridge "*) die "the engine has a bridge network ($net); containers must only use --network host" ;;
  esac
}

# ---- 3. the base image -------------------------------------------------------------------------
# Prints the first Debian mirror in apt's sources: deb822 stanzas (*.sources) and one-line entries
# (sources.list, *.list). An entry for the suite we build is preferred; else a Debian (non-security)
# entry for another release will do, since a Debian mirror carries every release.
debian_mirror() {
  local etc="${APT_ETC:-/etc/apt}" files=() f
  for f in "$etc"/sources.list.d/*.sources; do [ -f "$f" ] && files+=("$f"); done
  local sources822=("${files[@]}")
  files=()
  for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do [ -f "$f" ] && files+=("$f"); done
  local onelines=("${files[@]}")
  {
    if [ ${#sources822[@]} -gt 0 ]; then
      awk -v want="$SUITE" '
        function flush() {
          if (types ~ /(^| )deb( |$)/ && enabled != "no" && uri != "" && comps ~ /(^| )main( |$)/) {
            n = split(suites, s, " ")
            for (i = 1; i <= n; i++) {
              if (s[i] == want) { print "1 " uri; break }
              if (s[i] !~ /-/ && uri ~ /debian/ && uri !~ /security/) { print "2 " uri; break }
            }
          }
          types = ""; suites = ""; comps = ""; uri = ""; enabled = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        {
          key = tolower($1); sub(/:$/, "", key)
          val = $0; sub(/^[^:]*:[ \t]*/, "", val)
          if (key == "types") types = val
          else if (key == "suites") suites = val
          else if (key == "components") comps = val
          else if (key == "enabled") enabled = tolower(val)
          else if (key == "uris") { split(val, u, " "); uri = u[1] }
        }
        END { flush() }' "${sources822[@]}"
    fi
    if [ ${#onelines[@]} -gt 0 ]; then
      # deb [options] URI SUITE COMPONENTS...
      sed -e 's/#.*//' -e 's/\[[^]]*\]//' "${onelines[@]}" | awk -v want="$SUITE" '
        $1 == "deb" && NF >= 4 {
          main = 0; for (i = 4; i <= NF; i++) if ($i == "main") main = 1
          if (!main) next
          if ($3 == want) print "1 " $2; else if ($3 !~ /-/ && $2 ~ /debian/ && $2 !~ /security/) print "2 " $2
        }'
    fi
  } | sort -s -k1,1n | head -n 1 | cut -d' ' -f2-
}

build_base_image() {
  if [ "${FORKD_REBUILD_BASE:-0}" != 1 ] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "base image $BASE_IMAGE exists ($(docker image inspect --format '{{.Created}}' "$BASE_IMAGE")); set FORKD_REBUILD_BASE=1 to build it again"
    return
  fi
  need_root "debootstrap"
  local mirror="${FORKD_DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ]; then
    mirror="$(debian_mirror)"
    [ -n "$mirror" ] || die "found no Debian mirror with component main in /etc/apt/sources.list or /etc/apt/sources.list.d/*.{sources,list}; set FORKD_DEBIAN_MIRROR"
    say "Debian mirror (from apt's sources): $mirror"
  else
    say "Debian mirror (from FORKD_DEBIAN_MIRROR): $mirror"
  fi
  local dir
  dir="$(mktemp -d /var/tmp/forkd-base.XXXXXX)"
  # the root file system is large; remove it whatever happens
  ROOTFS_DIR="$dir"
  trap 'rm -rf "$ROOTFS_DIR"' EXIT
  local log="$dir.debootstrap.log"
  say "debootstrap --variant=minbase --include=$PACKAGES $SUITE $dir (log: $log)"
  local t0=$SECONDS
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$dir" "$mirror" >"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    [ -f "$dir/debootstrap/debootstrap.log" ] && tail -n 30 "$dir/debootstrap/debootstrap.log" >&2
    die "debootstrap failed; its output is above and in $log"
  fi
  say "debootstrap done in $((SECONDS - t0))s; importing it as $BASE_IMAGE"
  # apt's lists and caches are of no use in the image
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
  t0=$SECONDS
  tar -C "$dir" --numeric-owner -c . |
    docker import \
      --change 'ENV LANG=C.UTF-8' \
      --change 'LABEL dev.forkd.base="debootstrap minbase '"$SUITE"' + '"$PACKAGES"'"' \
      --change 'CMD ["/bin/bash"]' \
      - "$BASE_IMAGE" >/dev/null
  say "imported $BASE_IMAGE in $((SECONDS - t0))s ($(docker image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%d MB", $1/1000000}'))"
  docker run --rm --network host "$BASE_IMAGE" java -version 2>&1 | head -n 1 | sed 's/^/docker-up: the image has: /' >&2
  rm -rf "$dir" "$log"
  trap - EXIT
}

install_packages
start_engine
build_base_image
say "ready: docker $(docker version --format '{{.Server.Version}}'), base image $BASE_IMAGE"
