#!/usr/bin/env bash
# The workbench as shipped, for the client benchmarks (../shared/peer-bench, bench/all.py): gunicorn with
# 2 workers on 127.0.0.1:PORT (as the peers are started), persistent database connections (the default), and
# background jobs through the embedded broker (kombu's SQLAlchemy transport on DIR/celery.sqlite) to one
# Celery worker, as scripts/run.sh does. DATABASE_URL from the environment (SQLite file or PostgreSQL);
# migrates, seeds the demo accounts (password PW) and the peer benchmark's project "bench" (k = 1).
# Usage: serve_ours.sh PORT DIR PW.  Stop: kill $(cat DIR/gunicorn.pid) $(cat DIR/celery.pid)
set -euo pipefail
PORT="$1"; DIR="$2"; PW="$3"
cd "$(dirname "$0")/.."
mkdir -p "$DIR"
# DEBUG off as the peers run (doccano serves config.settings.production): a loopback-only bench secret
export CELERY_BROKER_URL="sqla+sqlite:///$DIR/celery.sqlite" DEBUG="${DEBUG:-0}"
export SECRET_KEY="${SECRET_KEY:-bench-only-$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c 56)}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo --password "$PW" --force >/dev/null  # known passwords: loopback only
# the peer benchmark's project: demo labels, manager / adjudicator / reviewer1 as members, k = 1
.venv/bin/python manage.py shell -c '
from django.contrib.auth import get_user_model
from annotations.models import Membership, Project, Role
from annotations.services.demo import labels_ensure
project, _ = Project.objects.get_or_create(slug="bench", defaults={"name": "bench", "overlap_k": 1})
labels_ensure(project)
for name, role in [("manager", Role.MANAGER), ("adjudicator", Role.ADJUDICATOR), ("reviewer1", Role.REVIEWER)]:
    user = get_user_model().objects.get(username=name)
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
print("bench project", project.pk)
'
.venv/bin/celery -A workbench worker --concurrency 1 --loglevel WARNING --without-mingle --without-gossip \
  --pidfile "$DIR/celery.pid" --logfile "$DIR/celery.log" --detach
.venv/bin/gunicorn workbench.wsgi:application -b "127.0.0.1:$PORT" -w "${WEB_WORKERS:-2}" --timeout 600 \
  --pid "$DIR/gunicorn.pid" --log-file "$DIR/gunicorn.log" --daemon
for i in $(seq 1 60); do
  if curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz"; then echo "ours up on http://127.0.0.1:$PORT"; exit 0; fi
  sleep 1
done
echo "ours did not answer on 127.0.0.1:$PORT" >&2; exit 1
