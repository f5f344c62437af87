"""Documents: NFC once, hash of the stored text, immutable, no duplicates per project."""

import dataclasses
import datetime as dt
import hashlib
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.errors import ApplicationError, Conflict, ImportLineError
from annotations.importers import ArticleRecord
from annotations.importers.uploads import SuggestedSpan, UploadedArticle
from annotations.models import Document, DocumentStats, OutboxMessage, Prediction, Source
from annotations.services import documents as documents_service
from annotations.services.documents import ImportResult, _create_documents, document_create
from annotations.services.imports import documents_write
from annotations.services.stats import text_stats


def test_create_stores_nfc_and_its_hash(project):
    nfd = unicodedata.normalize("NFD", "قُتِلَ ٣٠ جندياً في الرُّصافة")
    document = document_create(project=project, text=nfd, source="المرصد السوري", url="https://syriahr.com/x")
    document.refresh_from_db()
    assert document.text == unicodedata.normalize("NFC", nfd)
    assert document.sha256 == hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    assert document.source.name == "المرصد السوري" and document.source.domain == "syriahr.com"
    assert document.title == document.text  # a one-line article is its own title


def test_duplicate_text_is_a_conflict_naming_the_existing_document(project):
    first = document_create(project=project, text="نص الخبر")
    with pytest.raises(Conflict) as error:
        document_create(project=project, text=unicodedata.normalize("NFD", "نص الخبر"))
    assert error.value.extra == {"id": first.id}
    assert Document.objects.count() == 1


def test_a_duplicate_inside_a_transaction_leaves_it_usable(project):
    """An Idempotency-Key request runs in a transaction: a refused duplicate must not abort it (PostgreSQL's
    one-statement INSERT inserts nothing instead of failing; the ORM path rolls back to its savepoint)."""
    first = document_create(project=project, text="نص الخبر")
    with transaction.atomic():
        with pytest.raises(Conflict) as error:
            document_create(project=project, text="نص الخبر")
        second = document_create(project=project, text="نص خبر آخر")
    assert error.value.extra == {"id": first.id}
    assert sorted(Document.objects.values_list("id", flat=True)) == [first.id, second.id]
    assert DocumentStats.objects.filter(document=second).exists()


@pytest.mark.parametrize("source", ["", "المرصد السوري"], ids=["without-outlet", "with-outlet"])
def test_a_created_document_is_what_the_database_holds(project, source):
    """What document_create returns (the API's answer is made from it) equals the stored row, on both paths
    (PostgreSQL writes an article without an outlet with one statement of its own)."""
    published = dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)
    document = document_create(
        project=project,
        text="قال المرصد إن 30 جندياً قتلوا.\nوأكد الجيش ذلك.",
        title=" عنوان ",
        source=source,
        url=" https://example.org/a ",
        published_at=published,
        external_id="x-1",
    )
    assert document.pk is not None and not document._state.adding
    stored = Document.objects.get(pk=document.pk)
    names = ["title", "text", "sha256", "url", "published_at", "external_id", "created_at", "project_id"]
    names += ["source_id", "search_text", "search_words", "slots_taken", "submitted_count", "archived_at"]
    assert {name: getattr(document, name) for name in names} == {name: getattr(stored, name) for name in names}
    assert (stored.title, stored.url, stored.published_at) == ("عنوان", "https://example.org/a", published)
    stats = DocumentStats.objects.get(document=stored)
    assert {name: getattr(stats, name) for name in text_stats(stored.text)} == text_stats(stored.text)
    assert stats.computed_at >= stored.created_at


def test_same_text_in_another_project_is_allowed(project, other_project):
    document_create(project=project, text="نص الخبر")
    document_create(project=other_project, text="نص الخبر")
    assert Document.objects.count() == 2


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"text": "   "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "نص", "url": "javascript:alert(1)"}, "url"),
        ({"text": "نص", "url": "ftp://example.org/x"}, "url"),
    ],
)
def test_bad_input_names_the_field(project, kwargs, field):
    with pytest.raises(ApplicationError) as error:
        document_create(project=project, **kwargs)
    assert list(error.value.fields) == [field]
    assert Document.objects.count() == 0


def test_text_is_immutable(project):
    document = document_create(project=project, text="النص الأصلي")
    document.text = "نص مصحح"
    with pytest.raises(ValidationError, match="immutable"):
        document.save()
    document.refresh_from_db()
    assert document.text == "النص الأصلي"
    document.title = "عنوان جديد"  # metadata may change
    document.save()


# --- bulk writes: COPY on PostgreSQL (small chunks here, so that every boundary is crossed) ---------------
ARTICLE = "قال المرصد السوري إن عناصر من تنظيم الدولة هاجموا مواقع لقوات النظام في بادية الرصافة رقم {n}"
OUTLETS = ["المرصد السوري", "عنب بلدي", " الجزيرة "]


