#!/usr/bin/env bash
# Builds and runs the example projects under examples/ as their users would: each with its own
# pom.xml, against forkd's artifacts in the local Maven repository and the image built from this
# checkout. .ci/run calls it after `mvn verify` has succeeded (so dist/target/forkd.jar is fresh),
# with the same environment (FORKD_BASE_IMAGE, TESTCONTAINERS_*).
#   scripts/ci/examples.sh
# FORKD_BASE_IMAGE     the image's base (default eclipse-temurin:17-jre; CI: forkd-base:local)
# FORKD_EXAMPLES_IMAGE the tag of the image it builds, runs and removes at the end (default forkd:local)
# The examples' containers run on the host's network (this CI's engine has no bridge network).
set -euo pipefail
cd "$(dirname "$0")/../.."

image="${FORKD_EXAMPLES_IMAGE:-forkd:local}"
base="${FORKD_BASE_IMAGE:-eclipse-temurin:17-jre}"
# Testcontainers on an engine without a bridge network: no Ryuk, the containers on loopback
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-localhost}"

say() { echo "examples: $*" >&2; }
die() { say "$*"; exit 1; }

# The version the examples pin must be this checkout's: the test is of these sources, and a user
# copying an example gets a version that exists.
version="$(sed -n '/<artifactId>forkd-parent<\/artifactId>/,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)"
[ -n "$version" ] || die "cannot read forkd's version from pom.xml"
for example in testcontainers handler; do
  [ -f "examples/$example/pom.xml" ] || die "no examples/$example/pom.xml"
  pinned="$(sed -n 's:.*<forkd.version>\(.*\)</forkd.version>.*:\1:p' "examples/$example/pom.xml" | head -1)"
  [ "$pinned" = "$version" ] || die "examples/$example/pom.xml pins forkd $pinned, the checkout is $version: update <forkd.version>"
done

[ -f dist/target/forkd.jar ] || die "no dist/target/forkd.jar: run mvn verify (or package) first"

# forkd-testcontainers, forkd-worker-api and their parent pom into the local repository, where a
# user's build finds them
say "installing forkd-parent, forkd-worker-api and forkd-testcontainers $version into the local Maven repository"
mvn -B -q install -DskipTests -pl testcontainers,worker-api -am

# the image from this checkout's jar; removed at the end
built=""
cleanup() {
  if [ -n "$built" ]; then
    docker rmi -f "$image" >/dev/null 2>&1 || say "could not remove the image $image"
  fi
}
trap cleanup EXIT
scripts/docker/build-image.sh --base "$base" --tag "$image" >/dev/null
built=1

say "examples/testcontainers: mvn verify against $image, host network"
mvn -B -f examples/testcontainers/pom.xml verify -Dforkd.image="$image" -Dforkd.network=host

# the handler project as its README builds it: against forkd-worker-api from the local repository
# (the reactor builds it too, and HandlerExampleIT serves that jar; this is the user's way)
say "examples/handler: mvn verify on its own"
mvn -B -f examples/handler/pom.xml clean verify

say "all examples passed"
