"""The embedded broker of scripts/run.sh: kombu's SQLAlchemy transport on a SQLite file. A submit only
records the agreement run and publishes it; a worker process consuming from the file computes it."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from annotations.models import AgreementRun, AssignmentStatus, JobStatus
from annotations.services.assignments import assignment_open
from tests.conftest import require_service
from tests.tasks.conftest import ROOT


def _worker(broker_url: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
    command = [sys.executable, "-m", "celery", "-A", "workbench", "worker", "--pool=solo", "--without-mingle"]
    command += ["--without-gossip", "--without-heartbeat", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_submit_does_not_run_the_job_and_a_worker_on_the_sqlite_broker_does(
    tmp_path, project, reviewer1, document, broker, api_client_for
):
    # the worker process needs a database it can share with the test
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    url = f"sqla+sqlite:///{tmp_path}/celery.sqlite"
    broker(url)
    assignment = assignment_open(document=document, reviewer=reviewer1)
    client = api_client_for(reviewer1)
    span = {"start": 0, "end": 2, "label": "actor"}
    assert client.post(f"/api/assignments/{assignment.pk}/spans/", span, format="json").status_code == 201
    response = client.post(f"/api/assignments/{assignment.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == AssignmentStatus.SUBMITTED
    run = AgreementRun.objects.get(project=project)
    # not computed in the request; published to the file right after it, from the outbox, in the background
    assert run.status == JobStatus.PENDING
    deadline = time.monotonic() + 20
    while not run.enqueued and time.monotonic() < deadline:
        time.sleep(0.1)
        run.refresh_from_db()
    assert (run.status, run.enqueued) == (JobStatus.PENDING, True)
    assert (tmp_path / "celery.sqlite").exists()

    worker = _worker(url)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (JobStatus.DONE, JobStatus.FAILED):
                break
            assert worker.poll() is None, worker.communicate()[0]
            time.sleep(0.3)
        assert run.status == JobStatus.DONE, (run.status, run.error)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)


def test_an_idle_worker_polls_the_embedded_broker_ten_times_a_second(monkeypatch):
    """kombu's default is once a second: an export asked for in the browser waited up to a second before
    the worker saw it. Only the SQLAlchemy transport is changed."""
    from kombu.transport.sqlalchemy import Transport
    from kombu.transport.virtual import Transport as VirtualTransport

    from workbench.broker import tune_embedded_broker

    monkeypatch.setattr(Transport, "polling_interval", VirtualTransport.polling_interval)
    tune_embedded_broker("redis://127.0.0.1:6379/0")
    assert Transport.polling_interval == 1.0
    tune_embedded_broker("sqla+sqlite:////tmp/celery.sqlite")
    assert Transport.polling_interval == 0.1
    assert VirtualTransport.polling_interval == 1.0
