from __future__ import annotations

from functools import lru_cache

from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Length

from annotations.models import AdjudicationStatus, Document, Project
from annotations.text.normalize import fold_for_search


def document_list(project: Project) -> QuerySet[Document]:
    """The project's documents with `length` (code points) annotated, oldest first."""
    return (
        Document.objects.filter(project=project).select_related("source").annotate(length=Length("text")).order_by("id")
    )


DOCUMENT_STATUSES = ("unassigned", "in_progress", "submitted", "adjudicated", "archived")


def documents_for_desk(project: Project, *, status: str = "", query: str = "") -> QuerySet[Document]:
    """The documents page: filtered by queue state (archived documents only when asked for) and by a
    search in the title or the folded text, each with its `state` annotated."""
    final = Q(adjudication__status=AdjudicationStatus.FINAL)
    k = project.overlap_k
    documents = document_list(project).defer("text", "search_text", "search_words")
    documents = documents.annotate(
        state=Case(
            When(archived_at__isnull=False, then=Value("archived")),
            When(final, then=Value("adjudicated")),
            When(submitted_count__gte=k, then=Value("submitted")),
            When(slots_taken__gt=0, then=Value("in_progress")),
            default=Value("unassigned"),
        )
    )
    if status in DOCUMENT_STATUSES:
        documents = documents.filter(state=status)
    else:
        documents = documents.filter(archived_at__isnull=True)
    query = query.strip()
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(search_text__contains=fold_for_search(query)))
    return documents


@lru_cache(maxsize=64)
def document_text(document_id: int, sha256: str) -> str:
    """A document's text, kept per process: text is never edited after import, and the key holds its sha256,
    so a cached entry can never be another text (a reused id on SQLite has another digest). Span writes
    read it here instead of loading the article again for every save."""
    return Document.objects.filter(pk=document_id, sha256=sha256).values_list("text", flat=True).get()
