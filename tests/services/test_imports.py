"""An import job's progress: it grows while the file is parsed and while its articles are written, is seen
by other connections while the one write transaction is still open (PostgreSQL), never goes back, stays
below 1 until the job is done, and an error anywhere still writes nothing."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from annotations.importers import uploads
from annotations.models import Document, ImportJob, JobStatus, Prediction
from annotations.services import documents as documents_service
from annotations.services import jobs
from annotations.services.imports import PARSED, READ, WRITTEN, import_run_execute
from tests.conftest import require_service

ARTICLE = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام في بادية حمص الشرقية"
ARTICLES = 3_000


def articles_jsonl(count: int) -> bytes:
    """`count` distinct articles, each with one suggestion (its number, an `actor`)."""
    lines = []
    for n in range(count):
        text = f"{n} {ARTICLE}"
        lines.append({"text": text, "spans": [{"start": 0, "end": len(str(n)), "label": "actor", "score": 0.5}]})
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()


def new_job(project, manager, count: int = ARTICLES) -> ImportJob:
    """A pending import of `count` articles (its task not sent: the test runs the work itself)."""
    return ImportJob.objects.create(
        project=project, requested_by=manager, file_name="news.jsonl", data=articles_jsonl(count)
    )


@pytest.fixture
def small_batches(monkeypatch):
    """Articles written in batches of 250 (COPY on PostgreSQL, INSERT elsewhere); parse progress reported
    every 100 lines; the side writer's pause shortened (the test waits for what it writes)."""
    monkeypatch.setattr(documents_service, "COPY_CHUNK", 250)
    monkeypatch.setattr(documents_service, "BATCH", 250)
    monkeypatch.setattr(uploads, "PROGRESS_EVERY", 100)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0.01)


def after_each_batch(monkeypatch, hook) -> None:
    """Calls `hook(number)` after each batch of documents is written and recorded (its progress reported),
    while the write transaction is still open: the writers' generators resume only when the next batch is
    asked for."""
    numbers = itertools.count(1)

    def wrap(real):
        def batches(*args, **kwargs):
            for batch in real(*args, **kwargs):
                yield batch
                hook(next(numbers))

        return batches

    monkeypatch.setattr(documents_service, "_copy_documents", wrap(documents_service._copy_documents))
    monkeypatch.setattr(documents_service, "_insert_documents", wrap(documents_service._insert_documents))


class Observer:
    """Another connection to the test database: it sees only what is committed."""

    def __init__(self):
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self.budget = time.monotonic() + 20  # for all the waits of a test, so that a failure is quick

    def read(self, job_id: int, project_id: int) -> tuple[str, float, int]:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT status, progress FROM {ImportJob._meta.db_table} WHERE id = %s", [job_id])
            status, progress = cursor.fetchone()
            cursor.execute(f"SELECT count(*) FROM {Document._meta.db_table} WHERE project_id = %s", [project_id])
            return status, progress, cursor.fetchone()[0]

    def wait_for_more_than(self, value: float, job_id: int, project_id: int) -> tuple[str, float, int]:
        """What it sees once the job's progress is above `value` (or when the test's budget is spent)."""
        while True:
            seen = self.read(job_id, project_id)
            if seen[1] > value or time.monotonic() > self.budget:
                return seen
            time.sleep(0.005)

    def close(self):
        self.connection.close()


@pytest.fixture
def observer():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    observer = Observer()
    yield observer
    observer.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_write_progress_is_seen_from_another_connection_before_the_commit(
    project, manager, small_batches, observer, monkeypatch
):
    job = new_job(project, manager)
    seen = []

    def look(_number):
        last = seen[-1][1] if seen else PARSED
        seen.append(observer.wait_for_more_than(last, job.pk, project.pk))

    after_each_batch(monkeypatch, look)
    done = import_run_execute(import_id=job.pk)

    assert done.status == JobStatus.DONE and done.progress == 1.0, done.error
    assert done.counts == {"imported": ARTICLES, "duplicates": 0, "rejected": 0, "predictions": ARTICLES}
    assert len(seen) == ARTICLES // 250
    # Every look came before the commit (no document visible yet), and saw the job running and growing.
    assert {(status, documents) for status, _progress, documents in seen} == {(JobStatus.RUNNING, 0)}
    values = [progress for _status, progress, _documents in seen]
    assert values == sorted(set(values)), values  # a new value at each batch
    assert len([value for value in values if 0.5 < value < 1.0]) >= 3, values
    assert values[0] > PARSED and values[-1] == pytest.approx(WRITTEN)
    assert observer.read(job.pk, project.pk) == (JobStatus.DONE, 1.0, ARTICLES)


@pytest.mark.django_db(transaction=True)
def test_progress_only_grows_stays_below_one_until_done_and_never_meets_a_lock(
    project, manager, small_batches, monkeypatch, caplog
):
    """Every value written (by the job's connection or the side writer), read back after its write, on
    PostgreSQL and on SQLite, where nothing is written inside the write transaction (its one writer)."""
    job = new_job(project, manager)
    written: list[tuple[str, float]] = []
    real = jobs.job_progress

    def spy(model, job_id, value):
        real(model, job_id, value)
        written.append(model.objects.filter(pk=job_id).values_list("status", "progress").get())

    monkeypatch.setattr(jobs, "job_progress", spy)
    if connection.vendor == "postgresql":  # the side writer is a thread: each batch's value is waited for
        budget, last = time.monotonic() + 20, [PARSED]

        def written_before_the_next_batch(_number):
            while max(progress for _status, progress in written) <= last[0] and time.monotonic() < budget:
                time.sleep(0.005)
            last[0] = max(progress for _status, progress in written)

        after_each_batch(monkeypatch, written_before_the_next_batch)
    with caplog.at_level(logging.WARNING, logger="annotations.services.jobs"):
        done = import_run_execute(import_id=job.pk)

    assert done.status == JobStatus.DONE and done.progress == 1.0, done.error
    assert Document.objects.filter(project=project).count() == ARTICLES
    # no progress write failed ("database is locked", a lock wait)
    assert [record for record in caplog.records if record.name == "annotations.services.jobs"] == []
    values = [progress for _status, progress in written]
    assert values == sorted(values) and {status for status, _ in written} == {JobStatus.RUNNING}
    assert max(values) < 1.0
    parsing = [value for value in values if READ < value < PARSED]
    assert len(set(parsing)) >= 3, values  # the parse reports as it goes, not only when it ends
    writing = [value for value in values if value > PARSED]
    if connection.vendor == "postgresql":
        assert len(set(writing)) >= 3, values
    else:  # SQLite: the open write transaction is the one writer; its progress is not written
        assert writing == [], values


@pytest.mark.django_db(transaction=True)
def test_an_error_while_writing_writes_nothing_and_leaves_no_writer(project, manager, small_batches, monkeypatch):
    job = new_job(project, manager)

    def fail_at_the_third_batch(number):
        if number == 3:
            raise RuntimeError("disk full")

    after_each_batch(monkeypatch, fail_at_the_third_batch)
    failed = import_run_execute(import_id=job.pk)

    assert failed.status == JobStatus.FAILED and failed.error == "Nothing was imported: RuntimeError: disk full"
    assert not Document.objects.filter(project=project).exists() and not Prediction.objects.exists()
    assert PARSED <= failed.progress < 1.0
    # the side writer (PostgreSQL) stopped before the outcome was written: nothing is written after it
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("progress-")]
