"""`Idempotency-Key` for every API POST: a repeat by the same user with the same key, within
IDEMPOTENCY_TTL, answers the first response and does nothing again.

The workspace sends a key with every create and keeps it across retries, so a retry after a lost
response cannot store the work twice. The request's work and the stored answer commit in one
transaction; when two requests with one key run at once, the unique (user, key) constraint lets one
commit and rolls the other back entirely, which then answers the winner's response.
Only 2xx answers are kept: an error may be fixed and retried with the same key.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import AuthenticationFailed

from annotations.api.authentication import TokenAuthentication, remember
from annotations.models import IdempotencyRecord
from workbench.db import field_converters, prepared_cursor, prepared_instance

HEADER = "HTTP_IDEMPOTENCY_KEY"


def _field_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"Idempotency-Key": [message]}, status=status)


def _user(request):
    """The caller as the API would authenticate them, or None (then the view decides, as usual)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Token "):
        try:
            result = TokenAuthentication().authenticate_credentials(header[len("Token ") :].strip())
        except AuthenticationFailed:
            return None
        remember(request, header, result)  # the view's authentication reuses it: one token lookup a request
        return result[0]
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # A session needs its CSRF token, as DRF's SessionAuthentication demands, before anything is replayed.
    check = CSRFCheck(lambda req: None)
    check.process_request(request)
    if check.process_view(request, None, (), {}) is not None:
        return None
    return user


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":  # uploads: large bodies are not read here
        digest.update(f"{request.META.get('CONTENT_LENGTH')} {request.META.get('CONTENT_TYPE')}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


@cache
def _stored_answer_statement() -> tuple[str, list]:
    q = connection.ops.quote_name
    meta = IdempotencyRecord._meta
    columns = ", ".join(q(field.column) for field in meta.concrete_fields)
    user, key = (q(meta.get_field(name).column) for name in ("user", "key"))
    sql = f"SELECT {columns} FROM {q(meta.db_table)} WHERE {user} = %s AND {key} = %s"
    return sql, field_converters(meta.concrete_fields)


def _stored_answer(user_id: int, key: str) -> IdempotencyRecord | None:
    """The answer stored for this user's key, if any: read at every POST with a key (each save of the
    workspace), so SQL written once and prepared, through the unique (user, key) index, no ORDER BY."""
    sql, converters = _stored_answer_statement()
    return prepared_instance(IdempotencyRecord, sql, [user_id, key], converters)


_STORED = ("user", "key", "fingerprint", "status_code", "body", "content_type", "created_at")


@cache
def _store_answer_sql() -> str:
    q = connection.ops.quote_name
    meta = IdempotencyRecord._meta
    columns = ", ".join(q(meta.get_field(name).column) for name in _STORED)
    return f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(_STORED))})"


def _store_answer(user_id: int, key: str, fingerprint: str, response) -> None:
    """IdempotencyRecord.objects.create(...) of the answer, as SQL written once and prepared (every save of
    the workspace stores one); each value prepared for the database by its field, as the ORM does."""
    content_type = response.get("Content-Type", "application/json")
    values = (user_id, key, fingerprint, response.status_code, response.content, content_type, timezone.now())
    fields = (IdempotencyRecord._meta.get_field(name) for name in _STORED)
    prepared = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    with prepared_cursor() as cursor:
        cursor.execute(_store_answer_sql(), prepared)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyKeys:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not (1 <= len(key) <= 255) or not key.isascii() or not key.isprintable():
            return _field_error("Use 1 to 255 printable ASCII characters (a UUID is ideal).", 400)
        user = _user(request)
        if user is None:
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        earlier = _stored_answer(user.pk, key)
        if earlier is not None:
            if earlier.created_at >= timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL):
                return self._answer_repeat(earlier, fingerprint)
            # An expired answer (the hourly prune has not reached it yet): the key is free again.
            IdempotencyRecord.objects.filter(pk=earlier.pk).delete()
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if 200 <= response.status_code < 300 and not response.streaming:
                    # No savepoint: if another request with this key committed first, the unique (user, key)
                    # constraint raises here and the whole transaction, the request's work included, rolls back.
                    _store_answer(user.pk, key, fingerprint, response)
        except IntegrityError:
            return self._answer_repeat(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)
        return response

    @staticmethod
    def _answer_repeat(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if record.fingerprint != fingerprint:
            return _field_error("This key was already used for a different request; use a new key.", 422)
        return _replay(record)
