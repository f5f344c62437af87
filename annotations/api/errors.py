"""One exception handler: application errors become 4xx JSON with field messages, never a 500."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.errors import ApplicationError


def _translated(message) -> str:
    """Messages are translated where they are raised (gettext, following Accept-Language); the pure
    modules' fixed messages ("Not found.", ...) are looked up here, in this catalog or Django's and DRF's."""
    return gettext(str(message))


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        if exc.fields:
            body = {
                name: [_translated(m) for m in messages] if isinstance(messages, list) else [_translated(messages)]
                for name, messages in exc.fields.items()
            }
        else:
            body = {"detail": _translated(exc.message)}
        body.update(exc.extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"detail": gettext("The request body is larger than %s bytes; nothing was saved.") % f"{limit:,}"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return drf_exception_handler(exc, context)
