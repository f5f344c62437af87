"""Celery tasks: interfaces only. Each loads by id and calls one service."""

import logging

from celery import Task, shared_task
from django.db import OperationalError

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

    Subclasses name the service that marks the row (`fail`), the id argument and the message."""

    abstract = True
    id_argument = ""
    failure_message = ""

    def fail(self, job_id, error: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = args[0] if args else kwargs.get(self.id_argument)
        try:
            self.fail(job_id, f"{self.failure_message}: {type(exc).__name__}: {exc}")
        except Exception:  # the database may be what is down; the row then stays running until it is stale
            logger.exception("could not mark %s %s failed", self.id_argument, job_id)


class AgreementRunTask(JobTask):
    id_argument = "run_id"
    failure_message = "Agreement could not be computed"

    def fail(self, job_id, error):
        from annotations.services.agreement_runs import agreement_run_fail

        agreement_run_fail(run_id=job_id, error=error)


class ExportRunTask(JobTask):
    id_argument = "export_id"
    failure_message = "The export could not be written"

    def fail(self, job_id, error):
        from annotations.services.exports import export_run_fail

        export_run_fail(export_id=job_id, error=error)


@shared_task(**RETRYING)
def document_stats_task(self, document_ids: list[int]) -> int:
    from annotations.services.stats import document_stats_compute

    return document_stats_compute(document_ids=document_ids)


@shared_task(base=AgreementRunTask, **RETRYING)
def agreement_run_task(self, run_id: int) -> str | None:
    """Loads the run by id and computes it."""
    from annotations.services.agreement_runs import agreement_run_execute

    run = agreement_run_execute(run_id=run_id)
    return run.status if run is not None else None


@shared_task(base=ExportRunTask, **RETRYING)
def export_run_task(self, export_id: int) -> str | None:
    """Loads the export by id and writes it."""
    from annotations.services.exports import export_run_execute

    job = export_run_execute(export_id=export_id)
    return job.status if job is not None else None


@shared_task
def idempotency_records_prune_task() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): forgets Idempotency-Key answers older than IDEMPOTENCY_TTL."""
    from annotations.services.idempotency import idempotency_records_prune

    return idempotency_records_prune()
