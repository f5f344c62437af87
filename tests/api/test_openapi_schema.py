"""The published schema is valid, declares a typed body for every answer, and the response check that
tests/conftest.py runs on every API test response really refuses what the schema does not describe."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from tests.openapi_responses import check_response, published_schema

pytestmark = pytest.mark.django_db


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_published_schema_is_valid_openapi():
    validate(published_schema())


def test_every_answer_has_a_declared_body():
    """No `responses=dict`: each JSON answer names a component (or a list of one), never a free-form object."""
    schema = published_schema()
    loose = []
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            body = response.get("content", {}).get("application/json", {}).get("schema")
            if body is None or code >= "400":
                continue
            if body.get("type") == "object" and "properties" not in body and "$ref" not in body:
                loose.append(f"{method.upper()} {path} {code}")
    assert loose == [], loose


def test_every_operation_declares_its_errors():
    for path, method, operation in operations(published_schema()):
        codes = set(operation["responses"])
        if path == "/api/auth/token/":
            assert "400" in codes
            continue
        assert {"401", "403", "404"} <= codes, f"{method.upper()} {path}: {sorted(codes)}"
        if method in ("post", "put", "patch"):
            assert {"400", "409"} <= codes, f"{method.upper()} {path}: {sorted(codes)}"


def test_submit_and_skip_declare_what_they_answer():
    schema = published_schema()
    submit = schema["paths"]["/api/assignments/{assignment_id}/submit/"]["post"]["responses"]["200"]
    skip = schema["paths"]["/api/assignments/{assignment_id}/skip/"]["post"]["responses"]["200"]
    components = schema["components"]["schemas"]

    def fields(response):
        name = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        return set(components[name]["properties"])

    assert fields(submit) == {"id", "status", "submitted_at"}
    assert fields(skip) == {"id", "status"}


def test_the_check_refuses_a_body_or_a_status_the_schema_does_not_describe(project, manager, api_client_for):
    client = api_client_for(manager)
    response = client.get(f"/api/projects/{project.pk}/")
    assert response.status_code == 200 and check_response(response) is None

    body = response.json()
    del body["labels"]  # a required property
    response.content = json.dumps(body).encode()
    assert "labels" in check_response(response)

    response.content = json.dumps({**body, "labels": [], "overlap_k": "two"}).encode()
    assert "overlap_k" in check_response(response)

    response.status_code = 418
    assert "418" in check_response(response)


def test_error_bodies_are_checked_too(project, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    response = client.post(f"/api/projects/{project.pk}/documents/", {"text": "خبر"}, format="json")
    assert response.status_code == 403 and check_response(response) is None
    response.content = json.dumps({"error": "no detail"}).encode()
    assert "detail" in check_response(response)


def test_the_schema_generates_without_warnings(tmp_path):
    """drf-spectacular warns when it has to guess a type (and then guesses a free-form object)."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))


@pytest.mark.django_db
def test_the_first_schemas_generated_at_once_by_several_threads_all_answer():
    """gunicorn's gthread workers serve /api/schema/ from several threads. drf-spectacular loads each
    extension's target class on first use, without a lock: two threads loading an extension whose app is
    not installed raced into a 500 (the second read the target the first had just set to None). The view
    generates one schema at a time. Extensions made unloaded again here, as in a fresh worker."""
    import threading

    from django.test import Client
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class Unloaded(OpenApiAuthenticationExtension):
        target_class = "not_installed_app.authentication.Missing"  # an optional integration, absent here

    statuses, start = [], threading.Barrier(8)

    def fetch():
        start.wait()
        statuses.append(Client().get("/api/schema/", {"format": "json"}).status_code)

    try:
        for _ in range(2):
            Unloaded.target_class = "not_installed_app.authentication.Missing"
            threads = [threading.Thread(target=fetch) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        OpenApiAuthenticationExtension._registry.remove(Unloaded)
    assert statuses == [200] * 16, statuses
