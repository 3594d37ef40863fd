#!/usr/bin/env bash
# Builds the forkd container image from the current forkd.jar.
#   scripts/docker/build-image.sh [--base IMAGE] [--tag forkd:local] [--jar PATH]
# --base  the base image (default: $FORKD_BASE_IMAGE, else eclipse-temurin:17-jre); it needs a
#         Java 17+ `java` on PATH. Where there is no registry, use a local one (scripts/ci/docker-up.sh
#         builds forkd-base:local).
# --tag   the image's name (default forkd:local)
# --jar   the jar to put in it (default dist/target/forkd.jar, built with Maven if missing)
# The build context is a temporary directory holding the Dockerfile and the jar only, never the
# repository. Prints the image id on stdout; everything else goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
base="${FORKD_BASE_IMAGE:-eclipse-temurin:17-jre}"
tag="forkd:local"
jar="$root/dist/target/forkd.jar"

usage() { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; }
die() { echo "build-image: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --base) [ $# -ge 2 ] || die "--base needs an image"; base="$2"; shift 2 ;;
    --base=*) base="${1#*=}"; shift ;;
    --tag) [ $# -ge 2 ] || die "--tag needs a name"; tag="$2"; shift 2 ;;
    --tag=*) tag="${1#*=}"; shift ;;
    --jar) [ $# -ge 2 ] || die "--jar needs a path"; jar="$2"; shift 2 ;;
    --jar=*) jar="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "unknown argument: $1" ;;
  esac
done

command -v docker >/dev/null 2>&1 || die "no docker command; install Docker (or run scripts/ci/docker-up.sh as root)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed); start one, e.g. scripts/ci/docker-up.sh as root"

if [ ! -f "$jar" ]; then
  [ "$jar" = "$root/dist/target/forkd.jar" ] || die "no such jar: $jar"
  echo "build-image: $jar is missing; building it (mvn -q -DskipTests package)" >&2
  (cd "$root" && mvn -q -B -DskipTests package) >&2
elif [ "$jar" = "$root/dist/target/forkd.jar" ] && [ -n "$(find "$root/pom.xml" "$root/shared" "$root/worker-api" "$root/worker" "$root/supervisor" "$root/tools" "$root/dist" \
    \( -path '*/target' -prune \) -o \( -type f -newer "$jar" -print -quit \))" ]; then
  echo "build-image: note: sources are newer than $jar; using it as it is (mvn -DskipTests package rebuilds it)" >&2
fi

ctx="$(mktemp -d "${TMPDIR:-/tmp}/forkd-image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
cp "$root/scripts/docker/Dockerfile" "$ctx/Dockerfile"
cp "$jar" "$ctx/forkd.jar"
# the jar is copied into the image as root's and only read there
chmod 644 "$ctx/forkd.jar"

echo "build-image: docker build --build-arg BASE_IMAGE=$base --tag $tag (context: Dockerfile + $(basename "$jar"), $(du -h "$ctx/forkd.jar" | cut -f1))" >&2
local_base=1
docker image inspect "$base" >/dev/null 2>&1 || local_base=""
[ -n "$local_base" ] || echo "build-image: $base is not on this engine; docker build pulls it" >&2
# --network host: a RUN step must not need Docker's bridge network, which may not exist;
# --force-rm: a failed step leaves no container behind
if ! docker build --network host --force-rm --build-arg "BASE_IMAGE=$base" --tag "$tag" "$ctx" >&2; then
  if [ -z "$local_base" ] && ! docker image inspect "$base" >/dev/null 2>&1; then
    echo "build-image: the base image $base could not be pulled; give a local one with --base" \
      "(as root, scripts/ci/docker-up.sh builds forkd-base:local)" >&2
  fi
  echo "build-image: docker build failed" >&2
  exit 1
fi
id="$(docker image inspect --format '{{.Id}}' "$tag")"
echo "build-image: built $tag ($id)" >&2
echo "$id"
