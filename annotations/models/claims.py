from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from annotations.text.normalize import fold_for_search
from annotations.text.words import search_words, similarity_keys, words_column

from .validation import as_field_errors, validate_claim


class Verdict(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    SUPPORTED = "supported", _("Supported")
    REFUTED = "refuted", _("Refuted")
    MIXED = "mixed", _("Mixed")
    UNVERIFIABLE = "unverifiable", _("Unverifiable")


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    MENTIONS = "mentions", _("Mentions")


class Claim(models.Model):
    """A checkable statement, e.g. '30 soldiers killed at Rusafa on 8 Nov 2023'."""

    project = models.ForeignKey("annotations.Project", on_delete=models.CASCADE, related_name="claims")
    text = models.TextField()
    event_date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    casualty_figure = models.PositiveIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, default=Verdict.UNVERIFIED)
    rationale = models.TextField(blank=True)
    search_text = models.TextField(blank=True, editable=False, help_text="The text folded for search.")
    search_words = models.TextField(
        blank=True, editable=False, help_text="The words for word search (annotations.text.words.words_column)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="claims_created"
    )
    # The article the claim was written from (blind review: reviewers still drafting it do not see it).
    document = models.ForeignKey(
        "annotations.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="claims_from"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_empty"),
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values), name="claim_verdict_valid"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        self.search_text = fold_for_search(self.text)
        self.search_words = words_column(self.text)
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "text" in update_fields:
            ClaimSimilarityKey.refresh(self)

    def clean(self):
        # The one claim validation (services, import_gold and the admin alike).
        as_field_errors(lambda: validate_claim(text=self.text, place=self.place, actor=self.actor))


class ClaimSimilarityKey(models.Model):
    """Locality-sensitive keys of a claim's words (annotations.text.words.similarity_keys), so that
    near-duplicate candidates are an index lookup instead of a comparison with every claim."""

    project = models.ForeignKey("annotations.Project", on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="similarity_keys")
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["project", "key"], name="claim_similarity_key_idx")]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.key}"

    @classmethod
    def refresh(cls, claim: Claim) -> None:
        cls.objects.filter(claim=claim).delete()
        keys = similarity_keys(search_words(claim.text))
        cls.objects.bulk_create(cls(project_id=claim.project_id, claim=claim, key=key) for key in set(keys))


class ClaimVerdictChange(models.Model):
    """The history of a claim's verdict: who changed it, from what, to what, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdict_changes")
    from_verdict = models.CharField(max_length=16, choices=Verdict.choices)
    to_verdict = models.CharField(max_length=16, choices=Verdict.choices)
    rationale = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_verdict__in=Verdict.values), name="verdict_change_valid"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.from_verdict} -> {self.to_verdict}"


class LiveClaimLinks(models.Manager):
    """Links of spans not deleted (a deleted span's links come back with it on undo)."""

    def get_queryset(self):
        return super().get_queryset().filter(span__deleted_at__isnull=True)


class ClaimLink(models.Model):
    """A reviewer's span used as evidence for (or against) a claim."""

    span = models.ForeignKey("annotations.Span", on_delete=models.CASCADE, related_name="claim_links")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LiveClaimLinks()
    all_objects = models.Manager()  # noqa: DJ012 - a manager, not a field

    class Meta:
        ordering = ["claim", "id"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["span", "claim"], name="claim_link_unique_span_claim"),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="claim_link_stance_valid"),
        ]

    def __str__(self) -> str:
        return f"span {self.span_id} {self.stance} claim {self.claim_id}"


class ClaimVerification(models.Model):
    """One verifier's verdict on a claim, from the claim verification queue (agreement data too)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verifications")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_verifications")
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    rationale = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "verifier"], name="claim_verification_once_per_verifier"),
            models.CheckConstraint(
                condition=Q(verdict="") | Q(verdict__in=Verdict.values), name="claim_verification_verdict_valid"
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(verdict=""), name="claim_verification_submitted_has_verdict"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.verdict}"
