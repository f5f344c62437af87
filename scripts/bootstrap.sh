#!/usr/bin/env bash
# Creates .venv (Python 3.11) and installs the pinned requirements. Usage: scripts/bootstrap.sh [requirements file]
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS="${1:-requirements.txt}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$REQUIREMENTS")"
if [ ! -f "$stamp" ] || [ "$REQUIREMENTS" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  mkdir -p var
  # pip's output goes to a log (this machine's pip config prints a warning per package); shown on failure.
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >var/pip-install.log 2>&1; then
    cat var/pip-install.log >&2
    echo "pip install -r $REQUIREMENTS failed (log above, also in var/pip-install.log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
