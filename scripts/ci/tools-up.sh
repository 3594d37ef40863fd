#!/usr/bin/env bash
# Installs the Debian packages that some integration tests drive as real peers, so that CI runs
# them instead of skipping them: haproxy (a peer of the benchmark suite, BenchSuiteIT), chromium
# (StatusPageIT, which fails rather than skips when CI=true). The tools the tests
# need that every Debian machine here has (systemd-analyze, systemd-socket-activate, prlimit,
# setpriv, python3) are only checked. Idempotent; needs root only when something is missing.
set -euo pipefail

say() { echo "tools-up: $*" >&2; }

missing=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
# TlsIT: real TLS clients nobody here wrote
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# StatusPageIT: the admin status page in a real browser (headless), with a font to draw it in
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
for tool in systemd-analyze systemd-socket-activate prlimit setpriv python3; do
  command -v "$tool" >/dev/null 2>&1 || say "warning: $tool is missing; the tests that need it will fail"
done
say "ready"
