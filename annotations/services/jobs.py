"""The lifecycle of a job row (agreement runs, exports, any later job kind), written once.

A job kind (`JobKind`) names its model, its Celery task and its failure message; it then supplies only
its work function. Everything else is here:

* request (`job_request`): under a lock on the project row, at most one job of a kind is pending or
  running per project (also a database constraint); a running job whose worker died is failed, a
  pending one whose message the broker never took is sent again, else a new pending job is created
  and sent to Celery when the transaction commits (`services.enqueue`: by task name, so services never
  import the tasks module; tasks import services);
* start (`job_start`): pending -> running; a finished job is left alone (a duplicate delivery);
* progress (`JobContext.progress`): only ever grows, and reaches 1.0 only with `done`; reported inside
  the work's own transaction, it is written through a second connection on PostgreSQL, so that it is
  seen while that transaction is still open (see `JobContext.progress`);
* the execute skeleton (`job_execute`): the work function's fields are written with `done`; a
  database OperationalError propagates (the task retries with backoff), any other error fails the job
  with a readable message and no retry;
* fail (`job_fail`): the task's last resort once its retries are used up;
* liveness: a worker running a job writes `heartbeat_at` every JOB_HEARTBEAT_SECONDS; `jobs_sweep`
  (run by `manage.py dispatch_jobs` and Celery beat) fails a job whose heartbeat stopped for
  JOB_HEARTBEAT_STALE seconds (a SIGKILLed or lost worker) and queues a replacement, up to
  JOB_MAX_ATTEMPTS attempts.

With no broker configured (development, tests, SQLite) Celery runs the task eagerly when the
transaction commits: the same path, in-process (no heartbeat: there is no other worker to lose).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone

from annotations.errors import ApplicationError
from annotations.models import JobStatus, Project
from annotations.services.enqueue import enqueue_on_commit, tasks_run_eagerly

logger = logging.getLogger(__name__)

IN_FLIGHT = [JobStatus.PENDING, JobStatus.RUNNING]
# A pending job whose message the broker never took is sent again by the next request after this long.
RESEND_AFTER = dt.timedelta(seconds=60)
ERROR_LENGTH = 2000
# A running job's progress stays below this: 1.0 is written by its finish, with `done`.
RUNNING_PROGRESS_MAX = 0.99
# Seconds between two progress writes from the side connection (`_ProgressWriter`): at most a few a
# second, however often the work reports; the pages ask every half second.
PROGRESS_INTERVAL = 0.25


@dataclass(frozen=True)
class JobKind:
    model: type  # a subclass of annotations.models.Job with a `project` foreign key
    task: str  # the name of its task in annotations.tasks (one argument: the job id)
    name: str  # for logs: "agreement run", "export"
    failure_message: str  # the start of a failed job's `error`
    # A redelivered running job starts over (progress 0, a new `started_at`) instead of carrying on.
    restart_on_redelivery: bool = False
    # Fields written when `job_fail` fails a job that will not finish (e.g. an agreement run owes no rerun).
    failure_fields: dict = field(default_factory=dict)
    # Called with the job under the project lock, after its outcome is written (e.g. the rerun it owes).
    after_finish: Callable[[object], None] | None = None
    # Creates (unsaved fields copied) the pending job that replaces one whose worker died.
    replacement: Callable[[object], object] | None = None
    # Large fields left unread when the job is started and finished (an import's upload: its work reads it).
    deferred: tuple[str, ...] = ()
    # Called with a job whose worker died, once it is failed: removes what the worker left half done.
    abandoned: Callable[[object], None] | None = None


def job_stale_after() -> dt.timedelta:
    """A job `running` for longer than any task may run lost its worker (and its message)."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)


def job_is_dead(job, now=None) -> bool:
    """Running, and its worker gave no sign of life: no heartbeat for JOB_HEARTBEAT_STALE seconds (a worker
    writes one every JOB_HEARTBEAT_SECONDS), or, for an in-process run with no heartbeat, running longer
    than any task may run."""
    if job.status != JobStatus.RUNNING:
        return False
    now = now or timezone.now()
    if job.heartbeat_at is not None:
        return job.heartbeat_at < now - dt.timedelta(seconds=settings.JOB_HEARTBEAT_STALE)
    return bool(job.started_at and job.started_at < now - job_stale_after())


