"""Celery tasks: interfaces only. Each loads by id and calls one service.

Tasks import services; services never import this module (they send a task by its name through
`annotations.services.enqueue`), so there is no services <-> tasks import circle."""

import logging

from celery import Task, shared_task
from django.db import OperationalError

from annotations.services.agreement_runs import AGREEMENT_RUN, agreement_run_execute
from annotations.services.enqueue import outbox_send
from annotations.services.exports import EXPORT_JOB, export_run_execute
from annotations.services.idempotency import idempotency_records_prune
from annotations.services.imports import IMPORT_JOB, import_run_execute
from annotations.services.jobs import JobKind, job_fail
from annotations.services.stats import document_stats_compute
from annotations.services.sweep import jobs_sweep_all

logger = logging.getLogger(__name__)

# Transient database errors are retried with backoff; everything else fails at once.
RETRYING = {
    "bind": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


class JobTask(Task):
    """A task whose job row is marked failed once the retries are used up (or anything else escapes).

    Subclasses name their job kind (services.jobs.JobKind); the job id is the task's only argument."""

    abstract = True
    kind: JobKind | None = None

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = args[0] if args else next(iter(kwargs.values()), None)
        try:
            job_fail(self.kind, job_id, f"{self.kind.failure_message}: {type(exc).__name__}: {exc}")
        except Exception:  # the database may be what is down; the row then stays running until it is stale
            logger.exception("could not mark %s %s failed", self.kind.name, job_id)


class AgreementRunTask(JobTask):
    kind = AGREEMENT_RUN


class ExportRunTask(JobTask):
    kind = EXPORT_JOB


class ImportRunTask(JobTask):
    kind = IMPORT_JOB


@shared_task(**RETRYING)
def document_stats_task(self, document_ids: list[int]) -> int:
    return document_stats_compute(document_ids=document_ids)


@shared_task(base=AgreementRunTask, **RETRYING)
def agreement_run_task(self, run_id: int) -> str | None:
    """Loads the run by id and computes it."""
    run = agreement_run_execute(run_id=run_id)
    return run.status if run is not None else None


@shared_task(base=ExportRunTask, **RETRYING)
def export_run_task(self, export_id: int) -> str | None:
    """Loads the export by id and writes it."""
    job = export_run_execute(export_id=export_id)
    return job.status if job is not None else None


@shared_task
def idempotency_records_prune_task() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): forgets Idempotency-Key answers older than IDEMPOTENCY_TTL."""
    return idempotency_records_prune()


@shared_task
def jobs_sweep_task() -> int:
    """Periodic: jobs whose worker died are failed and queued again; unsent outbox messages are sent."""
    replaced = jobs_sweep_all()
    outbox_send()
    return len(replaced)


@shared_task(base=ImportRunTask, **RETRYING)
def import_run_task(self, import_id: int) -> str | None:
    job = import_run_execute(import_id=import_id)
    return job.status if job else None
