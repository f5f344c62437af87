from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """A task message to publish, written in the same transaction as the change that asks for it.

    Requests never talk to the broker: they write this row; a sender publishes it after the commit (in
    the background) and `dispatch_jobs` publishes whatever is still unsent (the broker was down or hung),
    so nothing asked for is lost and no request waits on the broker."""

    task = models.CharField(max_length=64, help_text="The task's name in annotations.tasks.")
    args = models.JSONField(default=list, blank=True)
    job_model = models.CharField(max_length=32, blank=True, help_text="The job row marked `enqueued` once sent.")
    job_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({'sent' if self.sent_at else 'unsent'})"
