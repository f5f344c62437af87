"""The SQL statements of adding one article through the API (the request of the peer comparison's first
phase, where doccano answers in one INSERT): counted, so that a regression (a lookup before the INSERT, a
job row, a lazy relation in the answer) fails here."""

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Document, DocumentStats, OutboxMessage

TEXT = "قال المرصد السوري إن عناصر من تنظيم الدولة هاجموا مواقع لقوات النظام في بادية الرصافة رقم {n}"


@pytest.fixture
def client(manager):
    # Over the wire: a real token, as the peer benchmark's client sends it.
    token = Token.objects.create(user=manager)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


def _post(client, project, n, **fields):
    return client.post(f"/api/projects/{project.pk}/documents/", {"text": TEXT.format(n=n), **fields}, format="json")


# Inside the test's transaction BEGIN/COMMIT are a SAVEPOINT/RELEASE pair; outside it the count is the same.
# Before issue 17: 7 (a duplicate lookup before the INSERT and the statistics job's outbox row, then a
# background thread opening its own connection to publish the job and a worker tokenizing the text).
# On PostgreSQL an article without an outlet is one statement (the document and its statistics in a
# data-modifying WITH), with no SAVEPOINT/RELEASE, and outside a transaction no BEGIN/COMMIT either.
@pytest.mark.parametrize(
    ("fields", "most", "most_postgresql"),
    [
        # token and user; membership; SAVEPOINT; INSERT document; INSERT its statistics; RELEASE
        # (PostgreSQL: token and user; membership; INSERT document WITH its statistics)
        ({}, 6, 3),
        # the same with an outlet already known: its row by name (PostgreSQL too: the ORM path)
        ({"source": "المرصد السوري"}, 7, 7),
    ],
    ids=["text", "text-and-known-outlet"],
)
def test_document_post_statements(client, project, fields, most, most_postgresql, django_assert_max_num_queries):
    if connection.vendor == "postgresql":
        most = most_postgresql
    assert _post(client, project, 0, **fields).status_code == 201  # an outlet is created once
    with django_assert_max_num_queries(most):
        response = _post(client, project, 1, **fields)
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.select_related("source").get(pk=body["id"])
    assert (body["text"], body["length"], body["sha256"]) == (document.text, len(document.text), document.sha256)
    assert body["source"] == (document.source.name if document.source else "") == fields.get("source", "")
    assert DocumentStats.objects.get(document=document).char_count == len(document.text)
    assert not OutboxMessage.objects.exists()  # no job to send


def test_a_duplicate_is_refused_with_the_existing_id_and_costs_one_lookup(
    client, project, django_assert_max_num_queries
):
    first = _post(client, project, 0).json()
    # token and user; membership; SAVEPOINT; the refused INSERT; ROLLBACK TO and RELEASE SAVEPOINT (outside
    # the test's transaction: BEGIN, ROLLBACK); the duplicate's id. PostgreSQL: token and user; membership;
    # the INSERT that inserts nothing (ON CONFLICT); the duplicate's id.
    with django_assert_max_num_queries(4 if connection.vendor == "postgresql" else 7):
        response = _post(client, project, 0)
    assert response.status_code == 409 and response.json()["id"] == first["id"]
    assert Document.objects.count() == 1
