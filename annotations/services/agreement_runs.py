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

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from annotations.agreement.pieces import DocumentPiece, LabelTable, batch_pieces, piece_to_bytes
from annotations.agreement.report import AgreementReport, ReportInput, agreement_report
from annotations.models import AgreementPiece, AgreementRun, JobStatus, Project
from annotations.selectors.agreement import (
    PIECE_KIND,
    AgreementInput,
    AgreementSources,
    agreement_aside_allowed,
    agreement_cached_pieces,
    agreement_document_batches,
    agreement_input,
    agreement_last_done,
    agreement_read_grades_and_links,
    agreement_source_triples,
    agreement_sources,
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
        sources = agreement_sources(project, snapshot)
        fingerprint = sources.fingerprint
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
                sources=sources,
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
    sources: AgreementSources | None = None,
    on_progress: Callable[[float], None] | None = None,
    timings: dict | None = None,
) -> AgreementReport:
    """The report of `snapshot`, incrementally: each document's piece (annotations.agreement.pieces) is
    read from the cache when the document's work has not changed since it was stored, else computed
    and stored; the pure core then adds the pieces up. `timings` also receives how many documents
    were computed (`documents_computed`) and how many came from the cache (`documents_cached`)."""
    timings = {} if timings is None else timings
    progress = on_progress or (lambda fraction: None)
    clock = time.perf_counter()
    if sources is None:
        sources = agreement_sources(project, snapshot)
    table = LabelTable(snapshot.label_names)
    # Grades and claim links are read meanwhile, on a connection of their own, in a large project
    grades = _read_aside(project, sources) if len(sources.documents) >= ASIDE_DOCUMENTS else None
    cached, stale = agreement_cached_pieces(project, sources, table)
    if stale:
        AgreementPiece.objects.filter(pk__in=stale).delete()
    timings["input"] = round(time.perf_counter() - clock, 4)  # the cached pieces

    clock = time.perf_counter()
    missing = [pk for pk in sources.documents if pk not in cached]
    computed: dict[int, DocumentPiece] = {}
    # spans and tokens read first, or batch by batch on a second connection while the others are computed
    batches = agreement_document_batches(project, sources, missing, table, aside=agreement_aside_allowed())
    with agreement_pieces_writer(
        project=project, fingerprints=sources.document_fingerprints, documents=missing
    ) as store:
        for batch in batches:
            pieces = batch_pieces(batch, table)
            store(pieces)  # written while the next batch is computed
            computed.update((piece.document_id, piece) for piece in pieces)
    progress(0.8)
    timings["pieces"] = round(time.perf_counter() - clock, 4)
    timings["documents_computed"] = len(computed)
    timings["documents_cached"] = len(cached)
    clock = time.perf_counter()
    if grades is not None:
        grades.join()  # raises what the read raised
    agreement_read_grades_and_links(project, sources)  # (read already, unless on this connection)
    timings["grades_and_links"] = round(time.perf_counter() - clock, 4)  # the wait for them

    data = ReportInput(
        labels=snapshot.label_names,
        label_colors=snapshot.label_colors,
        reviewers=snapshot.reviewers,
        assignments=len(snapshot.assignments),
        document_count=snapshot.document_count,
        documents=[cached.get(pk) or computed[pk] for pk in sources.documents],
        **agreement_source_triples(sources),
    )
    progress(0.85)
    return agreement_report(data, timings=timings)  # every piece is ready: adding them up is quick


ASIDE_DOCUMENTS = 1000  # documents with submitted work from which grades and links are read aside


class _Aside:
    """`agreement_read_grades_and_links` in a thread with its own database connection, while this one
    reads the cached pieces, spans and tokens and stores pieces. Only outside a transaction on PostgreSQL: the other
    connection must see the same committed rows (inside a transaction, or on SQLite, nothing is started
    and the caller reads them itself). Read after the stamps, as on this connection."""

    def __init__(self, project: Project, sources: AgreementSources):
        self.project, self.sources, self.error = project, sources, None
        self.thread = threading.Thread(target=self._read, daemon=True, name=f"agreement-grades-{project.pk}")
        self.thread.start()

    def _read(self) -> None:
        try:
            agreement_read_grades_and_links(self.project, self.sources)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by join()
            self.error = exc
        finally:
            connections.close_all()  # this thread's connection

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def _read_aside(project: Project, sources: AgreementSources) -> _Aside | None:
    return _Aside(project, sources) if agreement_aside_allowed() else None


@contextmanager
def agreement_pieces_writer(*, project: Project, fingerprints: dict[int, str], documents: list[int]):
    """`store(pieces)` stores (or replaces) computed pieces under their documents' fingerprints; the
    pieces of `documents` stored earlier are replaced. On PostgreSQL the rows stream into one COPY
    (an INSERT of thousands of rows of bytes costs more than computing them) that the database works
    through while the next pieces are computed; the connection runs nothing else until the block
    ends. Elsewhere, or if another run stored some of them meanwhile, an upsert."""
    collected: list[DocumentPiece] = []
    if connection.vendor != "postgresql" or not documents:
        yield lambda pieces: _pieces_upsert(project, pieces, fingerprints)
        return
    now = timezone.now()
    table = connection.ops.quote_name(AgreementPiece._meta.db_table)
    columns = "project_id, document_id, kind, fingerprint, data, computed_at"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            AgreementPiece.objects.filter(kind=PIECE_KIND, document_id__in=documents).delete()
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "int8", "varchar", "varchar", "bytea", "timestamptz"])

                def store(pieces: list[DocumentPiece]) -> None:
                    collected.extend(pieces)
                    for piece in pieces:
                        fingerprint = fingerprints[piece.document_id]
                        copy.write_row(
                            (project.pk, piece.document_id, PIECE_KIND, fingerprint, piece_to_bytes(piece), now)
                        )

                yield store
    except IntegrityError:  # another run stored some of them meanwhile: replace them
        _pieces_upsert(project, collected, fingerprints)


def _pieces_upsert(project: Project, pieces: list[DocumentPiece], fingerprints: dict[int, str]) -> None:
    now = timezone.now()
    AgreementPiece.objects.bulk_create(
        [
            AgreementPiece(
                project=project,
                document_id=piece.document_id,
                kind=PIECE_KIND,
                fingerprint=fingerprints[piece.document_id],
                data=piece_to_bytes(piece),
                computed_at=now,
            )
            for piece in pieces
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["kind", "document"],
        update_fields=["project", "fingerprint", "data", "computed_at"],
    )


__all__ = [
    "AGREEMENT_RUN",
    "agreement_run_request",
    "agreement_run_execute",
    "agreement_run_fail",
    "agreement_results_compute",
    "agreement_pieces_writer",
]
