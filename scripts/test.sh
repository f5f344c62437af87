#!/usr/bin/env bash
# Sets everything up, checks lint and format (ruff.toml), and runs the whole test suite.
# Uses PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) when they answer,
# SQLite and in-process tasks otherwise. With CI=true both services are required.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/agreement -q
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/install-browser.sh
scripts/messages.sh --compile  # the Arabic catalogs (.po, committed) into .mo

# Lint and format first: a finding fails the run before any test starts.
echo "ruff check . && ruff format --check ."
.venv/bin/ruff check . --quiet || { echo "ruff check found problems (above); fix them or run .venv/bin/ruff check --fix ." >&2; exit 1; }
.venv/bin/ruff format --check . --quiet || { echo "ruff format would change the files above; run .venv/bin/ruff format ." >&2; exit 1; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ "${CI:-}" = "true" ]; then
  for port in 5432 6379; do
    answers "$port" || { echo "CI=true but nothing answers on 127.0.0.1:$port (PostgreSQL 5432, Redis 6379)" >&2; exit 1; }
  done
fi
if [ -z "${DATABASE_URL:-}" ] && [ "${WORKBENCH_TEST_DB:-}" != "sqlite" ] && answers 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/workbench"
fi
if [ -z "${TEST_REDIS_URL:-}" ] && answers 6379; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/14"
fi
echo "database: ${DATABASE_URL:-SQLite}; redis for worker tests: ${TEST_REDIS_URL:-none}"
if [ "$#" -gt 0 ] || [ -z "${DATABASE_URL:-}" ]; then
  exec .venv/bin/python -m pytest "$@"
fi
# The whole suite on PostgreSQL, then what touches the database once more on SQLite, the embedded default
# that scripts/run.sh serves (the browser, consumer, fuzz and load checks and the PostgreSQL and Redis tests
# already ran above; SQLite-only failures, such as SQL it refuses, show up here).
.venv/bin/python -m pytest
echo "database: SQLite (the embedded default), the tests that touch the database"
env -u DATABASE_URL .venv/bin/python -m pytest -q \
  -m "not browser and not consumer and not fuzz and not load and not postgres and not redis"
