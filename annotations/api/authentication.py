"""Token authentication that reads the token once per request.

The Idempotency-Key middleware authenticates an API POST before the view runs (it must know whose key
it is); it leaves its answer on the request, and the view's authentication takes it from there instead
of reading the token and the user a second time.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from workbench.db import field_converters, prepared_instance

CACHED = "_workbench_token_auth"


def remember(request, header: str, result) -> None:
    """Called by the middleware with the Authorization header it authenticated and DRF's (user, token)."""
    setattr(request, CACHED, (header, result))


@cache
def _user_by_token_statement() -> tuple[str, list]:
    q = connection.ops.quote_name
    user = get_user_model()._meta
    columns = ", ".join(f"u.{q(field.column)}" for field in user.concrete_fields)
    sql = (
        f"SELECT {columns} FROM {q(user.db_table)} u INNER JOIN {q(Token._meta.db_table)} t"
        f" ON t.{q('user_id')} = u.{q(user.pk.column)} WHERE t.{q('key')} = %s"
    )
    return sql, field_converters(user.concrete_fields)


def _user_by_token(key: str):
    """The token's user, or None. The statement runs at every API request: prepared (workbench.db)."""
    sql, converters = _user_by_token_statement()
    return prepared_instance(get_user_model(), sql, [key], converters)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's rules and messages; the token's user is read with one prepared statement instead of a
    queryset built for every request (building it cost more than the database took to answer)."""

    def authenticate_credentials(self, key):
        user = _user_by_token(key)
        if user is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)

    def authenticate(self, request):
        cached = getattr(request._request, CACHED, None)
        if cached is not None and cached[0] == request._request.META.get("HTTP_AUTHORIZATION", ""):
            return cached[1]
        return super().authenticate(request)
