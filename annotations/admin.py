"""The Django admin: every model is browsable. Document text is never edited after import."""

from django.contrib import admin
from django.db import models

from annotations import models as m


class MembershipInline(admin.TabularInline):
    model = m.Membership
    extra = 0
    autocomplete_fields = ["user"]


class LabelTypeInline(admin.TabularInline):
    model = m.LabelType
    extra = 0


@admin.register(m.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "overlap_k", "lease_minutes", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LabelTypeInline, MembershipInline]


@admin.register(m.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "quota"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user", "project"]


@admin.register(m.LabelType)
class LabelTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ar", "project", "hotkey", "color", "order"]
    list_filter = ["project"]
    search_fields = ["name", "name_ar"]


@admin.register(m.Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "created_at"]
    search_fields = ["name", "domain"]


@admin.register(m.Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "project", "source", "published_at", "external_id", "created_at"]
    list_filter = ["project", "source"]
    search_fields = ["title", "external_id", "sha256", "url"]
    list_select_related = ["project", "source"]
    autocomplete_fields = ["source"]
    # A link typed without its scheme ("example.org/a") is read as https (Django 6's default; 5.2 warns).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        # Text (and so its hash) is fixed once stored: a corrected article is a new document.
        return ["sha256", "created_at"] + (["text", "project"] if obj else [])


@admin.register(m.DocumentStats)
class DocumentStatsAdmin(admin.ModelAdmin):
    list_display = ["document", "char_count", "token_count", "word_count", "sentence_count", "computed_at"]
    readonly_fields = [field.name for field in m.DocumentStats._meta.fields]


@admin.register(m.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "document", "reviewer", "status", "lease_expires_at", "submitted_at"]
    list_filter = ["status", "document__project"]
    search_fields = ["reviewer__username", "document__title"]
    list_select_related = ["document", "reviewer"]
    raw_id_fields = ["document"]


@admin.register(m.Span)
class SpanAdmin(admin.ModelAdmin):
    list_display = ["id", "assignment", "label", "start", "end", "text", "version"]
    list_filter = ["label__project", "label"]
    search_fields = ["text"]
    raw_id_fields = ["assignment"]
    readonly_fields = ["text", "version"]


class VerdictChangeInline(admin.TabularInline):
    model = m.ClaimVerdictChange
    extra = 0
    readonly_fields = ["from_verdict", "to_verdict", "rationale", "changed_by", "changed_at"]
    can_delete = False


@admin.register(m.Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "text", "project", "verdict", "event_date", "place", "updated_at"]
    list_filter = ["project", "verdict"]
    search_fields = ["text", "place", "actor"]
    inlines = [VerdictChangeInline]


@admin.register(m.ClaimLink)
class ClaimLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "claim", "span", "stance", "created_at"]
    list_filter = ["stance"]
    raw_id_fields = ["span", "claim"]


@admin.register(m.ReliabilityRating)
class ReliabilityRatingAdmin(admin.ModelAdmin):
    list_display = ["id", "assignment", "span", "source_reliability", "credibility", "updated_at"]
    list_filter = ["source_reliability", "credibility"]
    raw_id_fields = ["assignment", "span"]


class GoldSpanInline(admin.TabularInline):
    model = m.GoldSpan
    extra = 0
    fields = ["label", "start", "end", "text", "decision", "decided_by"]
    readonly_fields = ["text"]


@admin.register(m.Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["document", "adjudicator", "status", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["document"]
    inlines = [GoldSpanInline]


@admin.register(m.GoldSpan)
class GoldSpanAdmin(admin.ModelAdmin):
    list_display = ["id", "adjudication", "label", "start", "end", "text", "decision", "decided_by"]
    raw_id_fields = ["adjudication", "source_spans"]


@admin.register(m.GoldClaimLink)
class GoldClaimLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "gold_span", "claim", "stance", "decided_by"]
    raw_id_fields = ["gold_span", "claim"]


@admin.register(m.GoldReliability)
class GoldReliabilityAdmin(admin.ModelAdmin):
    list_display = ["id", "adjudication", "gold_span", "source_reliability", "credibility", "decided_by"]
    raw_id_fields = ["adjudication", "gold_span"]


class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "status", "progress", "enqueued", "created_at", "finished_at"]
    list_filter = ["status", "project"]
    readonly_fields = ["created_at", "started_at", "finished_at"]


@admin.register(m.AgreementRun)
class AgreementRunAdmin(JobAdmin):
    pass


@admin.register(m.ExportJob)
class ExportJobAdmin(JobAdmin):
    list_display = [*JobAdmin.list_display[:2], "format", *JobAdmin.list_display[2:]]


@admin.register(m.ImportJob)
class ImportJobAdmin(JobAdmin):
    list_display = [*JobAdmin.list_display[:2], "file_name", *JobAdmin.list_display[2:]]
    exclude = ["data"]


@admin.register(m.Prediction)
class PredictionAdmin(admin.ModelAdmin):
    """Suggestions are imported, never edited here: read only."""

    list_display = ["id", "document", "label", "start", "end", "score"]
    list_select_related = ["document", "label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
