#!/usr/bin/env bash
# Sets everything up and serves the workbench on http://127.0.0.1:8000 with the demo data loaded.
# SQLite in var/; background jobs (agreement, exports, stats) go through the embedded broker, kombu's SQLAlchemy
# transport on var/celery.sqlite, to a Celery worker started here: no server to install, and no request
# waits for a job. Demo accounts: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
export DEBUG="${DEBUG:-1}"
command -v msgfmt >/dev/null || { [ "$(id -u)" = "0" ] && apt-get install -y -qq --no-install-recommends gettext >/dev/null; } || true
scripts/messages.sh --compile || echo "gettext is missing: the interface stays English (apt-get install gettext)" >&2
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py seed_demo --password "${DEMO_PASSWORD:-workbench-demo}"
echo "Sign in at http://127.0.0.1:8000/ as manager, adjudicator or reviewer1..3 (password: ${DEMO_PASSWORD:-workbench-demo})"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-sqla+sqlite:///$PWD/var/celery.sqlite}"
# One worker process (the embedded database takes one writer at a time) with the periodic tasks (-B).
.venv/bin/celery -A workbench worker -B --schedule var/celerybeat-schedule --concurrency 1 --loglevel WARNING \
  --without-mingle --without-gossip --logfile var/celery-worker.log &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo "Background jobs: Celery worker $WORKER (log: var/celery-worker.log)"
.venv/bin/python manage.py runserver "${WORKBENCH_ADDR:-127.0.0.1:8000}"
