#!/usr/bin/env bash
# The third-party client tests (tests/clients_js) run Apollo Client and urql under Node, installed from the
# lock with `npm ci`; only when node_modules is missing or older than the lock (a no-op once installed).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "Node.js 20+ is needed for tests/clients_js (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f tests/clients_js/node_modules/.package-lock.json ] \
  || [ tests/clients_js/package-lock.json -nt tests/clients_js/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/clients_js --no-audit --no-fund
fi
