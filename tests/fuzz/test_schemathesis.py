"""Schemathesis against /api/schema/: every operation, bounded (25 examples each), through a real gunicorn on
127.0.0.1 with a manager's token on the demo data. Not one server error, not one response the schema does
not describe. Deselect locally with -m "not fuzz"; CI always runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.fuzz, pytest.mark.postgres, pytest.mark.timeout(900)]


def answers(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def server(tmp_path_factory):
    """gunicorn on a fresh `workbench_fuzz` database with the demo project; yields (url, token)."""
    require_service("PostgreSQL", answers(5432), "127.0.0.1:5432")
    sys.path.insert(0, str(ROOT))
    from bench.load import free_port, fresh_database, server_env

    env = server_env(fresh_database("workbench_fuzz"), "")
    env.pop("CELERY_BROKER_URL")  # jobs run in-process: the fuzzer exercises them too
    env.pop("CACHE_URL")
    env["DEBUG"] = "1"  # seed_demo refuses to run otherwise; the server itself is the same code
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["API_THROTTLE_ANON"] = "100000/minute"
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--password", "fuzz-password-1"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [sys.executable, "manage.py", "drf_create_token", "manager"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[2]
    port = free_port()
    log = open(tmp_path_factory.mktemp("fuzz") / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "workbench.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ]
        + ["--log-level", "warning", "--timeout", "120"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file: an unread pipe fills up and blocks the workers
    )
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        log.close()


def test_every_operation_answers_without_server_errors_and_as_the_schema_says(server, tmp_path):
    url, token = (
        server  # one schemathesis worker: the same cases in the same order on every run (concurrency has its own tests)
    )
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/api/schema/"]
        + ["--header", f"Authorization: Token {token}", "--max-examples", "25", "--seed", "20261129"]
        + ["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance"]
        + ["--phases", "examples,coverage,fuzzing", "--workers", "1", "--wait-for-schema", "60"]
        + ["--exclude-path", "/api/auth/token/", "--generation-database", "none", "--no-color"]
        + ["--request-timeout", "30", "--suppress-health-check", "all", "--max-failures", "20"],
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        capture_output=True,
        text=True,
        timeout=840,
    )
    print(result.stdout[-20000:])
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "Test cases:" in result.stdout and " passed" in result.stdout
