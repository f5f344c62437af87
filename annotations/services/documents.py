"""Adding articles to a project: one at a time (API) or whole files (import_articles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from operator import attrgetter
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict, ImportLineError
from annotations.importers import ArticleRecord, parse_article_file, title_from_text
from annotations.models import AssignmentStatus, Document, DocumentStats, Project, Source, text_sha256
from annotations.models.validation import validate_document
from annotations.services.audit import audit_record
from annotations.services.enqueue import enqueue_many_on_commit
from annotations.services.projects import assignment_release
from annotations.services.stats import text_stats
from workbench.db import prepared_cursor


@dataclass
class ImportResult:
    created: list[Document] = field(default_factory=list)
    skipped: int = 0  # exact duplicates (same NFC text) of documents already in the project
    files: int = 0


def source_for(name: str, url: str = "", *, known: dict | None = None) -> Source | None:
    """The outlet named `name` (created on first use); its domain is taken from the first URL seen.
    `known` (name -> Source) spares the lookups of outlets already seen in the same import."""
    name = name.strip()
    if not name:
        return None
    if known is not None and name in known:
        return known[name]  # settled at its first article of this import
    domain = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
    source, created = Source.objects.get_or_create(name=name, defaults={"domain": ""})
    if not source.domain and domain and not Source.objects.filter(domain=domain).exists():
        source.domain = domain
        source.save(update_fields=["domain"])
    if known is not None:
        known[name] = source
    return source


BATCH = 1_000  # documents per INSERT in an import (SQLite, or a few documents on PostgreSQL)
COPY_CHUNK = 5_000  # documents per COPY on PostgreSQL (ids are taken from the sequence a chunk at a time)
COPY_MIN_RECORDS = 50  # fewer records: a multi-row INSERT (one statement) is as quick as nextval + COPY


def _create_documents(
    project: Project,
    records: Sequence[ArticleRecord],
    result: ImportResult,
    path: str | None = None,
    *,
    existing: set[str] | None = None,
    sources: dict | None = None,
    on_created: Callable[[int, Document], None] | None = None,
    on_written: Callable[[int], None] | None = None,
) -> None:
    """Validates and saves the records (with `path`, a file being imported, a refusal names its file and
    line). On PostgreSQL a large import streams the rows with COPY while the next ones are validated, so
    the database indexes one row while Python prepares the next; elsewhere, multi-row INSERTs of BATCH.
    Either way the caller's transaction holds everything: an error anywhere writes nothing.
    `existing` holds the sha256 of the project's texts (read here when not given); `sources` the outlets
    already seen; `on_created(index, document)` is told of each new one once it is written, and
    `on_written(done)`, after each batch, how many of the records are done (written, or skipped as
    duplicates), still inside the caller's transaction."""
    if existing is None:
        existing = set(Document.objects.filter(project=project).values_list("sha256", flat=True))
    sources = {} if sources is None else sources
    new_document = _document_maker(project)

    def new_documents() -> Iterator[tuple[int, Document]]:
        for index, record in enumerate(records):
            try:
                document = _record_document(record, new_document, sources)
            except ApplicationError as exc:
                if path is None:
                    raise
                name, messages = next(iter(exc.fields.items()))
                raise ImportLineError(path, record.line, f"{name}: {messages[0]}") from None
            if document.sha256 in existing:
                result.skipped += 1
                continue
            existing.add(document.sha256)
            yield index, document

    if connection.vendor == "postgresql" and len(records) >= COPY_MIN_RECORDS:
        _resolve_sources(records, sources)  # no other statement may run while a COPY streams
        written = _copy_documents(new_documents(), len(records))
    else:
        written = _insert_documents(new_documents())
    for batch in written:
        result.created.extend(document for _, document in batch)
        if on_created is not None:
            for index, document in batch:
                on_created(index, document)
        for _index, document in batch:
            # The search columns are written and not needed here: deferred (read again from the database
            # if ever asked for, as for a queryset's .defer()), so 100,000 imported articles do not keep
            # them in memory.
            for name in ("search_text", "search_words"):
                document.__dict__.pop(name, None)
        if on_written is not None:
            on_written(batch[-1][0] + 1)


