"""Adding articles to a project: one at a time (API) or whole files (import_articles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict, ImportLineError
from annotations.importers import ArticleRecord, parse_article_file, title_from_text
from annotations.models import Document, Project, Source, text_sha256
from annotations.models.validation import validate_document
from annotations.services.enqueue import enqueue_on_commit


@dataclass
class ImportResult:
    created: list[Document] = field(default_factory=list)
    skipped: int = 0  # exact duplicates (same NFC text) of documents already in the project
    files: int = 0


def source_for(name: str, url: str = "") -> Source | None:
    """The outlet named `name` (created on first use); its domain is taken from the first URL seen."""
    name = name.strip()
    if not name:
        return None
    domain = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
    source, created = Source.objects.get_or_create(name=name, defaults={"domain": ""})
    if not source.domain and domain and not Source.objects.filter(domain=domain).exists():
        source.domain = domain
        source.save(update_fields=["domain"])
    return source


def _create_documents(
    project: Project, records: Iterable[ArticleRecord], result: ImportResult, path: str | None = None
) -> None:
    """Validates and saves each record; with `path` (a file being imported) a refusal names its file and line."""
    existing = set(Document.objects.filter(project=project).values_list("sha256", flat=True))
    for record in records:
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
        digest = text_sha256(values.text)
        if digest in existing:
            result.skipped += 1
            continue
        existing.add(digest)
        document = Document(
            project=project,
            text=values.text,
            title=values.title,
            source=source_for(values.source, values.url),
            url=values.url,
            published_at=record.published_at,
            external_id=values.external_id,
        )
        document.save()
        result.created.append(document)


def _enqueue_stats(documents: Sequence[Document]) -> None:
    if documents:
        enqueue_on_commit("document_stats_task", [document.pk for document in documents])


def documents_import(*, project: Project, paths: Sequence[str | Path]) -> ImportResult:
    """Imports every file or nothing: all files are parsed before the first row is written.

    Raises ImportLineError (file and line) for the first bad file; exact duplicates are skipped.
    """
    max_chars = settings.DOCUMENT_MAX_CHARS
    parsed = [parse_article_file(path, max_chars=max_chars) for path in paths]
    result = ImportResult(files=len(parsed))
    with transaction.atomic():
        for path, records in zip(paths, parsed, strict=True):
            _create_documents(project, records, result, str(path))
        _enqueue_stats(result.created)
    return result


def document_create(
    *,
    project: Project,
    text: str,
    title: str = "",
    source: str = "",
    url: str = "",
    published_at: dt.datetime | None = None,
    external_id: str = "",
) -> Document:
    """One article; Conflict (409) if the project already holds the same text."""
    values = validate_document(text=text, title=title, source=source, url=url, external_id=external_id)
    text = values.text
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
        _create_documents(project, [record], result)
        _enqueue_stats(result.created)
    return result.created[0]
