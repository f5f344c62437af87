"""A span save on PostgreSQL, once the reviewer has saved on the assignment, is one statement in autocommit
(services.spans `_span_save_in_one_statement`): the access rule's locked read and, only when its row allows
it, the INSERT, the audit entry and the lease extension. Each refusal the full path gives must come out of
that statement the same, with nothing written."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Assignment, AssignmentStatus, AuditEntry, LabelType, Membership, Span
from annotations.services.queue import assignment_lease_next
from tests.conftest import require_service
from tests.factories import DocumentFactory

TEXT = "قال 👍 الجيش إن 30 جندياً قتلوا في الهجوم على القرية"

pytestmark = pytest.mark.postgres


@pytest.fixture
def leased(project, reviewer1):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the one-statement save is PostgreSQL's")
    DocumentFactory(project=project, text=TEXT)
    return assignment_lease_next(project=project, reviewer=reviewer1)


@pytest.fixture
def client(reviewer1):
    return APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer1).key}")


def _post(client, assignment, start, end, label="actor", quote=None, key=False):
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if key else {}
    payload = {"start": start, "end": end, "label": label, "quote": TEXT[start:end] if quote is None else quote}
    return client.post(f"/api/assignments/{assignment.pk}/spans/", payload, format="json", **headers)


@pytest.fixture
def warm(client, leased):
    """The first save (the full path) makes the assignment's text known: later saves take one statement."""
    assert _post(client, leased, 0, 3).status_code == 201
    return leased


def _saved(assignment):
    return sorted(Span.objects.filter(assignment=assignment).values_list("start", "end"))


def test_a_save_is_one_statement_and_writes_span_audit_and_answer(client, warm, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token and its user; the one statement
        response = _post(client, warm, 6, 11)
    assert response.status_code == 201, response.content
    body = response.json()
    span = Span.objects.select_related("label").get(pk=body["id"])
    assert (span.start, span.end, span.text, span.label.name, span.version) == (6, 11, "الجيش", "actor", 1)
    assert body == {"id": span.pk, "start": 6, "end": 11, "label": "actor", "text": "الجيش", "version": 1,
                    "claim_links": []}  # fmt: skip
    entry = AuditEntry.objects.get(kind="span.created", object_id=span.pk)
    assert (entry.document_id, entry.actor_id, entry.project_id) == (warm.document_id, warm.reviewer_id,
                                                                     warm.document.project_id)  # fmt: skip
    assert entry.after == {"start": 6, "end": 11, "label": "actor", "text": "الجيش"}


def test_with_an_idempotency_key_a_repeat_answers_the_first(client, warm):
    key = str(uuid.uuid4())
    payload = {"start": 6, "end": 11, "label": "actor"}
    url = f"/api/assignments/{warm.pk}/spans/"
    first = client.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert _saved(warm) == [(0, 3), (6, 11)]


def test_refusals_come_out_of_the_statement_with_nothing_written(client, warm, reviewer1):
    before = AuditEntry.objects.count()
    unknown = _post(client, warm, 6, 11, label="nope")
    assert (unknown.status_code, list(unknown.json())) == (400, ["label"])
    twin = _post(client, warm, 0, 3)
    assert twin.status_code == 200 and Span.objects.filter(assignment=warm).count() == 1
    Assignment.objects.filter(pk=warm.pk).update(status=AssignmentStatus.EXPIRED)
    expired = _post(client, warm, 6, 11)
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    Assignment.objects.filter(pk=warm.pk).update(status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now())
    assert _post(client, warm, 6, 11).status_code == 409
    Assignment.objects.filter(pk=warm.pk).update(status=AssignmentStatus.LEASED, submitted_at=None)
    Membership.objects.filter(user=reviewer1).delete()  # a former member: the same 404 as a stranger
    assert _post(client, warm, 6, 11).status_code == 404
    assert _saved(warm) == [(0, 3)]
    assert AuditEntry.objects.count() == before
    assert not Span.objects.filter(start=6).exists()


def test_refused_offsets_and_quote_get_the_full_paths_field_errors(client, warm):
    assert list(_post(client, warm, 6, 200).json()) == ["end"]
    assert "quote" in _post(client, warm, 6, 11, quote="غير").json()
    assert _saved(warm) == [(0, 3)]


def test_a_renamed_label_is_found_by_its_new_name_only(client, warm, project):
    LabelType.objects.filter(project=project, name="actor").update(name="actor2")
    assert _post(client, warm, 6, 11, label="actor").status_code == 400
    assert _post(client, warm, 6, 11, label="actor2").status_code == 201


def test_the_lease_is_extended_by_the_statement_once_a_minute(client, warm):
    soon = timezone.now() + timedelta(minutes=2)
    Assignment.objects.filter(pk=warm.pk).update(lease_expires_at=soon)
    assert _post(client, warm, 6, 11).status_code == 201
    extended = Assignment.objects.get(pk=warm.pk)
    assert extended.lease_expires_at > soon + timedelta(minutes=20)  # the project's 30 minutes from now
    assert _post(client, warm, 12, 15).status_code == 201
    assert Assignment.objects.get(pk=warm.pk).lease_expires_at == extended.lease_expires_at  # within the minute
    long_ago = timezone.now() - timedelta(minutes=5)
    Assignment.objects.filter(pk=warm.pk).update(updated_at=long_ago)
    assert _post(client, warm, 16, 22).status_code == 201
    touched = Assignment.objects.get(pk=warm.pk)
    assert touched.updated_at > long_ago + timedelta(minutes=4)  # work marks the assignment as touched
    assert touched.lease_expires_at == extended.lease_expires_at  # a fresh lease is kept as it is


def test_another_reviewer_gets_404_even_with_the_text_known_here(client, warm, reviewer2):
    other = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer2).key}")
    assert _post(other, warm, 6, 11).status_code == 404
    assert _post(other, warm, 6, 200).status_code == 404  # bad offsets reveal nothing either
    assert _saved(warm) == [(0, 3)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_an_identical_save_that_commits_while_this_one_waits_is_answered_not_stored(client, warm):
    """The statement waits for the assignment's row lock; an identical span committed meanwhile is not in its
    snapshot, so the unique constraint (ON CONFLICT DO NOTHING) stops the INSERT and the save answers it."""
    locked, done = threading.Event(), threading.Event()
    twin_id = []

    def hold_lock_then_save_twin():
        try:
            with transaction.atomic():
                assignment = Assignment.objects.select_for_update().get(pk=warm.pk)
                locked.set()
                done.wait(timeout=2)  # the request below is now waiting for this lock
                label = LabelType.objects.get(project_id=assignment.document.project_id, name="actor")
                twin = Span.objects.create(assignment=assignment, label=label, start=6, end=11, text="الجيش")
                twin_id.append(twin.pk)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock_then_save_twin)
    holder.start()
    assert locked.wait(timeout=10)
    timer = threading.Timer(0.5, done.set)
    timer.start()
    response = _post(client, warm, 6, 11)
    holder.join(timeout=10)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == twin_id[0]
    assert Span.objects.filter(assignment=warm, start=6, end=11).count() == 1


