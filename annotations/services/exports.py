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

Keep: the format lives in the exporters' registry (`annotations.exporters`: one pure writer module per
format, looked up by name), and every file is written to a temporary name and renamed into place, so
a reader never sees half a file.

Snapshot (an export is one consistent snapshot while writes go on): gold is what was final at the
export's `started_at`; on PostgreSQL the whole read is also one REPEATABLE READ, READ ONLY transaction,
so its progress is written through a second database connection (the read transaction cannot write,
and others could not see it).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.errors import ApplicationError, Conflict
from annotations.exporters import EXPORTER_VERSION, Writer, get_writer
from annotations.exporters.manifest import (
    Counts,
    build_manifest,
    counted,
    dataset_card,
    exported_agreement,
    manifest_json,
)
from annotations.exporters.options import (
    SPLIT_NAME,
    ExportOptions,
    OptionError,
    parse_options,
    pseudonymized,
    pseudonymizer,
    split_of,
)
from annotations.models import ExportJob, JobStatus, Project
from annotations.selectors.audit import audit_records
from annotations.selectors.gold import gold_agreement, gold_context, gold_count, gold_records, gold_snapshot
from annotations.services.export_parts import merge_stats, part_writers
from annotations.services.jobs import JobContext, JobKind, job_execute, job_fail, job_request

logger = logging.getLogger(__name__)

RUNNING_MESSAGE = gettext_lazy("An export for this project is already running.")
WRITE_BUFFER = 1 << 20  # bytes gathered before each write
WRITEBACK = 32 << 20  # bytes written between two requests to the disk to start writing them (`_stream_to`)
MANIFEST_NAME = "manifest.json"
CARD_NAME = "README.md"
AUDIT_NAME = "audit.jsonl"


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


def data_file_name(project: Project, export_id: int, writer: Writer, split: str | None = None) -> str:
    """Server-generated from ids only (the slug is reduced to [A-Za-z0-9_-]; a split name is checked)."""
    middle = f".{split}" if split is not None and SPLIT_NAME.fullmatch(split) else ""
    return f"gold-{safe_slug(project.slug)}-{int(export_id)}{middle}.{writer.extension}"


def split_path(path: Path, split: str) -> Path:
    """`gold.jsonl` -> `gold.train.jsonl`: one data file per split, beside the unsplit name."""
    return (
        path.with_name(f"{path.stem}.{split}{path.suffix}") if path.suffix else path.with_name(f"{path.name}.{split}")
    )


# --- options and record shaping ---------------------------------------------------------------------------
def export_options(values: dict | ExportOptions | None, fmt: str | None = None) -> ExportOptions:
    """Checked options (for `fmt`, when given); ApplicationError (a 400 naming the field) for a bad one."""
    if isinstance(values, ExportOptions):
        return values
    try:
        options = parse_options(values)
    except OptionError as exc:
        raise ApplicationError(f"Bad option {exc.field}: {exc.message}", fields={exc.field: [exc.message]}) from None
    if options.segment_clitics and fmt is not None and fmt != "conll":
        raise ApplicationError(
            _("--segment-clitics is only for the conll format."),
            fields={"segment_clitics": [_("Only the conll format segments clitics.")]},
        )
    return options


def pseudonym_salt() -> bytes:
    """EXPORT_PSEUDONYM_SALT, else a salt derived from SECRET_KEY (stable for the deployment, never exported)."""
    salt = getattr(settings, "EXPORT_PSEUDONYM_SALT", "")
    if salt:
        return salt.encode("utf-8")
    return hashlib.sha256(b"workbench-export-pseudonyms:" + settings.SECRET_KEY.encode("utf-8")).digest()


def outlet_of(document) -> str:
    return document.source_domain or document.source or ""


def shaped_records(records: Iterable, options: ExportOptions, split: str | None = None) -> Iterator:
    """The gold stream as the options shape it: pseudonymized names; only the documents of `split`."""
    if options.pseudonymize:
        records = pseudonymized(records, pseudonymizer(pseudonym_salt()))
    if split is not None:
        records = (d for d in records if split_of(d.sha256, outlet_of(d), options) == split)
    return records


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
    data_paths: list = field(default_factory=list)  # one per split (the first is `data_path`)


