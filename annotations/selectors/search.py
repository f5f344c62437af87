"""Search in a project's articles that ignores Arabic spelling variants (annotations.text.normalize)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from annotations.access import sees_all_work
from annotations.models import Document, Membership
from annotations.text.normalize import find_all, fold_for_search

SNIPPET_CONTEXT = 60  # code points on each side of a match
MAX_SNIPPETS = 3


@dataclass(frozen=True)
class Snippet:
    before: str
    match: str
    after: str


def documents_matching(membership: Membership, query: str) -> QuerySet[Document]:
    """Documents whose folded text contains the folded query. Reviewers search only what they were given."""
    folded = fold_for_search(query.strip())
    documents = Document.objects.filter(project_id=membership.project_id).select_related("source").order_by("id")
    if not sees_all_work(membership):
        documents = documents.filter(assignments__reviewer_id=membership.user_id)
    if not folded:
        return documents.none()
    return documents.filter(search_text__contains=folded)


def snippets(text: str, query: str) -> tuple[int, list[Snippet]]:
    """How many times the query occurs in `text`, and the first few occurrences in context."""
    matches = find_all(text, query.strip())
    result = []
    for start, end in matches[:MAX_SNIPPETS]:
        before = text[max(0, start - SNIPPET_CONTEXT) : start]
        after = text[end : end + SNIPPET_CONTEXT]
        result.append(
            Snippet(
                ("…" if start > SNIPPET_CONTEXT else "") + before,
                text[start:end],
                after + ("…" if end + SNIPPET_CONTEXT < len(text) else ""),
            )
        )
    return len(matches), result