def _prepared_span_saves():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%WITH target AS%INSERT INTO annotations_span%"],
        )
        return sum(row[0] for row in cursor.fetchall())


def test_the_statement_is_prepared_once_and_run_again_without_planning(client, warm):
    """workbench.db.prepared_cursor: PostgreSQL planned the statement longer than it ran it."""
    before = _prepared_span_saves()
    for start, end in [(6, 11), (12, 15), (16, 22)]:
        assert _post(client, warm, start, end).status_code == 201
    assert _prepared_span_saves() == before + 3  # one prepared statement, run three more times


def test_with_preparing_turned_off_the_save_is_the_same(client, warm):
    """DB_PREPARED_STATEMENTS=0 sets psycopg's prepare_threshold to None: bound on the server, not prepared."""
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None
    try:
        before = _prepared_span_saves()
        assert _post(client, warm, 6, 11).status_code == 201
        assert _prepared_span_saves() == before
    finally:
        connection.connection.prepare_threshold = threshold
    assert _saved(warm) == [(0, 3), (6, 11)]


def test_the_prepared_statement_is_logged_with_its_values(client, warm):
    """Query logs (DEBUG, the tests' capture) show a prepared statement as Django shows its own: the SQL
    with its values in place (psycopg keeps no text for a prepared statement)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert _post(client, warm, 6, 11).status_code == 201
    statement = queries.captured_queries[-1]["sql"]
    assert statement.lstrip().startswith("WITH target AS") and "'actor'" in statement and "%s" not in statement
    token = queries.captured_queries[0]["sql"]
    assert 'FROM "auth_user" u' in token and "%s" not in token
