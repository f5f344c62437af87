"""Idempotent writes: an identical span is stored once, and an Idempotency-Key replays the first answer."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotations.models import Claim, IdempotencyRecord, Span
from annotations.services.assignments import assignment_open
from annotations.services.idempotency import idempotency_records_prune
from tests.conftest import require_service
from tests.factories import DocumentFactory
from tests.services.test_queue_concurrency import in_threads

TEXT = "قتل 30 عسكرياً في بادية الرصافة على يد تنظيم داعش."


@pytest.fixture
def api_client_for():
    """Clients that authenticate as real ones do (a token): the key is read before any view runs."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return make


@pytest.fixture
def assignment(project, reviewer1):
    return assignment_open(document=DocumentFactory(project=project, text=TEXT), reviewer=reviewer1)


def post_span(client, assignment, word="بادية", label="place", **headers):
    start = TEXT.index(word)
    return client.post(
        f"/api/assignments/{assignment.id}/spans/",
        {"start": start, "end": start + len(word), "label": label},
        format="json",
        **headers,
    )


def test_an_identical_span_answers_200_with_the_first(assignment, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    first = post_span(client, assignment)
    again = post_span(client, assignment)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Span.objects.count() == 1
    # another label on the same words is another span
    assert post_span(client, assignment, label="actor").status_code == 201
    assert Span.objects.count() == 2


def test_moving_a_span_onto_its_twin_is_a_409(assignment, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    post_span(client, assignment)
    other = post_span(client, assignment, word="الرصافة").json()
    start = TEXT.index("بادية")
    response = client.patch(
        f"/api/spans/{other['id']}/", {"version": 1, "start": start, "end": start + len("بادية")}, format="json"
    )
    assert response.status_code == 409
    assert "identical span" in response.json()["detail"]


def test_a_replayed_key_answers_the_first_response_and_creates_nothing(project, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    body = {"text": "قتل 30 عسكرياً في بادية الرصافة", "force": True}
    url = f"/api/projects/{project.id}/claims/"
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Claim.objects.count() == 1
    # a new key is new work
    assert client.post(url, body | {"text": "خبر آخر تماماً عن الرقة"}, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert Claim.objects.count() == 2


def test_a_key_reused_for_another_request_is_a_422(project, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    url = f"/api/projects/{project.id}/claims/"
    client.post(url, {"text": "قتل 30 عسكرياً", "force": True}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = client.post(url, {"text": "شيء مختلف", "force": True}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert "different request" in response.json()["Idempotency-Key"][0]
    assert Claim.objects.count() == 1


def test_keys_are_per_user(project, reviewer1, reviewer2, api_client_for):
    url = f"/api/projects/{project.id}/claims/"
    body = {"text": "قتل 30 عسكرياً", "force": True}
    mine = api_client_for(reviewer1).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    theirs = api_client_for(reviewer2).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert mine.status_code == 201 and theirs.status_code in (201, 409)
    assert "Idempotent-Replayed" not in theirs


def test_an_error_is_not_kept_so_a_fixed_retry_works(assignment, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    bad = client.post(
        f"/api/assignments/{assignment.id}/spans/",
        {"start": 0, "end": 3, "label": "nope"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="retry",
    )
    assert bad.status_code == 400
    assert post_span(client, assignment, HTTP_IDEMPOTENCY_KEY="retry").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "مفتاح"])
def test_a_malformed_key_is_a_400(assignment, reviewer1, api_client_for, key):
    response = post_span(api_client_for(reviewer1), assignment, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Span.objects.exists()


def test_a_session_request_without_csrf_is_not_replayed(assignment, reviewer1, api_client_for):
    from rest_framework.test import APIClient

    post_span(api_client_for(reviewer1), assignment, HTTP_IDEMPOTENCY_KEY="csrf")
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(reviewer1)
    response = post_span(browser, assignment, HTTP_IDEMPOTENCY_KEY="csrf")
    assert response.status_code == 403 and "Idempotent-Replayed" not in response


def test_old_keys_expire(assignment, reviewer1, api_client_for, settings):
    client = api_client_for(reviewer1)
    post_span(client, assignment, HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL + 1))
    post_span(client, assignment, word="داعش", HTTP_IDEMPOTENCY_KEY="fresh")
    assert idempotency_records_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_do_the_work_once(project, reviewer1, api_client_for):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    url = f"/api/projects/{project.id}/claims/"
    body = {"text": "اشتعلت مواجهات بين داعش وقوات النظام", "force": True}
    calls = [lambda: api_client_for(reviewer1).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="burst")] * 6
    responses = in_threads(calls)
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert Claim.objects.count() == 1


def test_a_browser_session_with_its_csrf_token_is_replayed(assignment, reviewer1):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(reviewer1)
    browser.get(f"/assignments/{assignment.id}/")  # the workspace page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    first = post_span(browser, assignment, HTTP_IDEMPOTENCY_KEY="tab-1", HTTP_X_CSRFTOKEN=token)
    again = post_span(browser, assignment, HTTP_IDEMPOTENCY_KEY="tab-1", HTTP_X_CSRFTOKEN=token)
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Span.objects.count() == 1


@pytest.mark.postgres
def test_a_key_is_looked_up_through_the_unique_user_key_index(assignment, reviewer1, api_client_for):
    """A reviewer stores an answer per save all day: the lookup must go straight to the (user, key) entry,
    not read the user's other answers. It did, through a user_id index of its own and an ORDER BY id."""
    require_service("PostgreSQL", connection.vendor == "postgresql", "the plan is PostgreSQL's")
    client = api_client_for(reviewer1)
    IdempotencyRecord.objects.bulk_create(
        IdempotencyRecord(
            user=reviewer1,
            key=f"k{n}",
            fingerprint="0" * 64,
            status_code=201,
            body=b"{}",
            content_type="application/json",
        )  # fmt: skip
        for n in range(500)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_idempotencyrecord")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert post_span(client, assignment, HTTP_IDEMPOTENCY_KEY="k-new").status_code == 201
    lookup = next(q["sql"] for q in queries.captured_queries if 'FROM "annotations_idempotencyrecord"' in q["sql"])
    assert "ORDER BY" not in lookup
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + lookup)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "idempotency_unique_user_key" in plan, plan
    assert "Rows Removed" not in plan
