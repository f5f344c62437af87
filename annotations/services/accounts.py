"""Sign-in protection and API tokens.

Failed sign-ins are counted per username and per client address in Django's cache (Redis when
CACHE_URL is set, so every gunicorn worker shares the count; process memory otherwise). After
LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW seconds, further attempts are refused with
the seconds to wait, whether or not the password is right, so guessing cannot continue.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import transaction
from rest_framework.authtoken.models import Token


def _keys(username: str, address: str) -> list[str]:
    # Hashed: usernames may hold characters a cache backend refuses in keys.
    user_key = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    return [f"login-fail:user:{user_key}", f"login-fail:addr:{address}"]


def login_retry_after(*, username: str, address: str) -> int | None:
    """Seconds until this username or address may try again, or None when it may try now."""
    now = time.time()
    waits = []
    for key in _keys(username, address):
        entry = cache.get(key)
        if entry and entry[0] >= settings.LOGIN_FAILURE_LIMIT:
            waits.append(int(entry[1] + settings.LOGIN_FAILURE_WINDOW - now) + 1)
    return max(waits) if waits else None


def login_failed(*, username: str, address: str) -> None:
    now = time.time()
    for key in _keys(username, address):
        count, started = cache.get(key) or (0, now)
        remaining = int(started + settings.LOGIN_FAILURE_WINDOW - now) + 1
        if remaining <= 0:
            count, started, remaining = 0, now, settings.LOGIN_FAILURE_WINDOW
        cache.set(key, (count + 1, started), timeout=remaining)


def login_succeeded(*, username: str) -> None:
    """A right password clears the username's count (not the address's: one address may be guessing many)."""
    cache.delete(_keys(username, "")[0])


def client_address(request) -> str:
    """REMOTE_ADDR only: a client-sent X-Forwarded-For would let an attacker pick its own bucket."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@transaction.atomic
def token_rotate(*, user) -> Token:
    """A new token for `user`; the old one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_revoke(*, user) -> int:
    """Deletes the user's API token; answers how many were deleted (0 or 1)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


def user_grant_project_creator(*, user) -> bool:
    """Gives `user` the permission `annotations.add_project` (create projects); False if they had it."""
    permission = Permission.objects.get(content_type__app_label="annotations", codename="add_project")
    if user.user_permissions.filter(pk=permission.pk).exists():
        return False
    user.user_permissions.add(permission)
    return True
