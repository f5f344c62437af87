"""What the in-process benchmarks share: the shipped settings on a PostgreSQL database of their own
(persistent connections, DEBUG off, jobs published to the embedded broker on a temporary SQLite file,
no worker), the database created if missing, and percentiles in milliseconds."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path


def shipped_environment(database: str, prefix: str, **extra: str) -> None:
    """Sets the environment before Django is imported; `extra` adds or overrides variables."""
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "workbench.settings",
            "CELERY_BROKER_URL": f"sqla+sqlite:///{tempfile.mkdtemp(prefix=prefix)}/celery.sqlite",
            **extra,
        }
    )


def ensure_database(database: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            connection.execute(f'CREATE DATABASE "{database}"')


def pct(values, q: int) -> float:
    """The q-th percentile of durations in seconds, in milliseconds."""
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def backend_cpu(connection) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend process (same machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
