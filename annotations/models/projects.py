from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _


class Project(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    guidelines = models.TextField(blank=True)
    overlap_k = models.PositiveSmallIntegerField(
        default=2, help_text="How many reviewers annotate each document before adjudication."
    )
    lease_minutes = models.PositiveIntegerField(
        default=30, help_text="How long a reviewer holds a document taken from the queue."
    )
    snap_to_words = models.BooleanField(default=True, help_text="Expand selections in the workspace to whole words.")
    claim_verifiers = models.PositiveSmallIntegerField(
        default=1, help_text="How many verifiers give a verdict on each claim in the claim verification queue."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(overlap_k__gte=1), name="project_overlap_k_positive"),
            models.CheckConstraint(condition=Q(lease_minutes__gte=1), name="project_lease_positive"),
            models.CheckConstraint(condition=Q(claim_verifiers__gte=1), name="project_claim_verifiers_positive"),
            models.CheckConstraint(condition=~Q(slug=""), name="project_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    ADJUDICATOR = "adjudicator", _("Adjudicator")
    REVIEWER = "reviewer", _("Reviewer")


class Membership(models.Model):
    project = models.ForeignKey(  # the unique (project, user) serves it
        Project, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most documents this reviewer takes from the queue; empty for no limit."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user_per_project"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.project}"


class LabelType(models.Model):
    """A span label of one project, named in Arabic and English."""

    project = models.ForeignKey(  # the unique (project, name) serves it
        Project, on_delete=models.CASCADE, related_name="label_types", db_index=False
    )
    name = models.CharField(max_length=64, help_text="Stable English identifier used by the API and exports.")
    name_ar = models.CharField(max_length=64, blank=True)
    name_en = models.CharField(max_length=64, blank=True, help_text="Display name in English (else `name`).")
    color = models.CharField(max_length=7, default="#1f77b4", help_text="#rrggbb")
    hotkey = models.CharField(max_length=1, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="label_unique_name_per_project"),
            models.UniqueConstraint(
                fields=["project", "hotkey"], condition=~Q(hotkey=""), name="label_unique_hotkey_per_project"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="label_name_not_empty"),
            models.CheckConstraint(condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="label_color_hex"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("hotkey"), 1), name="label_hotkey_one_char"),
        ]

    def __str__(self) -> str:
        return f"{self.name} / {self.name_ar}" if self.name_ar else self.name

    def display_name(self, language: str) -> str:
        """The name a person reads in the interface language; the identifier is the last resort."""
        if language == "ar" and self.name_ar:
            return self.name_ar
        return self.name_en or self.name.replace("_", " ")
