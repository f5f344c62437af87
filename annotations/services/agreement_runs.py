"""Agreement runs: requested (debounced) by submissions and managers, executed by a Celery task.

This module only moves row state; the job lifecycle is `services.jobs`, the input is read by
`selectors.agreement` and the report is computed by the pure `annotations.agreement.report`.

Request: at most one run is in flight (pending or running) per project, under a lock on the project
row (and a database constraint). A pending run that has not started is reused, so a burst of
submissions sends one message; new work while a run is running sets `rerun_requested`, and exactly
one more run follows when it finishes.

Execute: idempotent (a finished run is left alone; results live on the run's own row), monotonic
progress, a fingerprint of the input so an unchanged project copies the last results instead of
recomputing. An undefined coefficient is stored as null with its reason and never fails the run; any
other error fails it with a readable message (no retry), except the database's OperationalError,
which propagates so the task retries with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import transaction

from annotations.agreement.report import AgreementReport, agreement_report
from annotations.models import AgreementRun, JobStatus, Project
from annotations.selectors.agreement import (
    AgreementInput,
    agreement_input,
    agreement_input_fingerprint,
    agreement_last_done,
    agreement_report_input,
)
from annotations.services.jobs import JobContext, JobKind, job_execute, job_fail, job_request


def _rerun_if_owed(run: AgreementRun) -> None:
    """New work arrived while the run was running: exactly one more run (under the same project lock)."""
    if run.rerun_requested:
        AgreementRun.objects.filter(pk=run.pk).update(rerun_requested=False)
        agreement_run_request(project=run.project, requested_by=run.requested_by, reason="rerun")


AGREEMENT_RUN = JobKind(
    model=AgreementRun,
    task="agreement_run_task",
    name="agreement run",
    failure_message="Agreement could not be computed",
    failure_fields={"rerun_requested": False},
    after_finish=_rerun_if_owed,
    replacement=lambda run: AgreementRun(
        project_id=run.project_id, requested_by_id=run.requested_by_id, reason="requeued"
    ),
)


# --- request --------------------------------------------------------------------------------------------
def agreement_run_request(*, project: Project, requested_by=None, reason: str = "manual") -> AgreementRun:
    """A run of `project`'s agreement, debounced: the pending run if there is one (no new message),
    the running one flagged `rerun_requested` if one is running, else a new pending run sent to
    Celery when the surrounding transaction commits.

    Locks the project row until the caller's transaction ends, so concurrent requests (and a run
    starting or finishing) are serialized per project."""
    with transaction.atomic():
        run, created = job_request(
            AGREEMENT_RUN,
            project.pk,
            lambda: AgreementRun.objects.create(project=project, requested_by=requested_by, reason=reason[:16]),
        )
        if not created and run.status == JobStatus.RUNNING and not run.rerun_requested:
            AgreementRun.objects.filter(pk=run.pk).update(rerun_requested=True)
            run.rerun_requested = True
    return run


# --- execute --------------------------------------------------------------------------------------------
def agreement_run_fail(*, run_id: int, error: str) -> None:
    """Marks a run that has not finished as failed (the task's last resort after its retries)."""
    job_fail(AGREEMENT_RUN, run_id, error)


def agreement_run_execute(*, run_id: int) -> AgreementRun | None:
    """Computes one run (the work of `agreement_run_task`). A finished run is left as it is.

    Raises django.db.OperationalError (transient: the task retries); any other error fails the run."""
    return job_execute(AGREEMENT_RUN, run_id, _compute_run)


def _compute_run(run: AgreementRun, context: JobContext) -> dict:
    """The work: the fingerprint, then the last results copied or a new report; the fields to store."""
    project = Project.objects.get(pk=run.project_id)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    context.failure_fields["timings"] = timings  # kept (with its total) when the run fails
    try:
        snapshot = agreement_input(project)
        fingerprint = agreement_input_fingerprint(project, snapshot)
        timings["fingerprint"] = round(time.perf_counter() - started, 4)
        context.progress(0.05)
        previous = agreement_last_done(project, exclude_id=run.pk)
        if previous is not None and previous.input_fingerprint == fingerprint and previous.results:
            results = dict(previous.results)
            results["unchanged"] = True
            results["copied_from"] = previous.results.get("copied_from") or previous.pk
        else:
            results = agreement_results_compute(
                project=project,
                snapshot=snapshot,
                timings=timings,
                on_progress=lambda fraction: context.progress(0.05 + 0.9 * fraction),
            )
    finally:
        timings["total"] = round(time.perf_counter() - started, 4)
    return {"results": results, "input_fingerprint": fingerprint, "timings": timings}


def agreement_results_compute(
    *,
    project: Project,
    snapshot: AgreementInput,
    on_progress: Callable[[float], None] | None = None,
    timings: dict | None = None,
) -> AgreementReport:
    """The report of `snapshot`: the selectors read its complete input, the pure core computes it."""
    clock = time.perf_counter()
    data = agreement_report_input(project, snapshot)
    if timings is not None:
        timings["input"] = round(time.perf_counter() - clock, 4)  # grades, stances and verdicts
    try:
        return agreement_report(data, on_progress=on_progress, timings=timings)
    finally:
        data.documents.close()  # on an error mid-way too: release the server-side cursors now


__all__ = [
    "AGREEMENT_RUN",
    "agreement_run_request",
    "agreement_run_execute",
    "agreement_run_fail",
    "agreement_results_compute",
]
