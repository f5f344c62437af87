"""Token authentication that reads the token once per request.

The Idempotency-Key middleware authenticates an API POST before the view runs (it must know whose key
it is); it leaves its answer on the request, and the view's authentication takes it from there instead
of reading the token and the user a second time.
"""

from __future__ import annotations

from rest_framework import authentication

CACHED = "_workbench_token_auth"


def remember(request, header: str, result) -> None:
    """Called by the middleware with the Authorization header it authenticated and DRF's (user, token)."""
    setattr(request, CACHED, (header, result))


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        cached = getattr(request._request, CACHED, None)
        if cached is not None and cached[0] == request._request.META.get("HTTP_AUTHORIZATION", ""):
            return cached[1]
        return super().authenticate(request)
