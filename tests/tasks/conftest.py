"""Fixtures for tests that send tasks through a real broker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import require_service
from workbench.broker import transport_options
from workbench.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def broker():
    """Point the Celery app at a real broker for one test, then back to eager mode."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}

    def reset_pool():
        # Both are rebuilt lazily from the current broker_url (kombu keeps one pool per URL).
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    def use(url: str):
        celery_app.conf.update(broker_url=url, task_always_eager=False)
        if url.startswith("sqla+"):  # as settings.py does: the SQLAlchemy transport takes no Redis options
            celery_app.conf.update(broker_transport_options=transport_options(url, 0))
        reset_pool()
        return celery_app

    yield use
    from annotations.services.enqueue import background_sends_join

    background_sends_join()  # a send to a down or hung broker must end before the test's database is emptied
    celery_app.conf.update(saved)
    reset_pool()


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "")
    require_service("Redis", bool(url), "set TEST_REDIS_URL, as scripts/test.sh does")
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def celery_worker_process(redis_url):
    """A real `celery -A workbench worker` process on the test database, consuming from Redis."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workbench",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []

    def stop() -> str:
        """Stops the worker (once) and returns everything it printed."""
        if not output:
            worker.terminate()
            output.append(worker.communicate(timeout=30)[0])
        return output[0]

    worker.stop = stop
    yield worker
    stop()
