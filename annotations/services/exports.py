"""Gold exports: requested by managers (API, page) and run by a Celery task, or written by the command.

Request (`export_run_create`): the format is checked against the exporters' registry (400), then, under
a lock on the project row and a database constraint, at most one export per project is pending or
running: another request gets 409 naming it. The task is sent when the transaction commits.

Execute (`export_run_execute`, the task's work): idempotent (a finished export is left alone; a
redelivered running one is written again from scratch). It writes, under
EXPORT_ROOT/<project id>/<export id>/, only names made from ids: the data file
`gold-<project slug>-<export id>.<ext>`, `manifest.json` and the dataset card `README.md`. The data is
streamed from `selectors.gold.gold_records` through the format's writer into a temporary file while
hashing it (SHA-256) and counting the records, then renamed into place; progress is stored as it goes.
The manifest's counts are those of the records written, and its SHA-256 that of the bytes written.
Any error but a transient database one fails the export with a readable `error`.

Snapshot (SECURITY-TESTS 47): gold is what was final at the export's `started_at`; on PostgreSQL the
whole read is also one REPEATABLE READ, READ ONLY transaction, so its progress is written through a
second database connection (the read transaction cannot write, and others could not see it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import os
import re
import secrets
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone

from annotations.errors import ApplicationError, Conflict
from annotations.exporters import EXPORTER_VERSION, Writer, get_writer
from annotations.exporters.manifest import Counts, build_manifest, counted, dataset_card, manifest_json
from annotations.models import ExportJob, JobStatus, Project
from annotations.selectors.gold import gold_agreement, gold_context, gold_count, gold_records, gold_snapshot
from annotations.services.enqueue import enqueue_on_commit
from annotations.services.jobs import IN_FLIGHT, job_in_flight, project_lock

logger = logging.getLogger(__name__)

RUNNING_MESSAGE = "An export for this project is already running."
RESEND_AFTER = dt.timedelta(seconds=60)
WRITE_BUFFER = 1 << 20  # bytes gathered before each write
MANIFEST_NAME = "manifest.json"
CARD_NAME = "README.md"


@functools.cache
def code_version() -> str:
    """`git describe` of the checkout when there is one (read-only, no network), else the exporter's
    version constant."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--tags"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=3,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return EXPORTER_VERSION
    described = result.stdout.strip()
    if result.returncode != 0 or not described or not re.fullmatch(r"[\w.+-]{1,80}", described):
        return EXPORTER_VERSION
    return f"{EXPORTER_VERSION}+git.{described}"


