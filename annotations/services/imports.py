"""Importing a file uploaded in the browser or the API: a job row, parsed and written by Celery.

`import_request` refuses a whole file at once (size: 413; type, empty, not UTF-8, unsafe zip: 400) and
queues a job; `import_run_execute` (the task's work) parses every line, and writes everything or
nothing: a file with any bad line imports nothing and lists every bad line (`errors`, {line, message}),
so the manager fixes the file and uploads it again. Its progress grows as the lines are parsed and as
each batch of articles is written, seen while the write transaction is still open (`JobContext.progress`).
JSONL lines may carry `spans`: suggestions stored as predictions, never as any reviewer's work.
`import_articles` writes through the same `documents_write` for `.csv` and `.zip` files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict, ImportLineError
from annotations.importers.uploads import UploadedArticle, UploadLimits, UploadRefused, check_upload, parse_upload
from annotations.models import ImportJob, LabelType, Prediction, Project
from annotations.services.audit import audit_record
from annotations.services.documents import ImportResult, _create_documents, _enqueue_stats
from annotations.services.jobs import JobContext, JobKind, job_execute, job_request


class UploadTooLarge(ApplicationError):
    status_code = 413


class ImportRejected(ApplicationError):
    """Bad lines: the job fails with every one listed and nothing written."""


IMPORT_JOB = JobKind(
    model=ImportJob,
    task="import_run_task",
    name="import",
    failure_message="Nothing was imported",
    restart_on_redelivery=True,  # a redelivered import starts over; its writes were one transaction
    deferred=("data",),  # the upload is read once, by the work (`upload_data`)
)
RUNNING_MESSAGE = "An import for this project is already running; wait for it to finish."
MAX_ERRORS = 1000  # listed; the count in `rejected` is exact


def upload_limits() -> UploadLimits:
    return UploadLimits(
        max_chars=settings.DOCUMENT_MAX_CHARS,
        min_chars=settings.DOCUMENT_MIN_CHARS,
        max_zip_members=settings.IMPORT_MAX_ZIP_MEMBERS,
        max_unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_BYTES,
    )


def upload_check_size(size: int) -> None:
    """413 over IMPORT_MAX_BYTES (called with the upload's declared size before reading it)."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        message = _("The file has %(size)s bytes; the limit is %(limit)s bytes (%(mb).0f MB). Nothing was saved.") % {
            "size": f"{size:,}",
            "limit": f"{limit:,}",
            "mb": limit / 1024 / 1024,
        }
        raise UploadTooLarge(message, extra={"limit": limit})


def upload_check(*, file_name: str, data: bytes) -> None:
    """Refuses a file as a whole: 413 over IMPORT_MAX_BYTES, 400 (field `file`) for the rest."""
    upload_check_size(len(data))
    if not file_name or len(file_name) > 255 or "\x00" in file_name:
        raise ApplicationError(_("Give the file a name."), fields={"file": [_("Give the file a name.")]})
    try:
        check_upload(file_name, data, upload_limits())
    except UploadRefused as exc:
        message = _("%(name)s: %(reason)s.") % {"name": file_name, "reason": exc}
        raise ApplicationError(message, fields={"file": [message]}) from None


def import_request(*, project: Project, requested_by, file_name: str, data: bytes) -> ImportJob:
    """A pending import of the uploaded file, sent to Celery when the transaction commits; Conflict while
    another import of the project is pending or running."""
    upload_check(file_name=file_name, data=data)

    def create() -> ImportJob:
        binary = connection.vendor == "postgresql"
        job = ImportJob.objects.create(
            project=project, requested_by=requested_by, file_name=file_name[:255], data=b"" if binary else data
        )
        if binary:
            with _binary_cursor() as cursor:
                cursor.execute(f"UPDATE {_JOB_TABLE} SET data = %b WHERE id = %s", [data, job.pk])
            job.data = data
        return job

    job, created = job_request(IMPORT_JOB, project.pk, create)
    if not created:
        raise Conflict(RUNNING_MESSAGE, extra={"id": job.pk})
    return job


_JOB_TABLE = ImportJob._meta.db_table


def _binary_cursor():
    """PostgreSQL: a cursor that sends parameters apart from the statement and can read binary results.
    Django's cursors bind parameters into the SQL text, where an upload of 20 MB becomes a 40 MB hex
    literal that the server parses (and a read, 40 MB of hex to decode): half a second of CPU on each
    side for 20,000 articles, saved by moving the bytes as they are."""
    import psycopg  # the PostgreSQL driver, only there

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def upload_data(job: ImportJob) -> bytes:
    """The uploaded file of an import (not read with the job row: see IMPORT_JOB.deferred)."""
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(f"SELECT data FROM {_JOB_TABLE} WHERE id = %s", [job.pk], binary=True)
            return bytes(cursor.fetchone()[0])
    return bytes(ImportJob.objects.filter(pk=job.pk).values_list("data", flat=True).get())


