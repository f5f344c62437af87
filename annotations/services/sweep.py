"""Keeping background work alive: one call for every job kind (`manage.py dispatch_jobs`, Celery beat)."""

from __future__ import annotations

from annotations.services.agreement_runs import AGREEMENT_RUN
from annotations.services.exports import EXPORT_JOB
from annotations.services.imports import IMPORT_JOB
from annotations.services.jobs import jobs_sweep

JOB_KINDS = [AGREEMENT_RUN, EXPORT_JOB, IMPORT_JOB]  # an import is not queued again: its upload is re-sent


def jobs_sweep_all() -> list:
    """Fails the jobs whose worker died and queues their replacements (services.jobs.jobs_sweep)."""
    return jobs_sweep(JOB_KINDS)
