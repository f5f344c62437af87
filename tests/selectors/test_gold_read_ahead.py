"""gold_records reads ahead (issue 17, export speed): inside gold_snapshot's own PostgreSQL transaction a
thread reads the next chunk's rows in the SAME snapshot while the current chunk is written. The records
are those of the plain sequential read; rows committed meanwhile stay invisible even in chunks the thread
reads after the commit; an error in the thread reaches the reader; closing the stream stops the thread.
Also: the spans of a document come out in export order whatever order the rows were inserted in."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.db import connection, connections

from annotations.models import Document, LabelType
from annotations.selectors import gold as gold_selector
from annotations.selectors.gold import gold_records, gold_snapshot
from tests.conftest import require_service
from tests.factories import DocumentFactory
from tests.selectors.test_gold import at, finalize, gold, reviewed  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "gold-read-ahead"]


@pytest.fixture
def many(project, gold, reviewer1, reviewer2, adjudicator):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    documents = []
    for n in range(6):
        text = f"خبر رقم {n} عن هجوم في البادية"
        document = reviewed(DocumentFactory(project=project, text=text, title=f"عنوان {n}"), [reviewer1, reviewer2])
        finalize(document, adjudicator, [(*at(text, "هجوم"), "actor"), (*at(text, "البادية"), "place")])
        documents.append(document)
    return documents


def elsewhere(work) -> None:
    """`work` on another connection, committed at once (the export's transaction cannot write)."""
    failures = []

    def run():
        try:
            work()
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not failures, failures


def test_read_ahead_gives_the_sequential_records_from_the_snapshot(project, gold, many, adjudicator):
    sequential = list(gold_records(project, chunk_size=1))  # no snapshot transaction: no thread
    assert len(sequential) == 8
    with gold_snapshot() as in_transaction:
        assert in_transaction
        assert Document.objects.filter(project=project).count() == 10  # the snapshot is taken here
        # committed after the snapshot, before the thread starts: it must import the snapshot, not take its own
        elsewhere(lambda: Document.objects.filter(pk=many[0].pk).update(title="عنوان أول جديد"))
        records = gold_records(project, chunk_size=1)
        first = next(records)
        assert len(read_ahead_threads()) == 1

        def change():  # a chunk the thread has not read yet (it is at most two ahead) and a new gold document
            Document.objects.filter(pk=many[-1].pk).update(title="عنوان جديد")
            finalize(gold["c"], adjudicator, [])

        elsewhere(change)
        rest = list(records)
    assert [first, *rest] == sequential
    assert rest[-1].title == "عنوان 5" and rest[-6].title == "عنوان 0"
    assert not read_ahead_threads()
    assert len(list(gold_records(project))) == 9  # the next read sees the changes
    assert Document.objects.get(pk=many[-1].pk).title == "عنوان جديد"


def test_an_error_in_the_thread_reaches_the_reader(project, many):
    real = gold_selector._gold_rows
    calls = []

    def failing(ids):
        calls.append(ids)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(ids)

    with mock.patch.object(gold_selector, "_gold_rows", failing), gold_snapshot():
        records = gold_records(project, chunk_size=2)
        assert len([next(records), next(records)]) == 2
        with pytest.raises(RuntimeError, match="went away"):
            list(records)
    assert not read_ahead_threads()


def test_closing_the_stream_stops_the_thread(project, many):
    with gold_snapshot():
        records = gold_records(project, chunk_size=1)
        next(records)
        assert len(read_ahead_threads()) == 1
        records.close()
        assert not read_ahead_threads()


def test_spans_come_in_export_order_whatever_the_insertion_order(project, reviewer1, reviewer2, adjudicator):
    """Rows come grouped by adjudication only; each document's spans are sorted by start, end, then the
    label's order (not its id), whatever order the adjudicator made them in."""
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    LabelType.objects.filter(project=project, name="actor").update(order=9)  # last, though its id is first
    text = "قال الجيش إن الهجوم وقع في البادية"
    document = reviewed(DocumentFactory(project=project, text=text), [reviewer1, reviewer2])
    made = [
        (*at(text, "البادية"), "place"),
        (*at(text, "الهجوم"), "actor"),
        (*at(text, "الهجوم"), "place"),
        (*at(text, "الجيش"), "place"),
        (*at(text, "الجيش"), "actor"),
        (*at(text, "قال الجيش"), "actor"),
    ]
    finalize(document, adjudicator, made)
    expected = sorted(made, key=lambda s: (s[0], s[1], s[2] == "actor"))
    for in_snapshot in (False, True):
        with gold_snapshot() if in_snapshot else connection.cursor():
            (record,) = gold_records(project)
        assert [(s.start, s.end, s.label) for s in record.spans] == expected


def test_without_an_exported_snapshot_the_chunks_are_read_in_place(project, many):
    """Where no snapshot can be exported (a hot standby says so), the export reads without the thread."""
    sequential = list(gold_records(project, chunk_size=2))
    real_cursor = connection.cursor

    def standby_cursor(*args, **kwargs):
        cursor = real_cursor(*args, **kwargs)
        execute = cursor.execute

        def checked(sql, params=None):
            if "pg_export_snapshot" in sql:
                sql = sql.replace("pg_is_in_recovery()", "true")
            return execute(sql, params)

        cursor.execute = checked
        return cursor

    with gold_snapshot(), mock.patch.object(connection, "cursor", standby_cursor):
        records = gold_records(project, chunk_size=2)
        assert next(records) == sequential[0]
        assert not read_ahead_threads()
        assert [sequential[0], *records] == sequential
