"""Celery tasks: interfaces only. Each loads by id and calls one service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def document_stats_task(self, document_ids: list[int]) -> int:
    from annotations.services.stats import document_stats_compute

    return document_stats_compute(document_ids=document_ids)
