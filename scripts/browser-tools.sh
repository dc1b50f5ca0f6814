#!/usr/bin/env bash
# The browser tests (tests/browser) drive Debian's Chromium with playwright-core (never a downloaded
# browser). Each step runs only when its result is missing or stale: a no-op once installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
command -v node >/dev/null || { echo "Node.js 20+ is needed for tests/browser (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f tests/browser/node_modules/.package-lock.json ] \
  || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/browser --no-audit --no-fund
fi