def project_lock(project_id: int) -> None:
    """Serializes requests, starts and finishes of one project's jobs (until the transaction ends).

    FOR NO KEY UPDATE: rows that merely reference the project (documents, claims…) can still be
    inserted meanwhile. SQLite has no row locks; its single writer and the constraints do the job."""
    Project.objects.select_for_update(no_key=True).filter(pk=project_id).values_list("pk", flat=True).get()


def job_in_flight(model, project_id: int, *, fail: Callable[[object, str], None]):
    """The project's pending or running job of `model`, locked; a running one whose worker died is
    failed through `fail(job, error)` first and not returned. Call under `project_lock`."""
    job = (
        model.objects.select_for_update()
        .filter(project_id=project_id, status__in=IN_FLIGHT)
        .order_by("-created_at", "-id")
        .first()
    )
    if job is not None and job_is_dead(job):
        fail(job, _dead_message(job))
        return None
    return job


def _fail_dead(kind: JobKind, job, error: str) -> None:
    """Fails a job whose worker died; once that commits, its kind removes what the worker left (`abandoned`)."""
    job_fail(kind, job.pk, error)
    if kind.abandoned is not None:
        transaction.on_commit(functools.partial(kind.abandoned, job))


def _dead_message(job) -> str:
    if job.heartbeat_at is not None:
        return f"The worker stopped without finishing (no heartbeat for {settings.JOB_HEARTBEAT_STALE} s)."
    return (
        f"The worker stopped without finishing (no result {int(job_stale_after().total_seconds())} s after it started)."
    )


# --- request --------------------------------------------------------------------------------------------
def job_enqueue(kind: JobKind, job) -> None:
    """Sends the job's task when the transaction commits (through the outbox); `enqueued` records that
    the broker took it."""
    enqueue_on_commit(kind.task, job.pk, job=job)


def job_request(kind: JobKind, project_id: int, create: Callable[[], object]) -> tuple[object, bool]:
    """`(job, True)` for a new pending job made by `create()` and sent on commit, or `(job, False)` for
    the one already in flight (pending or running), sent again if its message was lost.

    Locks the project row until the caller's transaction ends (its own when there is none)."""
    with transaction.atomic():
        project_lock(project_id)
        current = job_in_flight(kind.model, project_id, fail=functools.partial(_fail_dead, kind))
        if current is not None:
            stale = timezone.now() - RESEND_AFTER
            if current.status == JobStatus.PENDING and not current.enqueued and current.created_at < stale:
                job_enqueue(kind, current)  # the broker was down when it was created; duplicates are harmless
            return current, False
        try:
            with transaction.atomic():
                job = create()
        except IntegrityError:  # SQLite has no row locks: another writer got there first
            other = kind.model.objects.filter(project_id=project_id, status__in=IN_FLIGHT).order_by("-id").first()
            if other is None:
                raise
            return other, False
        job_enqueue(kind, job)
    return job, True


# --- execute --------------------------------------------------------------------------------------------
def job_start(kind: JobKind, job_id: int):
    """pending -> running, under the same lock as requests (a request that found it pending has
    committed by now). A running job is a redelivery after a lost worker: it runs again. None for a
    finished or missing job."""
    project_id = kind.model.objects.filter(pk=job_id).values_list("project_id", flat=True).first()
    if project_id is None:
        logger.warning("%s %s does not exist", kind.name, job_id)
        return None
    with transaction.atomic():
        project_lock(project_id)
        job = kind.model.objects.select_for_update().defer(*kind.deferred).get(pk=job_id)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if job.status == JobStatus.PENDING or kind.restart_on_redelivery:
            job.status = JobStatus.RUNNING
            job.started_at = timezone.now()
            # In-process (eager) runs have no other worker to lose, so no heartbeat.
            job.heartbeat_at = None if tasks_run_eagerly() else job.started_at
            fields = ["status", "started_at", "heartbeat_at"]
            if kind.restart_on_redelivery:
                job.progress, job.error = 0.0, ""
                fields += ["progress", "error"]
            job.save(update_fields=fields)
    return job


