#!/usr/bin/env bash
# Sets everything up and serves the workbench on http://127.0.0.1:8000 with the demo data loaded.
# SQLite in var/, Celery tasks in-process (no broker needed). Demo accounts: see README.
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
exec .venv/bin/python manage.py runserver "${WORKBENCH_ADDR:-127.0.0.1:8000}"
