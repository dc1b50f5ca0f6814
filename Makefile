# The two commands a newcomer needs: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3.11
VENV := .venv
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9

.PHONY: demo test lint typecheck pytest bench schema clean browser-tools bench-tools vendor-graphiql schema-tools client-tools

# A local virtual environment with the locked dependencies, rebuilt when the lock changes.
$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet
	@touch $@

demo: $(VENV)/.synced
	$(VENV)/bin/theset demo

test: lint typecheck pytest

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check app workers tests
	$(VENV)/bin/ruff format --check app workers tests
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

pytest: $(VENV)/.synced browser-tools schema-tools client-tools
	$(VENV)/bin/pytest

# Debian's chromium and playwright-core for tests/browser (installed only when missing).
browser-tools:
	@scripts/browser-tools.sh

# graphql-schema-linter, graphql-codegen and tsc for tests/test_schema_tooling.py (installed only when missing).
schema-tools:
	@scripts/schema-tools.sh

# GraphiQL's assets, vendored into app/static/graphiql/ from the npm versions its manifest.json pins.
vendor-graphiql: $(VENV)/.synced
	$(VENV)/bin/python scripts/vendor_graphiql.py

# Debian's wrk and pgbench for tests/benchmarks/bench_http.py (installed only when missing).
bench-tools:
	@scripts/bench-tools.sh

# Apollo Client, urql and graphql-ws for tests/clients_js (npm ci from its lock, only when missing or stale).
client-tools:
	@scripts/client-tools.sh

bench: $(VENV)/.synced bench-tools
	$(VENV)/bin/python -m tests.benchmarks

schema: $(VENV)/.synced
	$(VENV)/bin/theset export-schema

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