def job_progress(model, job_id: int, value: float) -> None:
    """Progress only ever grows (a redelivered job does not go back); a conditional update, no lock."""
    value = min(1.0, max(0.0, float(value)))
    model.objects.filter(pk=job_id, status=JobStatus.RUNNING, progress__lt=value).update(progress=value)


def job_finish(kind: JobKind, job_id: int, *, status: str, **fields) -> bool:
    """The one write of a running job's outcome (False when a duplicate delivery finished it first)."""
    with transaction.atomic():
        project_id = kind.model.objects.filter(pk=job_id).values_list("project_id", flat=True).get()
        project_lock(project_id)
        job = kind.model.objects.select_for_update().defer(*kind.deferred).get(pk=job_id)
        if job.status != JobStatus.RUNNING:
            return False
        for name, value in fields.items():
            setattr(job, name, value)
        job.status = status
        job.finished_at = timezone.now()
        job.save()
        if kind.after_finish is not None:
            kind.after_finish(job)
    return True


def job_fail(kind: JobKind, job_id: int, error: str) -> None:
    """Marks a job that has not finished as failed (a dead worker's job, or the task's last resort)."""
    kind.model.objects.filter(pk=job_id, status__in=IN_FLIGHT).update(
        status=JobStatus.FAILED, error=error[:ERROR_LENGTH], finished_at=timezone.now(), **kind.failure_fields
    )


@dataclass
class JobContext:
    """What a work function gets besides its job: progress, and fields to keep if it fails."""

    kind: JobKind
    job_id: int
    failure_fields: dict = field(default_factory=dict)
    # The job's connection's transaction depth when the work began: deeper is the work's own transaction.
    _depth: int = field(default_factory=lambda: len(connection.atomic_blocks), init=False, repr=False)
    _reported: float = field(default=0.0, init=False, repr=False)
    _writer: _ProgressWriter | None = field(default=None, init=False, repr=False)

    def progress(self, value: float) -> None:
        """How far the work is, from 0 to 1 (kept below 1 until the job is done; only growth is written).

        Outside the work's own transactions it is written at once, on the job's connection. Inside one, an
        UPDATE on that connection would be seen by nobody until the commit (and would hold the job row's
        lock until then), so:
        * PostgreSQL: a thread with its own connection (`_ProgressWriter`) writes the latest value, at
          most every PROGRESS_INTERVAL seconds: the imports page sees it grow while the rows are written;
        * SQLite: it is not written. SQLite has one writer at a time, and that is the open transaction: a
          second connection would wait for it and then fail with "database is locked". The value written
          before the transaction stands until the job is done.
        Nor is it written when the job itself runs inside a caller's transaction (a test's): nobody else
        could see the job row then."""
        value = min(RUNNING_PROGRESS_MAX, max(0.0, float(value)))
        if value <= self._reported:
            return
        self._reported = value
        if len(connection.atomic_blocks) <= self._depth:
            job_progress(self.kind.model, self.job_id, value)
        elif self._depth == 0 and connection.vendor == "postgresql":
            if self._writer is None:
                self._writer = _ProgressWriter(self.kind.model, self.job_id)
            self._writer.offer(value)

    def close(self) -> None:
        """Stops the side writer, if any: called once the work has returned, before its outcome is written."""
        if self._writer is not None:
            self._writer.stop()
            self._writer = None


