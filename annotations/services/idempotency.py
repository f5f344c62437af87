"""Stored answers to `Idempotency-Key` requests (written by annotations.api.idempotency) expire."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from annotations.models import IdempotencyRecord


def idempotency_records_prune(*, now=None) -> int:
    """Deletes keys older than IDEMPOTENCY_TTL (a periodic task calls this); answers how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.IDEMPOTENCY_TTL)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
