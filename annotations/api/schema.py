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
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

DESCRIPTIONS = {
    "400": "Bad input: field-level messages (or `detail` for a body that is not JSON).",
    "401": "Not authenticated (send `Authorization: Token <key>` or use a session).",
    "403": "Your role in the project does not allow this (or a session request lacks its CSRF token).",
    "404": "No such object, or not visible to you (the same answer for both), or a page past the end.",
    "409": "Conflicts with the current state (a stale version, submitted or finalized work, a duplicate).",
    "413": "The request body is larger than the server accepts; nothing was saved.",
    "415": "The body is not `application/json`.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH"}


class WorkbenchAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses each operation can really give."""

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "404"]
        if self.method in WRITE_METHODS:
            codes += ["400", "409", "413", "415"]
        elif self.method == "DELETE":
            codes += ["409"]
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            if code in responses:
                continue  # declared by the view with a more precise body
            schema = FIELD_ERRORS if code == "400" else ERROR
            responses[code] = {
                "content": {"application/json": {"schema": schema}},
                "description": DESCRIPTIONS[code],
            }
        return responses