@pytest.fixture
def small_copy_chunks(monkeypatch):
    """Every import of this test streams (on PostgreSQL) in chunks of 7 rows."""
    monkeypatch.setattr(documents_service, "COPY_MIN_RECORDS", 1)
    monkeypatch.setattr(documents_service, "COPY_CHUNK", 7)


def _records(count: int) -> list[ArticleRecord]:
    return [
        ArticleRecord(
            text=ARTICLE.format(n=n),
            title=f"هجوم {n}",
            source=OUTLETS[n % 3],
            url=f"https://www.outlet{n % 3}.example.org/news/{n}",
            published_at=dt.datetime(2024, 5, 1 + n % 28, 9, tzinfo=dt.UTC) if n % 2 else None,
            external_id=f"x-{n}",
            line=n + 1,
        )
        for n in range(count)
    ]


def test_a_bulk_import_stores_every_row_as_one_at_a_time_would(project, small_copy_chunks):
    records = _records(30)
    earlier = document_create(project=project, text=records[4].text)  # already in the project
    records[20] = dataclasses.replace(records[20], text=unicodedata.normalize("NFD", records[9].text))  # twice
    result = ImportResult()
    with transaction.atomic():
        _create_documents(project, records, result)
    assert result.skipped == 2 and len(result.created) == 28
    stored = {document.pk: document for document in Document.objects.filter(project=project).select_related("source")}
    assert set(stored) == {document.pk for document in result.created} | {earlier.pk}
    for document in result.created:
        row = stored[document.pk]
        expected = Document(text=row.text)
        expected.fill_derived()  # what save() computes
        assert (row.sha256, row.search_text, row.search_words) == (
            document.sha256,
            expected.search_text,
            expected.search_words,
        )
        n = int(row.external_id.removeprefix("x-"))
        assert row.text == ARTICLE.format(n=n) and row.title == f"هجوم {n}"
        assert row.published_at == records[n].published_at and row.url == records[n].url
        assert row.source.name == OUTLETS[n % 3].strip() and row.created_at is not None
        assert (row.slots_taken, row.submitted_count, row.archived_at) == (0, 0, None)
    assert {source.name: source.domain for source in Source.objects.all()} == {
        "المرصد السوري": "outlet0.example.org",
        "عنب بلدي": "outlet1.example.org",
        "الجزيرة": "outlet2.example.org",
    }
    again = ImportResult()
    with transaction.atomic():
        _create_documents(project, records, again)
    assert (len(again.created), again.skipped) == (0, 30)  # the same articles are stored once


def test_a_refusal_after_rows_were_streamed_writes_nothing(project, small_copy_chunks):
    records = _records(30)
    records[25] = dataclasses.replace(records[25], url="javascript:alert(1)", source="منفذ جديد")
    with pytest.raises(ApplicationError) as error:
        documents_write(project=project, articles=[UploadedArticle(record) for record in records])
    assert list(error.value.fields) == ["url"]
    assert not Document.objects.exists() and not Source.objects.exists() and not OutboxMessage.objects.exists()
    with pytest.raises(ImportLineError, match="^articles.jsonl:26: url: "), transaction.atomic():
        _create_documents(project, records, ImportResult(), path="articles.jsonl")


def test_suggestions_of_a_bulk_import_belong_to_their_articles(project, small_copy_chunks):
    records = _records(20)
    records[12] = dataclasses.replace(records[12], text=records[3].text)  # a duplicate: its suggestion is dropped
    articles = [
        UploadedArticle(record, (SuggestedSpan(start=n, end=n + 5, label="place", score=0.5),))
        for n, record in enumerate(records)
    ]
    result, suggestions = documents_write(project=project, articles=articles)
    assert (len(result.created), result.skipped, suggestions) == (19, 1, 19)
    for prediction in Prediction.objects.select_related("document"):
        n = int(prediction.document.external_id.removeprefix("x-"))
        assert (prediction.start, prediction.end) == (n, n + 5)
        assert prediction.text == prediction.document.text[n : n + 5]


def test_the_statistics_jobs_of_a_large_import_are_sent_together(
    project, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(documents_service, "STATS_CHUNK", 1)  # a job per article: more than a send batch
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result, _suggestions = documents_write(project=project, articles=[UploadedArticle(r) for r in _records(150)])
    assert len(callbacks) == 1  # one sender (a thread, with a broker) for the 150 jobs, not 150
    messages = OutboxMessage.objects.filter(task="document_stats_task")
    assert messages.count() == 150 and not messages.filter(sent_at__isnull=True).exists()
    assert DocumentStats.objects.filter(document__in=result.created).count() == 150
