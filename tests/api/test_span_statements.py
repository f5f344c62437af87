"""The SQL statements of a span POST, the action a reviewer repeats thousands of times a day: counted,
so that a regression (an extra lookup, a lazy relation in the response) fails here."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Assignment, AuditEntry, Membership, Span
from annotations.selectors.documents import document_text
from annotations.services.queue import assignment_lease_next
from tests.factories import DocumentFactory, LabelTypeFactory

TEXT = "قال 👍 الجيش إن 30 جندياً قتلوا في الهجوم على القرية"


@pytest.fixture
def leased(project, reviewer1):
    DocumentFactory(project=project, text=TEXT)
    return assignment_lease_next(project=project, reviewer=reviewer1)


@pytest.fixture
def client(reviewer1):
    # Over the wire: a real token, as the workspace and scripts send it.
    token = Token.objects.create(user=reviewer1)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


def _post(client, assignment, start, end, label, key=True):
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if key else {}
    payload = {"start": start, "end": end, "label": label, "quote": TEXT[start:end]}
    return client.post(f"/api/assignments/{assignment.pk}/spans/", payload, format="json", **headers)


# Inside the test's transaction BEGIN/COMMIT are a SAVEPOINT/RELEASE pair, or nothing without a key
# (no savepoint is needed then); outside it the counts are the same with a key, and two more without one
# on SQLite. Before issue 17 a POST with a key ran 20 statements, 12 without one. On PostgreSQL, once the
# reviewer has saved on the assignment, the locked read, both INSERTs and the lease extension are one
# statement (services.spans `_span_save_in_one_statement`), in autocommit without a key: no BEGIN, COMMIT.
@pytest.mark.parametrize(
    ("key", "most"),
    [
        # token and user; the key's earlier answer; SAVEPOINT; the locked assignment read (membership, state,
        # label id by name, an identical span); INSERT span; INSERT audit; INSERT the key's answer; RELEASE
        (True, 8),
        # token and user; the locked read; INSERT span; INSERT audit
        (False, 4),
    ],
    ids=["idempotency-key", "no-key"],
)
def test_span_post_statements(client, leased, key, most, django_assert_max_num_queries):
    if connection.vendor == "postgresql":
        most -= 2  # the locked read, INSERT span and INSERT audit in one statement
    _post(client, leased, 0, 3, "actor", key)  # the first save of a document reads its text (then cached)
    with django_assert_max_num_queries(most):
        response = _post(client, leased, 6, 11, "actor", key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["label"], body["text"], body["claim_links"]) == ("actor", "الجيش", [])
    span = Span.objects.select_related("label").get(pk=body["id"])
    assert (span.label.name, span.text, span.assignment_id) == ("actor", "الجيش", leased.pk)
    entry = AuditEntry.objects.get(kind="span.created", object_id=span.pk)
    assert entry.after == {"start": 6, "end": 11, "label": "actor", "text": "الجيش"}


def test_first_save_of_a_document_reads_its_text_once(client, leased, django_assert_max_num_queries):
    document_text.cache_clear()
    with django_assert_max_num_queries(9):
        assert _post(client, leased, 0, 3, "actor").status_code == 201


def test_an_identical_span_is_answered_not_stored_twice(client, leased):
    first = _post(client, leased, 6, 11, "actor")
    again = _post(client, leased, 6, 11, "actor")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Span.objects.filter(assignment=leased).count() == 1


def test_an_unknown_label_and_another_projects_label_are_refused(client, leased, other_project):
    LabelTypeFactory(project=other_project, name="elsewhere")
    for name in ("nope", "elsewhere"):
        response = _post(client, leased, 6, 11, name)
        assert response.status_code == 400
        assert list(response.json()) == ["label"]
    assert not Span.objects.exists()


def test_someone_elses_assignment_is_not_found_whatever_the_body(project, leased, reviewer2):
    other = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer2).key}")
    assert _post(other, leased, 6, 11, "actor").status_code == 404
    response = other.post(f"/api/assignments/{leased.pk}/spans/", {"start": "x"}, format="json")
    assert response.status_code == 404


def test_a_former_member_cannot_write(client, leased, reviewer1):
    Membership.objects.filter(user=reviewer1).delete()
    assert _post(client, leased, 6, 11, "actor").status_code == 404


def test_the_lease_is_extended_once_a_minute_not_at_every_save(client, leased):
    soon = timezone.now() + timedelta(minutes=2)
    Assignment.objects.filter(pk=leased.pk).update(lease_expires_at=soon)
    _post(client, leased, 0, 3, "actor")
    extended = Assignment.objects.get(pk=leased.pk).lease_expires_at
    assert extended > soon + timedelta(minutes=20)  # the project's 30 minutes from now
    _post(client, leased, 6, 11, "actor")
    assert Assignment.objects.get(pk=leased.pk).lease_expires_at == extended  # within the minute: kept


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure end ≤ 51 (the document length)."),
        ("ar", "يجب أن تكون النهاية end ≤ 51 (طول الوثيقة)."),
    ],
)
def test_offset_refusals_are_in_the_requests_language(client, leased, language, message):
    """annotations.text.offsets has no Django in it: its refusals carry their template, translated here."""
    payload = {"start": 6, "end": 999, "label": "actor"}
    url = f"/api/assignments/{leased.pk}/spans/"
    response = client.post(url, payload, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"end": [message]}
