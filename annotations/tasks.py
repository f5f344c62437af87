"""Celery tasks: interfaces only. Each loads by id and calls one service."""

import logging

from celery import Task, shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def document_stats_task(self, document_ids: list[int]) -> int:
    from annotations.services.stats import document_stats_compute

    return document_stats_compute(document_ids=document_ids)


class AgreementRunTask(Task):
    """Marks the run failed once the retries are used up (or anything else escapes the service)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from annotations.services.agreement_runs import agreement_run_fail

        run_id = args[0] if args else kwargs.get("run_id")
        try:
            agreement_run_fail(run_id=run_id, error=f"Agreement could not be computed: {type(exc).__name__}: {exc}")
        except Exception:  # the database may be what is down; the row then stays running until it is stale
            logger.exception("could not mark agreement run %s failed", run_id)


@shared_task(
    bind=True,
    base=AgreementRunTask,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def agreement_run_task(self, run_id: int) -> str | None:
    """Loads the run by id and computes it; transient database errors are retried with backoff."""
    from annotations.services.agreement_runs import agreement_run_execute

    run = agreement_run_execute(run_id=run_id)
    return run.status if run is not None else None


class ExportRunTask(Task):
    """Marks the export failed once the retries are used up (or anything else escapes the service)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from annotations.services.exports import export_run_fail

        export_id = args[0] if args else kwargs.get("export_id")
        try:
            export_run_fail(export_id=export_id, error=f"The export could not be written: {type(exc).__name__}: {exc}")
        except Exception:  # the database may be what is down; the export then stays running until it is stale
            logger.exception("could not mark export %s failed", export_id)


@shared_task(
    bind=True,
    base=ExportRunTask,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def export_run_task(self, export_id: int) -> str | None:
    """Loads the export by id and writes it; transient database errors are retried with backoff."""
    from annotations.services.exports import export_run_execute

    job = export_run_execute(export_id=export_id)
    return job.status if job is not None else None
