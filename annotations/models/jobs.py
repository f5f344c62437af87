"""Long-running work is a row you can look at: status, progress, results, errors, timings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.FloatField(default=0.0, help_text="0 to 1")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enqueued = models.BooleanField(default=False, help_text="Whether the broker accepted the task message.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker running it (every few seconds)."
    )
    attempt = models.PositiveSmallIntegerField(
        default=1, help_text="1 for a requested job; n for the replacement of a job whose worker died n-1 times."
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @classmethod
    def job_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name=f"{prefix}_status_valid"),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name=f"{prefix}_progress_0_to_1"),
        ]


class AgreementRun(Job):
    project = models.ForeignKey("annotations.Project", on_delete=models.CASCADE, related_name="agreement_runs")
    input_fingerprint = models.CharField(max_length=64, blank=True)
    results = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    reason = models.CharField(
        max_length=16, blank=True, help_text="What asked for it: manual, submission, rerun, command."
    )
    rerun_requested = models.BooleanField(
        default=False, help_text="Set while running when new work arrives: one more run follows this one."
    )

    class Meta(Job.Meta):
        constraints = [
            *Job.job_constraints("agreement_run"),
            # The debounce, also as a rule the database keeps: at most one run in flight per project.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=[JobStatus.PENDING, JobStatus.RUNNING]),
                name="agreement_run_one_in_flight_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"Agreement run {self.pk} ({self.status})"


class AgreementPiece(models.Model):
    """One document's part of the agreement report (annotations.agreement.pieces: its sufficient
    statistics and token codes, as bytes), kept for the next run. It is used only while the document's
    work has the same fingerprint (selectors.agreement.agreement_sources): a stale piece is computed
    again, so this table is a cache, never a source of truth. One row per (kind, document); `kind`
    names what is cached, so another kind of piece can sit beside it."""

    project = models.ForeignKey("annotations.Project", on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey("annotations.Document", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, default="spans")
    fingerprint = models.CharField(max_length=64)
    data = models.BinaryField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "document"], name="agreement_piece_one_per_document")]
        indexes = [models.Index(fields=["project", "kind"], name="agreement_piece_project_idx")]

    def __str__(self) -> str:
        return f"Agreement piece of document {self.document_id} ({self.kind})"


class ExportFormat(models.TextChoices):
    JSONL = "jsonl", "JSON Lines"
    CONLL = "conll", "CoNLL (BIO)"
    WEB_ANNOTATION = "web-annotation", "W3C Web Annotation"
    CLAIMREVIEW = "claimreview", "schema.org ClaimReview"
    CSV = "csv", "CSV of spans"
    CONLL2003 = "conll2003", "CoNLL-2003 NER (token and one IOB2 tag)"
    WEB_ANNOTATION_JSONL = "web-annotation-jsonl", "W3C Web Annotation, one per line"


class ExportJob(Job):
    project = models.ForeignKey("annotations.Project", on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=32, choices=ExportFormat.choices)
    options = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="Server-generated, under EXPORT_ROOT.")

    class Meta(Job.Meta):
        constraints = [
            *Job.job_constraints("export_job"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="export_job_format_valid"),
            # The rate limit, also as a rule the database keeps: at most one export in flight per project.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=[JobStatus.PENDING, JobStatus.RUNNING]),
                name="export_job_one_in_flight_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk}, {self.format} ({self.status})"


class ImportJob(Job):
    """A file uploaded in the browser or the API, parsed, validated and written by a Celery job.

    All or nothing: `errors` lists every bad line ({line, message}) and then nothing was written."""

    project = models.ForeignKey("annotations.Project", on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=255)
    # The uploaded bytes, kept until the job has read them (cleared when it finishes).
    data = models.BinaryField(default=b"", editable=False)
    counts = models.JSONField(default=dict, blank=True, help_text="imported, duplicates, rejected, predictions")
    errors = models.JSONField(default=list, blank=True, help_text="Every bad line: {line, message}.")

    class Meta(Job.Meta):
        constraints = [
            *Job.job_constraints("import_job"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=[JobStatus.PENDING, JobStatus.RUNNING]),
                name="import_job_one_in_flight_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}, {self.file_name} ({self.status})"
