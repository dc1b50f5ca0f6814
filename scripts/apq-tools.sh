#!/usr/bin/env bash
# The APQ test (tests/apq) runs Apollo Client's real PersistedQueryLink on Node: install its locked
# npm packages when missing or stale (a no-op once installed).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "Node.js 20+ is needed for tests/apq (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f tests/apq/node_modules/.package-lock.json ] \
  || [ tests/apq/package-lock.json -nt tests/apq/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/apq --no-audit --no-fund
fi
