#!/usr/bin/env bash
# The HTTP benchmark (tests/benchmarks/bench_http.py) loads the servers with Debian's wrk and
# measures the SQL alone with pgbench (postgresql-client). Installs only what is missing: a no-op once installed.
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # A fresh machine has no package lists: apt-get install would find nothing.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; }
fi
