"""Faults, for real: Redis down while reviewers work, a hung broker, and a worker killed with SIGKILL in the
middle of an agreement run and of an export. Every test here runs a real `celery worker` process against
Redis and the PostgreSQL test database."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from annotations.models import AgreementRun, AssignmentStatus, ExportJob, JobStatus, OutboxMessage, Span
from annotations.services.agreement_runs import agreement_run_execute, agreement_run_request
from annotations.services.assignments import assignment_open
from annotations.services.enqueue import outbox_send
from annotations.services.exports import export_file_path, export_run_create, export_run_execute
from annotations.services.sweep import jobs_sweep_all
from tests.conftest import require_service
from tests.selectors.test_gold import gold  # noqa: F401
from tests.services.test_agreement_runs import annotated, two_documents  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(240),
]


def start_worker(redis_url, pool="solo", **env):
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "JOB_HEARTBEAT_SECONDS": "0.5",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workbench", "worker", f"--pool={pool}", "--without-mingle"]
        + ["--without-gossip", "--without-heartbeat", "--loglevel=INFO", "-I", "tests.fault_injection"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(worker) -> str:
    if worker.poll() is None:
        worker.terminate()
    return worker.communicate(timeout=30)[0]


def wait_for(condition, seconds=90, worker=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.poll() is not None:
            pytest.fail("the worker exited:\n" + worker.communicate()[0])
        time.sleep(0.2)
    pytest.fail("timed out waiting")


def status_of(model, pk):
    return model.objects.filter(pk=pk).values_list("status", flat=True).first()


def comparable(results: dict) -> dict:
    return {key: value for key, value in results.items() if key not in ("unchanged", "copied_from")}


# --- Redis down ---------------------------------------------------------------------------------------------
def test_redis_down_every_save_succeeds_and_the_job_runs_once_redis_is_back(
    project, reviewer1, reviewer2, document, broker, redis_url, api_client_for
):
    broker("redis://127.0.0.1:1/0")  # nothing listens there: Redis is down
    for reviewer in (reviewer1, reviewer2):
        assignment = assignment_open(document=document, reviewer=reviewer)
        client = api_client_for(reviewer)
        for start in (0, 3):
            response = client.post(
                f"/api/assignments/{assignment.pk}/spans/",
                {"start": start, "end": start + 2, "label": "actor"},
                format="json",
            )
            assert response.status_code == 201
        assert client.post(f"/api/assignments/{assignment.pk}/submit/").status_code == 200
    assert Span.objects.count() == 4
    assert set(document.assignments.values_list("status", flat=True)) == {AssignmentStatus.SUBMITTED}
    run = AgreementRun.objects.get(project=project)
    assert run.status == JobStatus.PENDING and not run.enqueued
    wait_for(lambda: OutboxMessage.objects.filter(attempts__gte=1).exists())  # the background send was refused
    assert OutboxMessage.objects.filter(sent_at__isnull=True, task="agreement_run_task").exists()

    # Redis is back: the periodic sender publishes what is pending, a worker runs it
    broker(redis_url)
    worker = start_worker(redis_url)
    try:
        assert outbox_send() >= 1
        wait_for(lambda: status_of(AgreementRun, run.pk) == JobStatus.DONE, worker=worker)
    finally:
        output = stop(worker)
    run.refresh_from_db()
    assert run.enqueued and run.results["counts"]["assignments"] == 2
    assert "agreement_run_task" in output and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


# --- a hung broker ------------------------------------------------------------------------------------------
@pytest.fixture
def hung_broker():
    """A TCP server that accepts connections and never answers: the worst kind of broker outage."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    accepted = []
    stopped = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stopped.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stopped.set()
    thread.join(timeout=5)
    for sock in accepted:
        sock.close()
    server.close()


def test_a_hung_broker_never_holds_a_request(
    project, reviewer1, reviewer2, document, broker, hung_broker, api_client_for
):
    # the in-memory SQLite test database locks its tables against the background sender's thread
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    broker(hung_broker)
    for reviewer in (reviewer1, reviewer2):
        assignment = assignment_open(document=document, reviewer=reviewer)
        client = api_client_for(reviewer)
        client.post(f"/api/assignments/{assignment.pk}/spans/", {"start": 0, "end": 2, "label": "actor"}, format="json")
        response = client.post(f"/api/assignments/{assignment.pk}/submit/")
        # the request returned (pytest's timeout would fail it otherwise), and said so: a retry never sees 409
        assert response.status_code == 200
    run = AgreementRun.objects.get(project=project)
    assert run.status == JobStatus.PENDING and not run.enqueued
    assert OutboxMessage.objects.filter(task="agreement_run_task", sent_at__isnull=True).exists()


