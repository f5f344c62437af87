"""Token authentication that reads the token once per request.

The Idempotency-Key middleware authenticates an API POST before the view runs (it must know whose key
it is); it leaves its answer on the request, and the view's authentication takes it from there instead
of reading the token and the user a second time.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

CACHED = "_workbench_token_auth"


def remember(request, header: str, result) -> None:
    """Called by the middleware with the Authorization header it authenticated and DRF's (user, token)."""
    setattr(request, CACHED, (header, result))


def _user_by_token_sql() -> str:
    q = connection.ops.quote_name
    user = get_user_model()._meta
    return (
        f"SELECT u.* FROM {q(user.db_table)} u INNER JOIN {q(Token._meta.db_table)} t"
        f" ON t.{q('user_id')} = u.{q(user.pk.column)} WHERE t.{q('key')} = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's rules and messages; the token's user is read with one prepared statement instead of a
    queryset built for every request (building it cost more than the database took to answer)."""

    def authenticate_credentials(self, key):
        users = list(get_user_model().objects.raw(_user_by_token_sql(), [key]))
        if not users:
            raise AuthenticationFailed(_("Invalid token."))
        if not users[0].is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return users[0], Token(key=key, user=users[0])

    def authenticate(self, request):
        cached = getattr(request._request, CACHED, None)
        if cached is not None and cached[0] == request._request.META.get("HTTP_AUTHORIZATION", ""):
            return cached[1]
        return super().authenticate(request)
