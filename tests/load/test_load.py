"""The short load run (bench/load.py): 20 simulated reviewers for 15 s against gunicorn, PostgreSQL,
Redis and 2 Celery workers; every acknowledged write must be stored exactly once, no document over k,
no reviewer twice, every agreement job done. Deselect locally with -m "not load"; CI always runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(600)]


def answers(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_short_load_run_keeps_every_write_exactly_once():
    require_service("PostgreSQL", answers(5432), "127.0.0.1:5432")
    require_service("Redis", answers(6379), "127.0.0.1:6379")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--reviewers", "20", "--duration", "15", "--database", "workbench_load_ci"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks held" in result.stdout
    assert "spans acknowledged 0 " not in result.stdout and "submits 0;" not in result.stdout  # real work
    assert "'done'" in result.stdout  # submissions started agreement jobs, and they finished
