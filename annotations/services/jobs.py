"""Plumbing shared by the job rows (agreement runs, exports): one job in flight per project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from annotations.models import JobStatus, Project

IN_FLIGHT = [JobStatus.PENDING, JobStatus.RUNNING]


def job_stale_after() -> dt.timedelta:
    """A job `running` for longer than any task may run lost its worker (and its message)."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)


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
    stale = job_stale_after()
    if (
        job is not None
        and job.status == JobStatus.RUNNING
        and job.started_at
        and job.started_at < timezone.now() - stale
    ):
        fail(job, f"The worker stopped without finishing (no result {int(stale.total_seconds())} s after it started).")
        return None
    return job
