#!/usr/bin/env bash
# The schema tooling test (tests/test_schema_tooling.py) runs graphql-schema-linter, graphql-codegen and
# tsc from tests/schema_tools (versions pinned by its package-lock.json). A no-op once installed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "Node.js 20+ is needed for tests/schema_tools (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f tests/schema_tools/node_modules/.package-lock.json ] \
  || [ tests/schema_tools/package-lock.json -nt tests/schema_tools/node_modules/.package-lock.json ]; then
  # --loglevel=error: codegen's URL loaders (unused for files) declare Node 22 and warn on Node 20.
  npm ci --prefix tests/schema_tools --no-audit --no-fund --loglevel=error
fi