def _record_document(record: ArticleRecord, new_document: Callable[..., Document], sources: dict) -> Document:
    """The new (unsaved) document of a record, validated and with its derived columns."""
    values = validate_document(
        text=record.text, title=record.title, source=record.source, url=record.url, external_id=record.external_id
    )
    document = new_document(
        text=values.text,
        title=values.title,
        source=source_for(values.source, values.url, known=sources),
        url=values.url,
        published_at=record.published_at,
        external_id=values.external_id,
    )
    document.fill_derived()  # what save() would compute: NFC, sha256, the search columns
    return document


def _document_maker(project: Project) -> Callable[..., Document]:
    """Makes the new (unsaved) documents of `project` from field values. Model(**kwargs) sets every field
    through its descriptor by name; this passes the values in field order (as rows read from the database
    are made), with the project and outlet instances cached as Model(project=..., source=...) would: a
    third of the time, for the same instance."""
    fields = Document._meta.concrete_fields
    template = {field.attname: field.get_default() for field in fields}
    template["project_id"] = project.pk
    attnames = [field.attname for field in fields]
    project_field, source_field = Document._meta.get_field("project"), Document._meta.get_field("source")

    def make(*, source: Source | None, **values) -> Document:
        row = {**template, **values, "source_id": source.pk if source is not None else None}
        document = Document(*[row[name] for name in attnames])
        project_field.set_cached_value(document, project)
        source_field.set_cached_value(document, source)
        return document

    return make


def _resolve_sources(records: Sequence[ArticleRecord], sources: dict) -> None:
    """Looks up (or creates) the outlet of each record into `sources`, in the records' order (the first
    valid article of an outlet gives it its domain, as when done row by row). A record refused here is
    refused again, with its file and line, when its row comes."""
    for record in records:
        name = record.source
        if not isinstance(name, str) or not name.strip() or name.strip() in sources:
            continue
        try:
            values = validate_document(
                text=record.text, title=record.title, source=name, url=record.url, external_id=record.external_id
            )
        except ApplicationError:
            continue
        source_for(values.source, values.url, known=sources)


def _insert_documents(documents: Iterator[tuple[int, Document]]) -> Iterator[list[tuple[int, Document]]]:
    """Multi-row INSERTs of BATCH; yields each batch once written (with its primary keys)."""
    while batch := list(islice(documents, BATCH)):
        Document.objects.bulk_create([document for _, document in batch])
        yield batch


