"""The boundary type between the database and the writers: plain, frozen records of gold.

Pure: no Django. `annotations.selectors.gold` turns rows into these; every writer takes an iterable of
`GoldDocument` and yields text. Offsets are Unicode code points of the document's NFC text
(`text[start:end] == span.text`), as everywhere in the workbench.

`resolution` says where a document's gold comes from:

* ``"adjudicated"``: an adjudicator finalized it (every span, link and grade names its decider);
* ``"majority"``: nobody adjudicated it yet, but all k reviewers submitted, and each span, claim link
  and the outlet grade is kept when more than half of them marked exactly that (`votes` of
  `reviewers`); such records have no decider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from annotations.text.tokens import stored_sentences, stored_token_table

ADJUDICATED = "adjudicated"
MAJORITY = "majority"
RESOLUTIONS = (ADJUDICATED, MAJORITY)

OFFSET_UNIT = "Unicode code points (Python str indices) of the NFC-normalized document text"
OFFSET_NOTE = (
    "Span offsets are [start, end) in Unicode code points of the document text as stored, which is "
    "NFC-normalized UTF-8 and never edited: text[start:end] == span text. They are not UTF-16 code "
    "units (JavaScript) nor bytes; convert before using them in a browser, or export with the UTF-16 option "
    "(`--utf16-offsets`), which adds start_utf16/end_utf16 (JavaScript string indices) next to them."
)


def utf16_converter(text: str):
    """cp offset -> UTF-16 offset for `text` (characters above U+FFFF count twice), cheap for BMP text."""
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if not text.isascii() else []
    if not astral:
        return lambda offset: offset
    from bisect import bisect_left

    return lambda offset: offset + bisect_left(astral, offset)


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """A claim of the project (shared by documents); `verdict_date` is the ISO date of the change that
    set the current verdict, or None when the verdict was never changed."""

    id: int
    text: str
    verdict: str = "unverified"
    rationale: str = ""
    event_date: str | None = None  # ISO date
    place: str = ""
    actor: str = ""
    casualty_figure: int | None = None
    verdict_date: str | None = None  # ISO date


class GoldSpan(NamedTuple):
    """A gold span. A named tuple rather than a frozen dataclass (as the other records): an export builds
    one per span, millions of them, and `tuple.__new__(GoldSpan, row)` costs a fifth of a dataclass's
    `__init__`. Immutable like the others; use `span._replace(...)` for a changed copy."""

    start: int
    end: int
    label: str
    text: str
    decision: str = "accepted"  # accepted / edited / added; "majority" for majority-resolved spans
    decided_by: str | None = None
    votes: int | None = None  # majority only: how many reviewers marked exactly this span


@dataclass(frozen=True, slots=True)
class GoldClaimLink:
    span: int  # index into GoldDocument.spans
    claim: ClaimRecord
    stance: str
    decided_by: str | None = None
    votes: int | None = None


@dataclass(frozen=True, slots=True)
class GoldReliability:
    """An Admiralty grade: of the document's outlet (`span` None) or of a source quoted in it."""

    source_reliability: str
    credibility: int
    span: int | None = None  # index into GoldDocument.spans
    note: str = ""
    decided_by: str | None = None
    votes: int | None = None

    @property
    def code(self) -> str:
        return f"{self.source_reliability}{self.credibility}"


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """A reviewer's note for the adjudicator: a flag on the document (`kind` unclear, not_news, duplicate)
    or a comment on a span (`kind` "comment", with the span's offsets and label). No reviewer names."""

    kind: str
    note: str = ""
    start: int | None = None
    end: int | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class GoldDocument:
    """One document and its gold. `spans` are sorted by (start, end, label order); links and grades
    point at spans by index, so the record needs no database ids to be understood."""

    id: int
    text: str
    sha256: str
    title: str = ""
    source: str | None = None
    source_domain: str = ""
    url: str = ""
    published_at: str | None = None  # ISO 8601
    external_id: str = ""
    resolution: str = ADJUDICATED
    adjudicator: str | None = None
    reviewers: int | None = None  # majority only: how many reviewers submitted
    spans: tuple[GoldSpan, ...] = ()
    claim_links: tuple[GoldClaimLink, ...] = ()
    reliability: tuple[GoldReliability, ...] = ()
    agreement: dict | None = None  # this document's figures from the latest agreement run, or None
    review_notes: tuple[ReviewNote, ...] = ()  # reviewers' flags and span comments (issue 13)
    # The tokenizer's output stored at import (annotations.text.tokens.pack_sentences), or None
    tokens: bytes | None = field(default=None, repr=False, compare=False)

    def sentences(self):
        """The text's tokens by sentence: the stored ones when valid, else tokenized now."""
        return stored_sentences(self.text, self.tokens)

    def token_table(self) -> tuple[list[int], list[int], list[int]]:
        """The same tokens as `sentences()`, as (starts, ends, sentence firsts + [token count]) lists."""
        return stored_token_table(self.text, self.tokens)

    def outlet_grade(self) -> GoldReliability | None:
        for grade in self.reliability:
            if grade.span is None:
                return grade
        return None


@dataclass(frozen=True, slots=True)
class LabelInfo:
    name: str
    name_ar: str = ""
    color: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What a writer needs besides the documents: the project and its label set (in label order)."""

    project_slug: str
    project_name: str
    labels: tuple[LabelInfo, ...] = ()
    organization: str = ""  # the author of ClaimReviews; defaults to the project's name
    options: dict = field(default_factory=dict)
    public_base_url: str = ""  # where this workbench is published (ClaimReview `url`), no trailing slash
    organization_url: str = ""  # the ClaimReview author's `url`; defaults to public_base_url + "/"

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    @property
    def author(self) -> str:
        return self.organization or self.project_name

    @property
    def author_url(self) -> str:
        return self.organization_url or (self.public_base_url + "/" if self.public_base_url else "")
