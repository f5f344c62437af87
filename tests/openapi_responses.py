"""Every API response a test receives must be what /api/schema/ says it is.

`tests/conftest.py` wraps Django's test client (DRF's APIClient is one) for every test: a response to a
request that resolved to an API route is validated, status code and body, against the schema the
server publishes at /api/schema/, with openapi-core. A mismatch fails the test that made the request.
"""

from __future__ import annotations

import json
import threading
from functools import cache

from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound
from openapi_core.validation.response.exceptions import MissingData

# The API root is left out of the schema on purpose: it is a list of links for people exploring the API.
NOT_OPERATIONS = {"api:root"}


class SchemaMismatch(AssertionError):
    pass


@cache
def published_schema() -> dict:
    """The schema exactly as /api/schema/ serves it (fetched once per test session)."""
    from django.test import Client

    response = Client().get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.status_code
    return json.loads(response.content)


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(published_schema())


class _Request(DjangoOpenAPIRequest):
    """Only the response is checked; reading the request body again could raise (a 413's is too big)."""

    @property
    def body(self) -> bytes:
        return b""


def _route_name(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return match.view_name


def check_response(response) -> str | None:
    """None when the response matches the schema (or is not an API operation), else why not."""
    request = getattr(response, "wsgi_request", None)
    name = _route_name(request) if request is not None else None
    if name is None or not name.startswith("api:") or name in NOT_OPERATIONS:
        return None  # pages, the schema and its docs, and unresolved URLs (404 before any view)
    try:
        _openapi().validate_response(_Request(request), DjangoOpenAPIResponse(response))
    except MissingData:
        if response.streaming:
            return None  # an empty file (an export of no gold) is a real download; openapi-core wants bytes
        return f"{request.method} {request.path} answered {response.status_code} with no body, which needs one"
    except OperationNotFound:
        if response.status_code == 405:
            return None  # a method the route does not have: there is no operation to describe it
        return f"{request.method} {request.path}: no such operation in the schema"
    except Exception as exc:  # openapi-core raises a family of errors; all mean "not as published"
        cause = exc.__cause__ or exc
        errors = getattr(cause, "schema_errors", None) or []
        detail = "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors)
        return (
            f"{request.method} {request.path} answered {response.status_code}, which /api/schema/ does not "
            f"describe: {type(exc).__name__}: {detail or str(exc)[:300]}"
        )
    return None


class Recorder:
    """Wraps django.test.Client.request for one test. Mismatches raise at once in the test's own thread;
    those made from other threads (concurrency tests) are kept and reported when the test ends."""

    def __init__(self):
        self.from_threads: list[str] = []

    def install(self, monkeypatch):
        from django.test.client import Client

        original = Client.request
        recorder = self

        def request(client, **kwargs):
            response = original(client, **kwargs)
            problem = check_response(response)
            if problem is not None:
                if threading.current_thread() is threading.main_thread():
                    raise SchemaMismatch(problem)
                recorder.from_threads.append(problem)
            return response

        monkeypatch.setattr(Client, "request", request)