def documents_write(
    *,
    project: Project,
    articles: list[UploadedArticle],
    import_job: ImportJob | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> tuple[ImportResult, int]:
    """Writes parsed articles and their suggestions in one transaction (exact duplicates skipped).
    Returns the result and how many suggestions were stored. `on_progress(fraction)` is told, after each
    batch of documents and their suggestions, the share of the articles written (inside the transaction)."""
    labels = {label.name: label for label in LabelType.objects.filter(project=project)}
    predictions: list[Prediction] = []
    stored = 0

    def keep_suggestions(index: int, document) -> None:
        for span in articles[index].suggestions:
            predictions.append(
                Prediction(
                    document=document,
                    label=labels[span.label],
                    start=span.start,
                    end=span.end,
                    text=document.text[span.start : span.end],
                    score=span.score,
                    import_job=import_job,
                )
            )

    def write_suggestions(done: int) -> None:
        # With their batch of documents: the time goes by the articles, as the progress counts, and
        # 100,000 articles' suggestions are never all held at once.
        nonlocal stored
        Prediction.objects.bulk_create(predictions, ignore_conflicts=True)
        stored += len(predictions)
        predictions.clear()
        if on_progress is not None:
            on_progress(done / len(articles))

    result = ImportResult(files=1)
    with transaction.atomic():
        _create_documents(
            project,
            [article.record for article in articles],
            result,
            on_created=keep_suggestions,
            on_written=write_suggestions,
        )
        _enqueue_stats(result.created)
    return result, stored


def import_run_execute(*, import_id: int) -> ImportJob | None:
    """The work of `import_run_task`. A finished import is left as it is."""
    return job_execute(IMPORT_JOB, import_id, _import_work)


# An import's progress, by the share of the job's time each step took (100,000 articles of 900 characters
# on PostgreSQL, 67 s on 2 shared cores): reading the upload 1%; parsing 13% (40% with three suggestions a
# line, each checked against the text's character boundaries); writing the documents and their
# suggestions, batch by batch, 82%; then the audit row, the commit and the finish (1.0, with `done`) 4%.
READ, PARSED, WRITTEN = 0.02, 0.2, 0.95


def _import_work(job: ImportJob, context: JobContext) -> dict:
    project = Project.objects.get(pk=job.project_id)
    data = upload_data(job)
    labels = set(LabelType.objects.filter(project=project).values_list("name", flat=True))
    context.progress(READ)
    articles, errors = parse_upload(
        job.file_name,
        data,
        limits=upload_limits(),
        labels=labels,
        on_progress=lambda fraction: context.progress(READ + (PARSED - READ) * fraction),
    )
    context.progress(PARSED)
    if errors:
        context.failure_fields = {
            "errors": [{"line": line, "message": message} for line, message in errors[:MAX_ERRORS]],
            "counts": {"imported": 0, "duplicates": 0, "rejected": len(errors), "predictions": 0},
            "data": b"",
        }
        raise ImportRejected(
            _("%(count)d bad line(s) in %(name)s; fix them and upload the file again.")
            % {"count": len(errors), "name": job.file_name}
        )
    with transaction.atomic():
        # Reported inside the transaction: JobContext writes it where others see it before the commit.
        result, suggestions = documents_write(
            project=project,
            articles=articles,
            import_job=job,
            on_progress=lambda fraction: context.progress(PARSED + (WRITTEN - PARSED) * fraction),
        )
        counts = {
            "imported": len(result.created),
            "duplicates": result.skipped,
            "rejected": 0,
            "predictions": suggestions,
        }
        audit_record(
            project_id=project.pk,
            actor_id=job.requested_by_id,
            kind="import.finished",
            object_id=job.pk,
            after={"file": job.file_name, **counts},
        )
    return {"counts": counts, "errors": [], "data": b""}


def upload_parse_file(*, project: Project, path) -> list[UploadedArticle]:
    """A file on disk (import_articles' .csv and .zip) parsed as an upload; ImportLineError listing
    every bad line (`path:line: message; ...`) when there is any."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportLineError(str(path), None, f"cannot be read ({exc.strerror})") from None
    try:
        check_upload(path.name, data, upload_limits())
    except UploadRefused as exc:
        raise ImportLineError(str(path), None, str(exc)) from None
    labels = set(LabelType.objects.filter(project=project).values_list("name", flat=True))
    articles, errors = parse_upload(path.name, data, limits=upload_limits(), labels=labels)
    if errors:
        listed = "; ".join(f"{path}:{line}: {message}" if line else f"{path}: {message}" for line, message in errors)
        raise ApplicationError(listed)
    return articles
