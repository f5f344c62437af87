import hashlib
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from annotations.text.normalize import fold_for_search
from annotations.text.words import words_column_of_folded

from .validation import as_field_errors, validate_document


class Source(models.Model):
    """A news outlet (or other publisher) that documents come from."""

    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="source_name_not_empty"),
            models.UniqueConstraint(fields=["domain"], condition=~Q(domain=""), name="source_unique_domain"),
        ]

    def __str__(self) -> str:
        return self.name


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Document(models.Model):
    """One article. Its text is NFC and never changes: a corrected article is a new document."""

    # db_index=False: every index in Meta begins with project
    project = models.ForeignKey(
        "annotations.Project", on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    sha256 = models.CharField(max_length=64, editable=False)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    # Queue counters, changed only by services/queue.py under a row lock: how many reviewers hold or
    # have submitted this document, and how many submitted. Kept on the row so `queue/next` is an
    # index scan on 100,000 documents instead of an aggregate.
    slots_taken = models.PositiveIntegerField(default=0, editable=False)
    submitted_count = models.PositiveIntegerField(default=0, editable=False)
    search_text = models.TextField(
        blank=True, editable=False, help_text="The text folded for search (alef forms, tashkeel, digits…)."
    )
    search_words = models.TextField(
        blank=True, editable=False, help_text="The words for word search (annotations.text.words.words_column)."
    )
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a manager archives it: out of queues and exports, history kept."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256"], name="document_unique_text_per_project"),
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256_hex"),
            models.CheckConstraint(
                condition=Q(submitted_count__lte=models.F("slots_taken")), name="document_submitted_within_slots"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "external_id"], name="document_external_id_idx"),
            models.Index(fields=["project", "-slots_taken", "id"], name="document_queue_idx"),
            models.Index(fields=["project", "submitted_count"], name="document_ready_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"Document {self.pk}"

    def save(self, *args, **kwargs):
        if error := self._text_change_error():
            raise ValidationError({"text": error})
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """The columns computed from the text (save() calls it; bulk imports call it before bulk_create)."""
        # Stored once, in NFC: offsets and hashes are always of the same code points.
        self.text = unicodedata.normalize("NFC", self.text)
        self.sha256 = text_sha256(self.text)
        self.search_text = fold_for_search(self.text)
        self.search_words = words_column_of_folded(self.search_text)  # = words_column(self.text), folded once

    def _text_change_error(self) -> str | None:
        if self.pk is None or self._state.adding:
            return None
        stored = Document.objects.filter(pk=self.pk).values_list("text", flat=True).first()
        if stored is not None and stored != self.text:
            return "Document text is immutable; import the corrected article as a new document."
        return None

    def clean(self):
        if error := self._text_change_error():
            raise ValidationError({"text": error})
        # The one document validation (services, importers and the admin alike).
        as_field_errors(
            lambda: validate_document(text=self.text, title=self.title, url=self.url, external_id=self.external_id)
        )


class DocumentStats(models.Model):
    """Token and character statistics, computed by a background job after import."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="stats")
    char_count = models.PositiveIntegerField()
    token_count = models.PositiveIntegerField()
    word_count = models.PositiveIntegerField()
    arabic_letter_count = models.PositiveIntegerField()
    sentence_count = models.PositiveIntegerField()
    diacritic_count = models.PositiveIntegerField()
    tokens = models.BinaryField(
        null=True,
        editable=False,
        help_text="The Arabic tokenizer's tokens and sentences, packed (annotations.text.tokens.pack_sentences).",
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "document stats"

    def __str__(self) -> str:
        return f"Stats of {self.document}"
