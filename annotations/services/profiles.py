"""Writes of a person's interface preferences."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError
from annotations.models import Digits, UserProfile


def profile_set_preferences(*, user, language: str | None = None, digits: str | None = None) -> UserProfile:
    errors = {}
    if language is not None and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the interface languages: ar or en.")]
    if digits is not None and digits not in Digits.values:
        errors["digits"] = [_("Choose the digits: latn (0-9) or arab (٠-٩).")]
    if errors:
        raise ApplicationError(_("The preferences were not saved."), fields=errors)
    profile, _created = UserProfile.objects.get_or_create(user=user)
    if language is not None:
        profile.language = language
    if digits is not None:
        profile.digits = digits
    profile.save()
    user.__dict__.pop("_workbench_preferences", None)
    return profile
