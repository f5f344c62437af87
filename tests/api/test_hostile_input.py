"""Bad input never reaches a 500: deep JSON, NUL and lone surrogates in bodies and query strings, and an
unreachable database answered as a clear 503."""

import json

import pytest
from django.db import OperationalError

from annotations.models import Span
from annotations.services.assignments import assignment_open


@pytest.fixture
def assignment(project, reviewer1, document):
    return assignment_open(document=document, reviewer=reviewer1)


def post_raw(client, url, raw: bytes):
    return client.generic("POST", url, raw, content_type="application/json")


@pytest.mark.parametrize("depth", [70, 1_000, 100_000])
def test_deeply_nested_json_is_a_400_even_anonymous(db, api_client_for, depth):
    response = post_raw(api_client_for(), "/api/auth/token/", b"[" * depth + b"]" * depth)
    assert response.status_code == 400
    assert "nested deeper than 64 levels" in response.json()["detail"]


def test_deeply_nested_json_in_a_span_is_a_400_and_nothing_is_saved(assignment, reviewer1, api_client_for):
    body = b'{"start": 0, "end": 2, "label": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    response = post_raw(api_client_for(reviewer1), f"/api/assignments/{assignment.id}/spans/", body)
    assert response.status_code == 400
    assert not Span.objects.exists()


@pytest.mark.parametrize(
    "raw, field, message",
    [
        (r'{"start": 0, "end": 2, "label": "place", "quote": "a\u0000"}', "quote", "null character"),
        (r'{"start": 0, "end": 2, "label": "pl\ud800ace"}', "label", "lone surrogate (U+D800)"),
        (r'{"start": 0, "end": 2, "label": "place", "x": {"\udfff": 1}}', "x.\\udfff", "the name contains a lone"),
    ],
)
def test_nul_and_lone_surrogates_in_a_body_are_a_field_400(assignment, reviewer1, api_client_for, raw, field, message):
    response = post_raw(api_client_for(reviewer1), f"/api/assignments/{assignment.id}/spans/", raw.encode())
    assert response.status_code == 400
    body = json.loads(response.content.decode("utf-8", "surrogatepass"))
    assert list(body) == [field] and message in body[field][0]
    assert not Span.objects.exists()


def test_a_sane_body_still_works(assignment, reviewer1, api_client_for):
    body = json.dumps({"start": 0, "end": 2, "label": "place"}).encode()
    response = post_raw(api_client_for(reviewer1), f"/api/assignments/{assignment.id}/spans/", body)
    assert response.status_code == 201


@pytest.mark.parametrize("url", ["/api/projects/{id}/claims/?q=%00", "/api/projects/{id}/claims/?q=ok&%00=1"])
def test_nul_in_an_api_query_parameter_is_a_field_400(project, reviewer1, api_client_for, url):
    response = api_client_for(reviewer1).get(url.format(id=project.id))
    assert response.status_code == 400
    ((name, messages),) = response.json().items()
    assert "null character" in messages[0]


@pytest.mark.parametrize("path", ["/projects/{slug}/?q=%00", "/projects/{slug}/claims/?q=a%00b"])
def test_nul_in_a_page_query_is_a_400_page(project, reviewer1, client, path):
    client.force_login(reviewer1)
    response = client.get(path.format(slug=project.slug))
    assert response.status_code == 400
    assert "null character" in response.content.decode()


def test_an_unreachable_database_is_a_503_json_answer(project, reviewer1, api_client_for, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("annotations.api.projects.project_list_for_user", down)
    response = api_client_for(reviewer1).get("/api/projects/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "database is not reachable" in response.json()["detail"]


def test_an_unreachable_database_is_a_503_page(project, reviewer1, client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("annotations.pages.projects.project_list_for_user", down)
    client.force_login(reviewer1)
    response = client.get("/")
    assert response.status_code == 503
    assert "nothing was saved" in response.content.decode()


def test_a_deadlock_is_a_409_to_send_again_not_a_503(project, reviewer1, api_client_for, monkeypatch):
    import psycopg

    def deadlock(*args, **kwargs):
        try:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        except psycopg.errors.DeadlockDetected as cause:
            raise OperationalError("deadlock detected") from cause

    monkeypatch.setattr("annotations.api.projects.project_list_for_user", deadlock)
    response = api_client_for(reviewer1).get("/api/projects/")
    assert response.status_code == 409
    assert "Send it again" in response.json()["detail"]


def test_the_string_fields_surrogate_check_names_the_first_one_as_drf_does():
    """Behind the JSON parser's own refusal (above), every string field still refuses a lone surrogate
    (form and multipart bodies): one regular-expression search instead of DRF's loop, same message."""
    from rest_framework.exceptions import ValidationError as DrfValidationError

    from annotations.api.fields import StrictCharField

    field = StrictCharField(trim_whitespace=False)
    assert field.run_validation("قال المرصد السوري " * 100) == "قال المرصد السوري " * 100
    with pytest.raises(DrfValidationError) as refused:
        field.run_validation("قال المرصد " * 100 + "\udc80 نص \ud83d")
    assert refused.value.detail == ["Surrogate characters are not allowed: U+DC80."]
