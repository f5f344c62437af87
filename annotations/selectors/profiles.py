"""A person's interface preferences (language, digits)."""

from __future__ import annotations

from annotations.models import Digits, UserProfile


def profile_preferences(user) -> tuple[str, str]:
    """(language or "", digits) for a signed-in user; cached on the user object for the request."""
    cached = getattr(user, "_workbench_preferences", None)
    if cached is None:
        row = UserProfile.objects.filter(user=user).values_list("language", "digits").first()
        cached = row or ("", Digits.LATIN)
        user._workbench_preferences = cached
    return cached
