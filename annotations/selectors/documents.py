from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Length

from annotations.models import Document, Project


def document_list(project: Project) -> QuerySet[Document]:
    """The project's documents with `length` (code points) annotated, oldest first."""
    return (
        Document.objects.filter(project=project).select_related("source").annotate(length=Length("text")).order_by("id")
    )
