"""The statistics job of imported articles: sent only after commit, never lost to a broker outage, consumed by
a real worker. (An article added alone through the API gets its statistics at once, in its transaction.)"""

import os
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, transaction

from annotations.importers import ArticleRecord
from annotations.importers.uploads import UploadedArticle
from annotations.models import Document, DocumentStats
from annotations.services.documents import document_create
from annotations.services.imports import documents_write
from annotations.services.stats import text_stats
from annotations.tasks import document_stats_task
from annotations.text.tokens import stored_sentences, tokenize_sentences
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent.parent


def imported(project, text: str) -> Document:
    """One article written as an import writes it (its statistics left to the job)."""
    result, _suggestions = documents_write(project=project, articles=[UploadedArticle(ArticleRecord(text=text))])
    return result.created[0]


@pytest.mark.django_db(transaction=True)
def test_rollback_publishes_nothing(project):
    # Enqueue only after commit: work created inside a transaction that fails is never sent.
    with mock.patch.object(document_stats_task, "apply_async") as apply_async:
        with pytest.raises(RuntimeError), transaction.atomic():
            imported(project, "خبر لن يُحفظ")
            raise RuntimeError("boom")
        assert apply_async.call_count == 0
        assert Document.objects.count() == 0
        # (b) committed work is sent exactly once, after the commit
        document = imported(project, "خبر يُحفظ")
        apply_async.assert_called_once_with(args=([document.pk],))


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_broker_down_the_save_still_succeeds(project, broker):
    # Redis down loses nothing: with Redis unreachable the article is saved, quickly, and only the stats wait.
    broker("redis://127.0.0.1:1/0")
    started = time.monotonic()
    document = imported(project, "خبر أثناء انقطاع الوسيط")
    assert time.monotonic() - started < 30  # bounded retries, not Celery's default of retrying for ever
    assert Document.objects.filter(pk=document.pk).exists()
    assert not DocumentStats.objects.filter(document=document).exists()


def test_stats_of_a_known_text():
    text = "قال 👍 الجيشُ إن 30 جندياً قتلوا. وأكد المرصد ذلك."
    stats = text_stats(text)
    assert stats["char_count"] == len(text) == 49
    assert stats["sentence_count"] == 2
    assert stats["diacritic_count"] == 2  # damma and tanwin fath
    assert stats["word_count"] == 9
    assert stats["token_count"] == 12  # nine words, the emoji and two full stops
    # the tokenizer's output, stored for exports and agreement runs
    assert stored_sentences(text, stats["tokens"]) == tokenize_sentences(text)


@pytest.mark.django_db
def test_the_job_stores_the_tokens_that_exports_and_agreement_read(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the job runs eagerly, after commit
        document = imported(project, "قال الجيش إن 30 جندياً قتلوا. وأكد المرصد ذلك.")
    stored = DocumentStats.objects.get(document=document).tokens
    assert stored_sentences(document.text, stored) == tokenize_sentences(document.text)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_real_worker_process_consumes_the_task_through_redis(project, broker, redis_url, celery_worker_process):
    broker(redis_url)
    document = imported(project, "قال 👍 الجيشُ إن 30 جندياً قتلوا. وأكد المرصد ذلك.")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not DocumentStats.objects.filter(document=document).exists():
        assert celery_worker_process.poll() is None, celery_worker_process.stop()
        time.sleep(0.2)
    stats = DocumentStats.objects.get(document=document)
    assert stats.char_count == len(document.text)
    assert {k: getattr(stats, k) for k in text_stats(document.text)} == text_stats(document.text)
    output = celery_worker_process.stop()
    assert "annotations.tasks.document_stats_task" in output and "succeeded" in output


@pytest.mark.postgres  # the SQLite pass of scripts/test.sh (the embedded default) leaves it out
def test_ci_runs_on_postgresql(db):
    """In CI the suite runs against PostgreSQL for real (the foundation acceptance)."""
    if IN_CI:
        assert connection.vendor == "postgresql"
        assert os.environ.get("TEST_REDIS_URL", "").startswith("redis://")
    else:
        assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db
def test_an_article_added_alone_has_its_statistics_at_once_and_sends_no_job(project):
    with mock.patch.object(document_stats_task, "apply_async") as apply_async:
        document = document_create(project=project, text="قال الجيش إن 30 جندياً قتلوا. وأكد المرصد ذلك.")
    stats = DocumentStats.objects.get(document=document)  # committed with the document, before any job
    assert {k: getattr(stats, k) for k in text_stats(document.text)} == text_stats(document.text)
    assert apply_async.call_count == 0


@pytest.mark.django_db
def test_a_long_article_added_alone_leaves_its_statistics_to_the_job(
    project, monkeypatch, django_capture_on_commit_callbacks
):
    from annotations.services import documents

    monkeypatch.setattr(documents, "STATS_INLINE_CHARS", 30)
    text = "قال الجيش إن 30 جندياً قتلوا. وأكد المرصد ذلك."  # 47 characters
    with django_capture_on_commit_callbacks() as callbacks:
        document = document_create(project=project, text=text)
    assert not DocumentStats.objects.filter(document=document).exists() and len(callbacks) == 1
    with mock.patch.object(document_stats_task, "apply_async") as apply_async:
        callbacks[0]()  # the commit's send
    apply_async.assert_called_once_with(args=([document.pk],))
