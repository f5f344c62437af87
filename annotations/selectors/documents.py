from __future__ import annotations

from functools import lru_cache

from django.db.models import QuerySet
from django.db.models.functions import Length

from annotations.models import Document, Project


def document_list(project: Project) -> QuerySet[Document]:
    """The project's documents with `length` (code points) annotated, oldest first."""
    return (
        Document.objects.filter(project=project).select_related("source").annotate(length=Length("text")).order_by("id")
    )


@lru_cache(maxsize=64)
def document_text(document_id: int, sha256: str) -> str:
    """A document's text, kept per process: text is never edited after import, and the key holds its sha256,
    so a cached entry can never be another text (a reused id on SQLite has another digest). Span writes
    read it here instead of loading the article again for every save."""
    return Document.objects.filter(pk=document_id, sha256=sha256).values_list("text", flat=True).get()
