from django.conf import settings
from django.db import models


class Digits(models.TextChoices):
    LATIN = "latn", "0123456789"
    ARABIC_INDIC = "arab", "٠١٢٣٤٥٦٧٨٩"


class UserProfile(models.Model):
    """A person's interface preferences, kept across sign-out and sign-in (the cookie covers anonymous visitors).

    An empty language means "not chosen yet": the browser's Accept-Language decides."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)
    digits = models.CharField(max_length=4, choices=Digits.choices, default=Digits.LATIN)

    def __str__(self) -> str:
        return f"{self.user} ({self.language or 'browser'})"