def safe_slug(slug: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", slug)[:64] or "project"


def data_file_name(project: Project, export_id: int, writer: Writer) -> str:
    """Server-generated from ids only (the slug is reduced to [A-Za-z0-9_-])."""
    return f"gold-{safe_slug(project.slug)}-{int(export_id)}.{writer.extension}"


def export_directory(project_id: int, export_id: int) -> Path:
    return Path(settings.EXPORT_ROOT) / str(int(project_id)) / str(int(export_id))


# --- writing ----------------------------------------------------------------------------------------------
@dataclass
class ExportResult:
    counts: dict
    sha256: str
    bytes: int
    manifest: dict
    data_path: Path
    manifest_path: Path
    card_path: Path
    stats: dict = field(default_factory=dict)


def _progressed(documents: Iterable, total: int, on_progress: Callable[[float], None] | None) -> Iterator:
    if on_progress is None:
        yield from documents
        return
    step = max(1, min(500, total // 50))
    seen = 0
    for document in documents:
        yield document
        seen += 1
        if seen % step == 0:
            on_progress(min(seen / max(total, 1), 0.99))


def _stream_to(path: Path, pieces: Iterable[str]) -> tuple[str, int]:
    """Writes the text to `path` (UTF-8) in large blocks; returns its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    buffer: list[bytes] = []
    buffered = 0
    with open(path, "wb") as handle:
        for piece in pieces:
            data = piece.encode("utf-8")
            digest.update(data)
            buffer.append(data)
            buffered += len(data)
            if buffered >= WRITE_BUFFER:
                handle.write(b"".join(buffer))
                size += buffered
                buffer, buffered = [], 0
        handle.write(b"".join(buffer))
        size += buffered
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest(), size


def _write_text(path: Path, text: str) -> tuple[str, int]:
    return _stream_to(path, [text])


def _temporary(path: Path) -> Path:
    """A name beside `path` that no other writer uses (a redelivered task may overlap a slow one)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")


def _write_export(
    *,
    project: Project,
    writer: Writer,
    include_majority: bool,
    data_path: Path,
    manifest_path: Path,
    card_path: Path,
    snapshot_at: dt.datetime,
    on_progress: Callable[[float], None] | None = None,
    on_snapshot: Callable[[bool], None] | None = None,
    segment_clitics: bool = False,
) -> ExportResult:
    """Data file, then the dataset card, then the manifest (which lists both hashes). Each is written to
    a temporary name beside it and renamed into place, so a reader never sees half a file."""
    counts = Counts()
    stats: dict = {}
    parts = [_temporary(data_path), _temporary(card_path), _temporary(manifest_path)]
    try:
        with gold_snapshot() as in_transaction:
            if on_snapshot is not None:
                on_snapshot(in_transaction)
            context = gold_context(project, include_majority=include_majority)
            if segment_clitics:  # a writer option (CoNLL); recorded in the manifest's options
                context = dataclasses.replace(context, options={**context.options, "segment_clitics": True})
            agreement, per_document = gold_agreement(project)
            total = gold_count(project, include_majority=include_majority, snapshot_at=snapshot_at)
            records = gold_records(
                project, include_majority=include_majority, snapshot_at=snapshot_at, agreement=per_document
            )
            pieces = writer.write(_progressed(counted(records, counts), total, on_progress), context, stats)
            sha256, size = _stream_to(parts[0], pieces)
        files = [
            {"name": data_path.name, "role": "data", "media_type": writer.media_type, "sha256": sha256, "bytes": size}
        ]
        manifest = build_manifest(
            context=context,
            writer=writer,
            counts=counts.as_dict(context.label_names),
            files=files,
            agreement=agreement,
            exported_at=snapshot_at.astimezone(dt.UTC).isoformat(),
            code_version=code_version(),
            stats=stats,
            snapshot={
                "gold_decided_at_or_before": snapshot_at.astimezone(dt.UTC).isoformat(),
                "isolation": "repeatable read" if in_transaction else "decided_at <= snapshot",
            },
        )
        card_sha256, card_size = _write_text(parts[1], dataset_card(manifest))
        manifest["files"].append(
            {
                "name": card_path.name,
                "role": "dataset card",
                "media_type": "text/markdown",
                "sha256": card_sha256,
                "bytes": card_size,
            }
        )
        _write_text(parts[2], manifest_json(manifest))
        os.replace(parts[0], data_path)
        os.replace(parts[1], card_path)
        os.replace(parts[2], manifest_path)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return ExportResult(
        counts=manifest["counts"],
        sha256=sha256,
        bytes=size,
        manifest=manifest,
        data_path=data_path,
        manifest_path=manifest_path,
        card_path=card_path,
        stats=stats,
    )


def _check_segment_clitics(fmt: str, segment_clitics) -> bool:
    if not isinstance(segment_clitics, bool):
        raise ApplicationError("Bad option.", fields={"segment_clitics": ["Must be true or false."]})
    if segment_clitics and fmt != "conll":
        raise ApplicationError(
            "--segment-clitics is only for the conll format.",
            fields={"segment_clitics": ["Only the conll format segments clitics."]},
        )
    return segment_clitics


def export_write(
    *, project: Project, fmt: str, output_path, include_majority: bool = False, segment_clitics: bool = False
) -> ExportResult:
    """The command's export: the data file at `output_path` and, beside it, `output_path` +
    ".manifest.json" and `output_path` + ".README.md"; nothing else is written (temporary files beside
    them are renamed into place or removed). The directory must exist."""
    writer = get_writer(fmt)
    _check_segment_clitics(fmt, segment_clitics)
    data_path = Path(output_path)
    if data_path.is_dir():
        raise ApplicationError(f"{data_path} is a directory; give the path of the file to write.")
    if not data_path.parent.is_dir():
        raise ApplicationError(f"{data_path.parent} is not a directory.")
    return _write_export(
        project=project,
        writer=writer,
        include_majority=bool(include_majority),
        data_path=data_path,
        manifest_path=data_path.with_name(data_path.name + ".manifest.json"),
        card_path=data_path.with_name(data_path.name + ".README.md"),
        snapshot_at=timezone.now(),
        segment_clitics=segment_clitics,
    )


# --- request ----------------------------------------------------------------------------------------------
def _enqueue(export_id: int) -> None:
    from annotations.tasks import export_run_task

    enqueue_on_commit(
        export_run_task, export_id, on_sent=lambda: ExportJob.objects.filter(pk=export_id).update(enqueued=True)
    )


def _fail(export_id: int, error: str) -> None:
    ExportJob.objects.filter(pk=export_id, status__in=IN_FLIGHT).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def export_run_create(
    *, project: Project, fmt, requested_by=None, include_majority=False, segment_clitics=False
) -> ExportJob:
    """A new pending export of `project` in `fmt`, sent to Celery when the transaction commits.

    UnknownFormat (400) for a format the registry does not know; Conflict (409, with the export's `id`)
    while another export of the project is pending or running. A running export whose worker died
    (older than the task time limit) is failed first; a pending one the broker never took is sent again."""
    get_writer(fmt)
    _check_segment_clitics(fmt, segment_clitics)
    if not isinstance(include_majority, bool):
        raise ApplicationError("Bad option.", fields={"include_majority": ["Must be true or false."]})
    busy = None
    with transaction.atomic():
        project_lock(project.pk)
        current = job_in_flight(ExportJob, project.pk, fail=lambda job, error: _fail(job.pk, error))
        now = timezone.now()
        if current is not None:
            if current.status == JobStatus.PENDING and not current.enqueued and current.created_at < now - RESEND_AFTER:
                _enqueue(current.pk)  # the broker was down when it was requested; a duplicate is harmless
            busy = current.pk
        else:
            try:
                with transaction.atomic():
                    job = ExportJob.objects.create(
                        project=project,
                        format=fmt,
                        options={"include_majority": include_majority}
                        | ({"segment_clitics": True} if segment_clitics else {}),
                        requested_by=requested_by,
                    )
            except IntegrityError:  # SQLite has no row locks: another request got there first
                other = ExportJob.objects.filter(project_id=project.pk, status__in=IN_FLIGHT).order_by("-id").first()
                busy = other.pk if other is not None else None
                if busy is None:
                    raise
            else:
                _enqueue(job.pk)
    if busy is not None:  # raised outside the transaction so that a resend or a stale failure commits
        raise Conflict(RUNNING_MESSAGE, extra={"id": busy})
    return job


# --- execute ----------------------------------------------------------------------------------------------
def _start(export_id: int) -> ExportJob | None:
    """pending -> running with started_at = the snapshot time; running (a redelivery) is run again."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=export_id).first()
        if job is None:
            logger.warning("export %s does not exist", export_id)
            return None
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.progress = 0.0
        job.error = ""
        job.save(update_fields=["status", "started_at", "progress", "error"])
    return job


class _Progress:
    """Writes progress (monotonic) while the export reads. Inside the PostgreSQL snapshot transaction
    the default connection is read-only, so a second, autocommit connection writes it."""

    def __init__(self, export_id: int):
        self.export_id = export_id
        self.side = None

    def use_side_connection(self, in_transaction: bool) -> None:
        if in_transaction and self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, value: float) -> None:
        value = min(1.0, max(0.0, float(value)))
        if self.side is None:
            ExportJob.objects.filter(pk=self.export_id, status=JobStatus.RUNNING, progress__lt=value).update(
                progress=value
            )
            return
        table = connection.ops.quote_name(ExportJob._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress = %s WHERE id = %s AND status = %s AND progress < %s",
                [value, self.export_id, JobStatus.RUNNING, value],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def export_run_fail(*, export_id: int, error: str) -> None:
    """Marks an export that has not finished as failed (the task's last resort after its retries)."""
    _fail(export_id, error)


def export_run_execute(*, export_id: int) -> ExportJob | None:
    """Writes one export (the work of `export_run_task`). A finished export is left as it is.

    Raises django.db.OperationalError (transient: the task retries); any other error fails the export."""
    job = _start(export_id)
    if job is None:
        return ExportJob.objects.filter(pk=export_id).first()
    project = Project.objects.get(pk=job.project_id)
    progress = _Progress(job.pk)
    try:
        writer = get_writer(job.format)
        directory = export_directory(project.pk, job.pk)
        directory.mkdir(parents=True, exist_ok=True)
        data_name = data_file_name(project, job.pk, writer)
        result = _write_export(
            project=project,
            writer=writer,
            include_majority=bool((job.options or {}).get("include_majority")),
            data_path=directory / data_name,
            manifest_path=directory / MANIFEST_NAME,
            card_path=directory / CARD_NAME,
            snapshot_at=job.started_at,
            on_progress=progress,
            on_snapshot=progress.use_side_connection,
            segment_clitics=bool((job.options or {}).get("segment_clitics")),
        )
    except OperationalError:
        raise  # transient: the task retries; the export stays running and is written again
    except Exception as exc:  # a deterministic error: retrying would fail the same way
        logger.exception("export %s failed", export_id)
        _fail(job.pk, f"The export could not be written: {type(exc).__name__}: {exc}")
        return ExportJob.objects.get(pk=job.pk)
    finally:
        progress.close()
    counts = {**result.counts, "format_stats": result.stats}
    ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE,
        progress=1.0,
        counts=counts,
        sha256=result.sha256,
        file_name=data_name,
        finished_at=timezone.now(),
        error="",
    )
    return ExportJob.objects.get(pk=job.pk)


def export_file_path(job: ExportJob, which: str = "data") -> Path | None:
    """The path of a finished export's data file, manifest or card; None when it is not there.
    Built from ids and the server-generated name only, and checked to lie under EXPORT_ROOT."""
    if job.status != JobStatus.DONE or not job.file_name:
        return None
    directory = export_directory(job.project_id, job.pk)
    name = {"data": job.file_name, "manifest": MANIFEST_NAME, "card": CARD_NAME}[which]
    path = (directory / name).resolve()
    root = Path(settings.EXPORT_ROOT).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


__all__ = [
    "ExportResult",
    "code_version",
    "export_file_path",
    "export_run_create",
    "export_run_execute",
    "export_run_fail",
    "export_write",
]