def _copy_documents(documents: Iterator[tuple[int, Document]], count: int) -> Iterator[list[tuple[int, Document]]]:
    """PostgreSQL: COPY in chunks of COPY_CHUNK; yields each chunk once written. `count` bounds how many
    documents may come (the records; duplicates skipped make it fewer). The ids are taken from the
    table's sequence before each chunk, as many as may still come (unused ones are a harmless gap), so
    every row is written with its id and nothing has to be read back."""
    table = Document._meta.db_table
    fields = list(Document._meta.concrete_fields)
    # The values as the model holds them: validated, derived (fill_derived) and of the types psycopg
    # adapts; only the auto_now(_add) timestamps are filled here, as bulk_create's pre_save would.
    stamped = [
        field.attname for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    values_of = attrgetter(*(field.attname for field in fields))
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
    remaining = count
    while remaining > 0:
        batch: list[tuple[int, Document]] = []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, min(COPY_CHUNK, remaining)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            now = timezone.now()
            with cursor.copy(statement) as copy:
                for pk, (index, document) in zip(ids, documents, strict=False):  # ids first: none is lost
                    document.pk = pk
                    for name in stamped:
                        setattr(document, name, now)
                    copy.write_row(values_of(document))
                    batch.append((index, document))
        for _index, document in batch:
            document._state.adding, document._state.db = False, connection.alias
        if batch:
            yield batch
        if len(batch) < len(ids):
            return  # no more documents
        remaining = count - (batch[-1][0] + 1)  # records after the last one written


STATS_CHUNK = 1_000  # documents per statistics task: several workers share a large import
STATS_INLINE_CHARS = 20_000  # an article added alone up to this long gets its statistics in the request (~20 ms)


def _enqueue_stats(documents: Sequence[Document]) -> None:
    ids = [document.pk for document in documents]
    chunks = [(ids[first : first + STATS_CHUNK],) for first in range(0, len(ids), STATS_CHUNK)]
    enqueue_many_on_commit("document_stats_task", chunks)


def documents_import(*, project: Project, paths: Sequence[str | Path]) -> ImportResult:
    """Imports every file or nothing: all files are parsed before the first row is written.

    Raises ImportLineError (file and line) for the first bad file; exact duplicates are skipped.
    """
    max_chars = settings.DOCUMENT_MAX_CHARS
    parsed = [parse_article_file(path, max_chars=max_chars) for path in paths]
    result = ImportResult(files=len(parsed))
    existing = set(Document.objects.filter(project=project).values_list("sha256", flat=True))
    sources: dict = {}
    with transaction.atomic():
        for path, records in zip(paths, parsed, strict=True):
            _create_documents(project, records, result, str(path), existing=existing, sources=sources)
        _enqueue_stats(result.created)
    return result


def document_check_length(text: str) -> None:
    """The API's and the upload's floor: a 2-character "article" must not reach a reviewer's queue."""
    length, minimum = len(text.strip()) if isinstance(text, str) else 0, settings.DOCUMENT_MIN_CHARS
    if length < minimum:
        message = f"An article has at least {minimum} characters (DOCUMENT_MIN_CHARS); this text has {length}."
        raise ApplicationError(message, fields={"text": [message]})


def document_create(
    *,
    project: Project,
    text: str,
    title: str = "",
    source: str = "",
    url: str = "",
    published_at: dt.datetime | None = None,
    external_id: str = "",
    check_length: bool = False,
) -> Document:
    """One article; Conflict (409) if the project already holds the same text. `check_length` (the API)
    refuses a text shorter than DOCUMENT_MIN_CHARS.

    Its statistics and tokens are computed here, in the same transaction (about 2 ms for a
    2,000-character article), not by the statistics job: for one article, the job (an outbox row, a
    background send to the broker, a worker reading the text back) cost five times that in CPU beside
    the request. Only an article longer than STATS_INLINE_CHARS is left to the job, so that no request
    tokenizes half a million characters. The unique constraint finds a duplicate: no lookup first."""
    values = validate_document(text=text, title=title, source=source, url=url, external_id=external_id)
    text = values.text
    if check_length:
        document_check_length(text)
    record = ArticleRecord(
        text=text,
        title=values.title.strip() or title_from_text(text),
        source=values.source,
        url=values.url.strip(),
        published_at=published_at,
        external_id=values.external_id,
    )
    if connection.vendor == "postgresql" and not record.source and len(text) <= STATS_INLINE_CHARS:
        # No outlet to look up or create first: the document and its statistics are one statement.
        return _document_insert_with_stats(project, record)
    result = ImportResult()
    try:
        with transaction.atomic():
            _create_documents(project, [record], result, existing=set())
            document = result.created[0]
            if len(document.text) <= STATS_INLINE_CHARS:
                DocumentStats.objects.create(document=document, **text_stats(document.text))
            else:
                _enqueue_stats([document])
    except IntegrityError:
        duplicate = (
            Document.objects.filter(project=project, sha256=text_sha256(text))
            .order_by()
            .values_list("id", flat=True)
            .first()
        )
        if duplicate is None:
            raise
        raise _duplicate(duplicate) from None
    return document


def _duplicate(document_id: int) -> Conflict:
    return Conflict(_("This article is already in the project."), extra={"id": document_id})


@cache
def _document_insert_with_stats_sql() -> tuple[str, list, list]:
    """PostgreSQL: the INSERT of a document and of its statistics as one statement (a data-modifying WITH),
    and the fields whose values it takes, in its order. A duplicate text inserts nothing (ON CONFLICT
    on the project's unique texts) and returns no row: no error, so no savepoint inside a caller's
    transaction, and outside one no BEGIN and COMMIT (the statement is its own transaction)."""
    quote = connection.ops.quote_name
    document_fields = [field for field in Document._meta.concrete_fields if not field.primary_key]
    stats_fields = [
        field for field in DocumentStats._meta.concrete_fields if not field.primary_key and field.name != "document"
    ]
    document_columns = ", ".join(quote(field.column) for field in document_fields)
    stats_columns = ", ".join(quote(field.column) for field in stats_fields)
    sql = f"""WITH new_document AS (
    INSERT INTO {quote(Document._meta.db_table)} ({document_columns})
    VALUES ({", ".join(["%s"] * len(document_fields))})
    ON CONFLICT (project_id, sha256) DO NOTHING
    RETURNING id
)
INSERT INTO {quote(DocumentStats._meta.db_table)} (document_id, {stats_columns})
SELECT new_document.id, {", ".join(["%s"] * len(stats_fields))} FROM new_document
RETURNING document_id
"""
    return sql, document_fields, stats_fields


def _document_insert_with_stats(project: Project, record: ArticleRecord) -> Document:
    """`document_create` of an article without an outlet on PostgreSQL: what the ORM path writes (the
    document, then its statistics, in one transaction), in one statement; Conflict on a duplicate."""
    document = _record_document(record, _document_maker(project), {})
    now = timezone.now()
    document.created_at = now  # auto_now_add, as save() would
    stats = DocumentStats(document=document, computed_at=now, **text_stats(document.text))
    sql, document_fields, stats_fields = _document_insert_with_stats_sql()
    # The values as the ORM would send them (a naive published_at made aware, the tokens as bytea).
    params = [field.get_db_prep_save(getattr(document, field.attname), connection) for field in document_fields]
    params += [field.get_db_prep_save(getattr(stats, field.attname), connection) for field in stats_fields]
    # Bound on the server: the text, its search columns and token table travel as they are, not as escaped
    # literals of a 15 KB statement that the server parses again (a third of the INSERT's time); prepared
    # once per connection.
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        duplicate = (
            Document.objects.filter(project=project, sha256=document.sha256)
            .order_by()
            .values_list("id", flat=True)
            .first()
        )
        if duplicate is None:  # the other one is gone already: as the ORM path's unique violation would
            raise IntegrityError("duplicate key value violates unique constraint document_unique_text_per_project")
        raise _duplicate(duplicate)
    document.pk = stats.document_id = row[0]
    for instance in (document, stats):
        instance._state.adding, instance._state.db = False, connection.alias
    return document


def document_archive(*, document: Document, actor) -> Document:
    """Takes a document out of the queues and exports (its open leases go back; history stays)."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.archived_at is not None:
            return locked
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at"])
        open_leases = locked.assignments.filter(status=AssignmentStatus.LEASED).select_related("document")
        released = sum(assignment_release(assignment=a, actor=actor, reason="document archived") for a in open_leases)
        audit_record(
            project_id=locked.project_id,
            document_id=locked.pk,
            actor_id=actor.pk,
            kind="document.archived",
            object_id=locked.pk,
            after={"released_leases": released},
        )
    return locked


def document_restore(*, document: Document, actor) -> Document:
    """Puts an archived document back into the queues and exports."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.archived_at is None:
            return locked
        before = locked.archived_at.isoformat()
        locked.archived_at = None
        locked.save(update_fields=["archived_at"])
        audit_record(
            project_id=locked.project_id,
            document_id=locked.pk,
            actor_id=actor.pk,
            kind="document.restored",
            object_id=locked.pk,
            before={"archived_at": before},
        )
    return locked
