"""Adding articles to a project: one at a time (API) or whole files (import_articles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict, ImportLineError
from annotations.importers import ArticleRecord, parse_article_file, title_from_text
from annotations.models import AssignmentStatus, Document, Project, Source, text_sha256
from annotations.models.validation import validate_document
from annotations.services.audit import audit_record
from annotations.services.enqueue import enqueue_on_commit
from annotations.services.projects import assignment_release


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


BATCH = 1_000  # documents per INSERT in an import


def _create_documents(
    project: Project,
    records: Iterable[ArticleRecord],
    result: ImportResult,
    path: str | None = None,
    *,
    existing: set[str] | None = None,
    sources: dict | None = None,
    on_created: Callable[[int, Document], None] | None = None,
) -> None:
    """Validates and saves the records, in multi-row INSERTs of BATCH; with `path` (a file being imported)
    a refusal names its file and line. `existing` holds the sha256 of the project's texts (read here when
    not given); `sources` the outlets already seen; `on_created(index, document)` is told of each new one."""
    if existing is None:
        existing = set(Document.objects.filter(project=project).values_list("sha256", flat=True))
    sources = {} if sources is None else sources
    pending: list[tuple[int, Document]] = []

    def flush() -> None:
        created = Document.objects.bulk_create([document for _, document in pending])
        result.created.extend(created)
        if on_created is not None:
            for (index, _), document in zip(pending, created, strict=True):
                on_created(index, document)
        pending.clear()

    for index, record in enumerate(records):
        try:
            values = validate_document(
                text=record.text,
                title=record.title,
                source=record.source,
                url=record.url,
                external_id=record.external_id,
            )
        except ApplicationError as exc:
            if path is None:
                raise
            name, messages = next(iter(exc.fields.items()))
            raise ImportLineError(path, record.line, f"{name}: {messages[0]}") from None
        document = Document(
            project=project,
            text=values.text,
            title=values.title,
            source=source_for(values.source, values.url, known=sources),
            url=values.url,
            published_at=record.published_at,
            external_id=values.external_id,
        )
        document.fill_derived()  # what save() would compute: NFC, sha256, the search columns
        if document.sha256 in existing:
            result.skipped += 1
            continue
        existing.add(document.sha256)
        pending.append((index, document))
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()


STATS_CHUNK = 1_000  # documents per statistics task: several workers share a large import


def _enqueue_stats(documents: Sequence[Document]) -> None:
    ids = [document.pk for document in documents]
    for first in range(0, len(ids), STATS_CHUNK):
        enqueue_on_commit("document_stats_task", ids[first : first + STATS_CHUNK])


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
    refuses a text shorter than DOCUMENT_MIN_CHARS."""
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
    with transaction.atomic():
        duplicate = (
            Document.objects.filter(project=project, sha256=text_sha256(text)).values_list("id", flat=True).first()
        )
        if duplicate is not None:
            raise Conflict(_("This article is already in the project."), extra={"id": duplicate})
        result = ImportResult()
        # the duplicate was just ruled out (and the unique constraint backs it): no need to read every digest
        _create_documents(project, [record], result, existing=set())
        _enqueue_stats(result.created)
    return result.created[0]


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
