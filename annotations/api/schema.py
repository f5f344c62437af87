"""The OpenAPI schema's error answers, declared once for every operation as the exception handler
(annotations.api.errors) really writes them. tests/openapi_responses.py holds every response of the API
tests to this schema, errors included."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

# {"detail": "..."}, plus what a particular refusal adds (a 409 may carry the `id` of the existing
# object, the `similar` claims, the `current` span or the current `version`).
ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "A sentence a person can act on."}},
    "required": ["detail"],
    "additionalProperties": True,
}
# A 400 names the fields at fault ({"field": ["message", ...]}, `non_field_errors` for the whole body)
# or, for a body that is not JSON at all, gives a `detail`.
FIELD_ERRORS = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    # a field's messages; for a list or nested field, its items' errors by position (DRF's shapes)
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}

DESCRIPTIONS = {
    "400": "Bad input: field-level messages (or `detail` for a body that is not JSON).",
    "401": "Not authenticated (send `Authorization: Token <key>` or use a session).",
    "403": "Your role in the project does not allow this (or a session request lacks its CSRF token).",
    "404": "No such object, or not visible to you (the same answer for both), or a page past the end.",
    "409": "Conflicts with the current state (a stale version, submitted or finalized work, a duplicate).",
    "413": "The request body is larger than the server accepts; nothing was saved.",
    "414": "The query string is longer than the server accepts (the HTTP server's request-line limit).",
    "415": "The body is not `application/json`.",
    "422": "The `Idempotency-Key` was already used for a different request; use a new key.",
    "429": "Too many requests (or failed sign-ins); wait the seconds in `Retry-After`.",
    "503": "The database is not reachable right now; nothing was saved. Retry after `Retry-After` seconds.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH"}


class WorkbenchAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses each operation can really give."""

    def error_codes(self) -> list[str]:
        # Any request may be throttled (429), meet an unreachable database (503), or carry a query
        # parameter that cannot be stored (400: a NUL).
        # ... and two changes meeting in the database (a deadlock) is a 409 to send again, for reads too.
        codes = ["400", "401", "403", "404", "409", "429", "503"]
        if self.method == "GET":
            codes += ["414"]  # answered by gunicorn itself, before the application, for a very long query
        if self.method in WRITE_METHODS:
            codes += ["413", "415"]
        if self.method == "POST":
            codes += ["422"]  # an Idempotency-Key reused for another request
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            if code in responses:
                continue  # declared by the view with a more precise body
            if code == "414":  # not ours: the HTTP server's own page, whatever its body
                responses[code] = {"description": DESCRIPTIONS[code]}
                continue
            schema = FIELD_ERRORS if code in ("400", "422") else ERROR
            responses[code] = {
                "content": {"application/json": {"schema": schema}},
                "description": DESCRIPTIONS[code],
            }
        return responses