# --- SIGKILL in the middle of a job -------------------------------------------------------------------------
def test_a_worker_killed_mid_run_the_run_is_done_again_with_the_same_result(
    project,
    annotated,  # noqa: F811
    broker,
    redis_url,
    settings,
):
    AgreementRun.objects.all().delete()  # the fixture's submissions asked for runs that were never sent
    # the reference: the same run computed in-process
    reference = agreement_run_request(project=project)
    reference = agreement_run_execute(run_id=reference.pk)
    expected = comparable(reference.results)
    AgreementRun.objects.all().delete()

    broker(redis_url)
    slow = start_worker(redis_url, FAULT_SLOW_WORK="60")
    try:
        run = agreement_run_request(project=project, reason="manual")
        outbox_send()
        wait_for(lambda: status_of(AgreementRun, run.pk) == JobStatus.RUNNING, worker=slow)
        wait_for(
            lambda: AgreementRun.objects.get(pk=run.pk).heartbeat_at > AgreementRun.objects.get(pk=run.pk).started_at
        )
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait(timeout=30)
    finally:
        stop(slow)
    settings.JOB_HEARTBEAT_STALE = 2
    time.sleep(2.5)
    (replacement,) = jobs_sweep_all()
    dead = AgreementRun.objects.get(pk=run.pk)
    assert dead.status == JobStatus.FAILED and "no heartbeat" in dead.error and "Queued again" in dead.error
    assert replacement.attempt == 2 and replacement.status == JobStatus.PENDING

    worker = start_worker(redis_url)
    try:
        outbox_send()
        wait_for(lambda: status_of(AgreementRun, replacement.pk) == JobStatus.DONE, worker=worker)
    finally:
        stop(worker)
    assert comparable(AgreementRun.objects.get(pk=replacement.pk).results) == expected


def test_a_worker_killed_mid_export_the_export_is_written_again_identically(
    project,
    gold,  # noqa: F811
    manager,
    broker,
    redis_url,
    settings,
    tmp_path,
):
    settings.EXPORT_ROOT = tmp_path  # the workers write there too
    reference = export_run_create(project=project, fmt="jsonl", requested_by=manager)
    reference = export_run_execute(export_id=reference.pk)
    expected_sha = reference.sha256
    assert reference.status == JobStatus.DONE and expected_sha

    broker(redis_url)
    slow = start_worker(redis_url, FAULT_SLOW_WORK="60", EXPORT_ROOT=str(tmp_path))
    try:
        job = export_run_create(project=project, fmt="jsonl", requested_by=manager)
        outbox_send()
        wait_for(lambda: status_of(ExportJob, job.pk) == JobStatus.RUNNING, worker=slow)
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait(timeout=30)
    finally:
        stop(slow)
    settings.JOB_HEARTBEAT_STALE = 2
    time.sleep(2.5)
    (replacement,) = jobs_sweep_all()
    assert status_of(ExportJob, job.pk) == JobStatus.FAILED and replacement.options == job.options

    worker = start_worker(redis_url, EXPORT_ROOT=str(tmp_path))
    try:
        outbox_send()
        wait_for(lambda: status_of(ExportJob, replacement.pk) == JobStatus.DONE, worker=worker)
    finally:
        stop(worker)
    replacement.refresh_from_db()
    assert replacement.sha256 == expected_sha
    assert export_file_path(replacement).read_bytes() == export_file_path(reference).read_bytes()


def test_a_prefork_worker_writes_an_export_with_its_own_forked_processes(
    project,
    gold,  # noqa: F811
    manager,
    broker,
    redis_url,
    settings,
    tmp_path,
):
    """As docker-compose runs it (the prefork pool, its heartbeat thread running): the export's process, a
    pool child, forks two more, one part of one document each; the file is the one a single process writes."""
    settings.EXPORT_ROOT = tmp_path
    settings.EXPORT_WORKERS = 1
    for fmt in ("conll", "web-annotation"):
        reference = export_run_execute(export_id=export_run_create(project=project, fmt=fmt, requested_by=manager).pk)
        assert reference.status == JobStatus.DONE
        broker(redis_url)
        worker = start_worker(
            redis_url, pool="prefork", EXPORT_ROOT=str(tmp_path), EXPORT_WORKERS="2", EXPORT_PART_DOCUMENTS="1"
        )
        try:
            job = export_run_create(project=project, fmt=fmt, requested_by=manager)
            outbox_send()
            wait_for(lambda pk=job.pk: status_of(ExportJob, pk) in (JobStatus.DONE, JobStatus.FAILED), worker=worker)
        finally:
            output = stop(worker)
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, (job.error, output[-3000:])
        assert f"export of project {project.pk}: 2 processes write 2 parts of the gold" in output
        assert job.counts == reference.counts and job.counts["documents"] == 2 and job.sha256 == reference.sha256
        assert export_file_path(job).read_bytes() == export_file_path(reference).read_bytes()