def _progressed(documents: Iterable, total: int, on_progress: Callable[[float], None] | None) -> Iterator:
    if on_progress is None:
        yield from documents
        return
    step = max(1, min(500, total // 50))
    for seen, document in enumerate(documents, start=1):
        yield document
        if seen % step == 0:
            on_progress(min(seen / max(total, 1), 0.99))


def _stream_to(path: Path, pieces: Iterable[str], encoded: bool = False) -> tuple[str, int]:
    """Writes the text to `path` (UTF-8; `encoded`: the pieces are its bytes) in large blocks; returns
    its SHA-256 and size.

    The blocks are hashed and written by a second thread (hashlib and file writes release the GIL for
    large buffers), so this one goes on encoding the next block meanwhile; at most two blocks wait. Every
    WRITEBACK bytes the disk is asked to start writing what came before (POSIX_FADV_DONTNEED starts the
    writeback without waiting for it, and leaves the export out of the page cache), so the closing fsync
    waits for the last few blocks, not the whole file (1.4 GB: 2.4 s at this disk's 590 MB/s)."""
    digest = hashlib.sha256()
    size = 0
    buffer: list[bytes] = []
    buffered = 0
    pending: list[Future] = []
    written = [0, 0]  # bytes written, and up to where writeback was started
    with open(path, "wb") as handle, ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-write") as writer:

        def hash_and_write(block: bytes) -> None:  # in the writer thread, one block after the other
            digest.update(block)
            handle.write(block)
            written[0] += len(block)
            if written[0] - written[1] >= WRITEBACK and hasattr(os, "posix_fadvise"):
                handle.flush()
                os.posix_fadvise(handle.fileno(), written[1], written[0] - written[1], os.POSIX_FADV_DONTNEED)
                written[1] = written[0]

        for piece in pieces:
            data = piece if encoded else piece.encode("utf-8")
            buffer.append(data)
            buffered += len(data)
            if buffered >= WRITE_BUFFER:
                if len(pending) == 2:
                    pending.pop(0).result()  # raises the writer's error, if any
                pending.append(writer.submit(hash_and_write, b"".join(buffer)))
                size += buffered
                buffer, buffered = [], 0
        for done in pending:
            done.result()
        hash_and_write(b"".join(buffer))
        size += buffered
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest(), size


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the data is written. An export allocates millions of
    short-lived tuples and records; with a chunk of them alive, the collector's full passes walk every
    object again and again (a third of the CPU of building the records). Records hold no reference
    cycles and are freed by reference counting as each chunk is written; the few cycles the ORM makes
    per chunk wait for the collector until the export ends (bench/export_bench.py: peak memory the same
    at 10,000 and 100,000 documents)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_text(path: Path, text: str) -> tuple[str, int]:
    return _stream_to(path, [text])


def _temporary(path: Path) -> Path:
    """A name beside `path` that no other writer uses (a redelivered task may overlap a slow one)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")


def _write_export(
    *,
    project: Project,
    writer: Writer,
    options: ExportOptions,
    data_path: Path,
    manifest_path: Path,
    card_path: Path,
    snapshot_at: dt.datetime,
    on_progress: Callable[[float], None] | None = None,
    audit_path: Path | None = None,
) -> ExportResult:
    """Data file(s), then the dataset card, then the manifest (which lists every hash). Each is written to
    a temporary name beside it and renamed into place, so a reader never sees half a file. With splits,
    one data file per split (`split_path`), each from its own pass over the gold in the same snapshot."""
    counts = Counts()
    stats: dict = {}
    splits = options.split_names or [None]
    data_paths = [data_path if split is None else split_path(data_path, split) for split in splits]
    extra_paths = [audit_path] if options.include_audit and audit_path is not None else []
    finals = [*data_paths, *extra_paths, card_path, manifest_path]
    parts = [_temporary(path) for path in finals]
    files = []
    per_split = {}
    try:
        with gold_snapshot() as in_transaction, _collector_paused():
            context = gold_context(project, options=options.as_dict())
            run, per_document = gold_agreement(project)
            total = gold_count(project, include_majority=options.include_majority, snapshot_at=snapshot_at)

            def gold(split, split_counts, ids=None):  # in this process, or in a worker for one part (`ids`)
                records = gold_records(
                    project,
                    include_majority=options.include_majority,
                    snapshot_at=snapshot_at,
                    agreement=per_document,
                    tokens=writer.reads_tokens,
                    ids=ids,
                )
                return counted(shaped_records(records, options, split), split_counts)

            workers = None
            if in_transaction:  # before any thread of the export starts: the workers are forked
                workers = part_writers(
                    project=project,
                    writer=writer,
                    options=options,
                    context=context,
                    snapshot_at=snapshot_at,
                    total=total,
                    gold=gold,
                    directory=data_path.parent,
                )
            with workers or nullcontext():
                for n, (split, path) in enumerate(zip(splits, data_paths, strict=True)):
                    split_counts = Counts()
                    split_stats: dict = {}
                    progress = None
                    if on_progress is not None:
                        progress = functools.partial(lambda base, value: on_progress((base + value) / len(splits)), n)
                    if workers is not None:  # written part by part by the forked workers
                        pieces = workers.pieces(split, split_counts, split_stats, progress)
                        sha256, size = _stream_to(parts[n], pieces, encoded=True)
                    else:
                        shaped = gold(split, split_counts)
                        pieces = writer.write_utf8(_progressed(shaped, total, progress), context, split_stats)
                        sha256, size = _stream_to(parts[n], pieces, encoded=True)
                    counts.add(split_counts)
                    merge_stats(stats, split_stats)
                    item = {"name": path.name, "role": "data", "media_type": writer.media_type, "sha256": sha256}
                    item["bytes"] = size
                    if split is not None:
                        item["split"] = split
                        per_split[split] = {
                            "fraction": dict(options.splits)[split],
                            "file": path.name,
                            "documents": split_counts.documents,
                            "spans": split_counts.spans,
                        }
                    files.append(item)
            if extra_paths:  # the audit trail, from the same snapshot
                pseudonym = pseudonymizer(pseudonym_salt()) if options.pseudonymize else None
                lines = (
                    json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
                    for record in audit_records(project, until=snapshot_at, pseudonym=pseudonym)
                )
                sha256, size = _stream_to(parts[len(data_paths)], lines)
                files.append(
                    {
                        "name": audit_path.name,
                        "role": "audit",
                        "media_type": "application/x-ndjson",
                        "sha256": sha256,
                        "bytes": size,
                    }
                )
        manifest = build_manifest(
            context=context,
            writer=writer,
            counts=counts.as_dict(context.label_names),
            files=files,
            agreement=exported_agreement(run, counts),
            exported_at=snapshot_at.astimezone(dt.UTC).isoformat(),
            code_version=code_version(),
            stats=stats,
            snapshot={
                "gold_decided_at_or_before": snapshot_at.astimezone(dt.UTC).isoformat(),
                "isolation": "repeatable read" if in_transaction else "decided_at <= snapshot",
            },
            license=getattr(settings, "EXPORT_DATASET_LICENSE", "") or "other",
            splits={
                "assigned_by": "the SHA-256 of the outlet (source domain, else source name; a document without "
                "one: its text)"
                if options.split_by_outlet
                else "the SHA-256 of each document's NFC text",
                "splits": per_split,
            }
            if per_split
            else None,
        )
        card_sha256, card_size = _write_text(parts[-2], dataset_card(manifest))
        manifest["files"].append(
            {
                "name": card_path.name,
                "role": "dataset card",
                "media_type": "text/markdown",
                "sha256": card_sha256,
                "bytes": card_size,
            }
        )
        _write_text(parts[-1], manifest_json(manifest))
        for part, path in zip(parts, finals, strict=True):
            os.replace(part, path)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return ExportResult(
        counts=manifest["counts"],
        sha256=files[0]["sha256"],
        bytes=sum(item["bytes"] for item in files),
        manifest=manifest,
        data_path=data_paths[0],
        manifest_path=manifest_path,
        card_path=card_path,
        stats=stats,
        data_paths=data_paths,
    )


def export_write(
    *, project: Project, fmt: str, output_path, include_majority: bool = False, options=None
) -> ExportResult:
    """The command's export: the data file at `output_path` (with splits: one per split, `gold.train.jsonl`
    for `gold.jsonl`) and, beside it, `output_path` + ".manifest.json" and `output_path` + ".README.md";
    nothing else is written (temporary files beside them are renamed into place or removed). The
    directory must exist. `options`: ExportOptions or their dict (checked: ApplicationError)."""
    writer = get_writer(fmt)
    options = export_options({"include_majority": bool(include_majority), **(options or {})}, fmt)
    data_path = Path(output_path)
    if data_path.is_dir():
        raise ApplicationError(f"{data_path} is a directory; give the path of the file to write.")
    if not data_path.parent.is_dir():
        raise ApplicationError(f"{data_path.parent} is not a directory.")
    return _write_export(
        project=project,
        writer=writer,
        options=options,
        data_path=data_path,
        manifest_path=data_path.with_name(data_path.name + ".manifest.json"),
        card_path=data_path.with_name(data_path.name + ".README.md"),
        snapshot_at=timezone.now(),
        audit_path=data_path.with_name(data_path.name + ".audit.jsonl"),
    )


# --- request ----------------------------------------------------------------------------------------------
EXPORT_JOB = JobKind(
    model=ExportJob,
    task="export_run_task",
    name="export",
    failure_message="The export could not be written",
    restart_on_redelivery=True,  # a redelivered export is written again from scratch, at a new snapshot time
    replacement=lambda job: ExportJob(
        project_id=job.project_id, format=job.format, options=job.options, requested_by_id=job.requested_by_id
    ),
    # a worker killed while writing leaves its temporary files (and a parallel export's parts) behind: a
    # failed export has nothing to deliver, so its directory goes
    abandoned=lambda job: shutil.rmtree(export_directory(job.project_id, job.pk), ignore_errors=True),
)


def export_run_create(
    *, project: Project, fmt, requested_by=None, include_majority=False, options: dict | None = None
) -> ExportJob:
    """A new pending export of `project` in `fmt`, sent to Celery when the transaction commits.

    UnknownFormat (400) for a format the registry does not know; Conflict (409, with the export's `id`)
    while another export of the project is pending or running. A running export whose worker died
    (older than the task time limit) is failed first; a pending one the broker never took is sent again."""
    get_writer(fmt)
    checked = export_options({"include_majority": include_majority, **(options or {})}, fmt)
    job, created = job_request(
        EXPORT_JOB,
        project.pk,
        lambda: ExportJob.objects.create(
            project=project, format=fmt, options=checked.as_dict(), requested_by=requested_by
        ),
    )
    if not created:  # raised after the request's transaction, so that a resend or a stale failure commits
        raise Conflict(str(RUNNING_MESSAGE), extra={"id": job.pk})
    return job


# --- execute ----------------------------------------------------------------------------------------------
def export_run_fail(*, export_id: int, error: str) -> None:
    """Marks an export that has not finished as failed (the task's last resort after its retries)."""
    job_fail(EXPORT_JOB, export_id, error)


def export_run_execute(*, export_id: int) -> ExportJob | None:
    """Writes one export (the work of `export_run_task`). A finished export is left as it is.

    Raises django.db.OperationalError (transient: the task retries); any other error fails the export."""
    return job_execute(EXPORT_JOB, export_id, _write_job)


def _write_job(job: ExportJob, context: JobContext) -> dict:
    """The work: the data file, card and manifest under the export's directory; the fields to store."""
    project = Project.objects.get(pk=job.project_id)
    writer = get_writer(job.format)
    directory = export_directory(project.pk, job.pk)
    directory.mkdir(parents=True, exist_ok=True)
    data_name = data_file_name(project, job.pk, writer)
    result = _write_export(
        project=project,
        writer=writer,
        options=export_options({k: v for k, v in (job.options or {}).items() if v is not None}),
        data_path=directory / data_name,
        manifest_path=directory / MANIFEST_NAME,
        card_path=directory / CARD_NAME,
        audit_path=directory / AUDIT_NAME,
        snapshot_at=job.started_at,
        on_progress=context.progress,  # inside the PostgreSQL snapshot: written by its own connection
    )
    counts = {**result.counts, "format_stats": result.stats}
    if len(result.data_paths) > 1:  # per split: its file's name and SHA-256
        counts["split_files"] = [item for item in result.manifest["files"] if item.get("split")]
    return {"counts": counts, "sha256": result.sha256, "file_name": result.data_path.name}


def export_file_path(job: ExportJob, which: str = "data") -> Path | None:
    """The path of a finished export's data file, manifest or card; None when it is not there.
    Built from ids and the server-generated name only, and checked to lie under EXPORT_ROOT."""
    if job.status != JobStatus.DONE or not job.file_name:
        return None
    directory = export_directory(job.project_id, job.pk)
    names = {"data": job.file_name, "manifest": MANIFEST_NAME, "card": CARD_NAME}
    if (job.options or {}).get("include_audit"):
        names["audit"] = AUDIT_NAME
    for item in (job.counts or {}).get("split_files") or []:  # names the server wrote, re-checked
        if isinstance(item, dict) and isinstance(item.get("split"), str) and SPLIT_NAME.fullmatch(item["split"]):
            names.setdefault(item["split"], str(item.get("name", "")))
    name = names.get(which)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
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
    "export_options",
    "EXPORT_JOB",
    "export_write",
    "split_path",
]