def job_execute(kind: JobKind, job_id: int, work: Callable[[object, JobContext], dict]):
    """Runs `work(job, context)` for a pending (or redelivered running) job and writes its outcome: the
    fields `work` returns with `done`, or `failed` with a readable error. A finished job is left as it
    is. Raises django.db.OperationalError (transient: the task retries, the job stays running)."""
    job = job_start(kind, job_id)
    if job is None:
        return kind.model.objects.filter(pk=job_id).first()
    context = JobContext(kind, job.pk)
    heartbeat = _Heartbeat(kind.model, job.pk) if job.heartbeat_at is not None else None
    try:
        try:
            outcome = work(job, context)
        finally:
            context.close()  # no progress is written after the outcome
            if heartbeat is not None:
                heartbeat.stop()
    except OperationalError:
        raise
    except Exception as exc:  # a deterministic error: retrying would fail the same way
        logger.exception("%s %s failed", kind.name, job_id)
        # An ApplicationError is a refusal written for people (e.g. an import's bad lines): no type name.
        reason = str(exc) if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        error = f"{kind.failure_message}: {reason}"[:ERROR_LENGTH]
        job_finish(kind, job.pk, status=JobStatus.FAILED, error=error, **context.failure_fields)
        return kind.model.objects.defer(*kind.deferred).get(pk=job.pk)
    job_finish(kind, job.pk, status=JobStatus.DONE, progress=1.0, error="", **outcome)
    return kind.model.objects.defer(*kind.deferred).get(pk=job.pk)


class _Heartbeat:
    """Writes the running job's `heartbeat_at` every JOB_HEARTBEAT_SECONDS from a thread (its own
    database connection) until stopped: a worker that dies, even by SIGKILL, stops it."""

    def __init__(self, model, job_id: int):
        self.model, self.job_id = model, job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{job_id}")
        self.thread.start()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                self.model.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        except Exception:  # a database blip: the sweep decides only after JOB_HEARTBEAT_STALE seconds
            logger.warning("heartbeat of %s %s stopped", self.model.__name__, self.job_id, exc_info=True)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=settings.JOB_HEARTBEAT_SECONDS + 5)


class _ProgressWriter:
    """PostgreSQL: writes a running job's progress from a thread with its own database connection, so that
    progress reported inside the work's transaction is committed, and seen, at once. `offer` keeps the
    latest value; the thread writes it, then waits PROGRESS_INTERVAL before the next write. The work's
    transaction does not block it: that transaction at most references the job row (a suggestion's
    `import_job`: a key-share lock, which an UPDATE of the progress column does not wait for)."""

    def __init__(self, model, job_id: int):
        self.model, self.job_id = model, job_id
        self.value = 0.0
        self.offered = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True, name=f"progress-{job_id}")
        self.thread.start()

    def offer(self, value: float) -> None:
        self.value = value
        self.offered.set()

    def _write(self) -> None:
        try:
            while True:
                self.offered.wait()
                if self.stopped.is_set():
                    return
                self.offered.clear()
                try:
                    job_progress(self.model, self.job_id, self.value)
                except DatabaseError:  # a blip: a later value is written, and the finish writes the last
                    logger.warning("progress of %s %s not written", self.model.__name__, self.job_id, exc_info=True)
                self.stopped.wait(PROGRESS_INTERVAL)
        finally:
            connections.close_all()  # this thread's connection

    def stop(self) -> None:
        self.stopped.set()
        self.offered.set()
        self.thread.join(timeout=30)


# --- liveness -------------------------------------------------------------------------------------------
def jobs_sweep(kinds: list[JobKind]) -> list[object]:
    """Fails every running job of `kinds` whose worker died (see `job_is_dead`) and queues its
    replacement (attempt + 1) unless it already had JOB_MAX_ATTEMPTS; answers the replacements."""
    replacements = []
    for kind in kinds:
        for job_id, project_id in kind.model.objects.filter(status=JobStatus.RUNNING).values_list("pk", "project_id"):
            with transaction.atomic():
                project_lock(project_id)
                job = kind.model.objects.select_for_update().get(pk=job_id)
                if not job_is_dead(job):
                    continue
                message = _dead_message(job)
                if kind.replacement is None or job.attempt >= settings.JOB_MAX_ATTEMPTS:
                    _fail_dead(kind, job, f"{message} Not queued again after {job.attempt} attempt(s).")
                    continue
                _fail_dead(kind, job, f"{message} Queued again.")
                replacement = kind.replacement(job)
                replacement.attempt = job.attempt + 1
                replacement.save()
                job_enqueue(kind, replacement)
                logger.warning("%s %s lost its worker; replaced by %s", kind.name, job.pk, replacement.pk)
                replacements.append(replacement)
    return replacements
