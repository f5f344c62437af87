"""Gold records for the writer tests: Arabic with tashkeel, an emoji, a bidi mark, overlapping and
nested spans, and hostile strings (formula starts) that every format but CSV must keep unchanged."""

from __future__ import annotations

import hashlib
import unicodedata

from annotations.exporters.records import (
    ClaimRecord,
    ExportContext,
    GoldClaimLink,
    GoldDocument,
    GoldReliability,
    GoldSpan,
    LabelInfo,
)

EVIL_LABEL = '=HYPERLINK("http://evil","x")'
TEXT_1 = unicodedata.normalize(
    "NFC",
    "قَالَ الجَيْشُ إنّ ٣٠ جندياً قُتلوا 😢 في هجوم على \u200fالرقة.\n"
    "وأعلن المرصد السوري لحقوق الإنسان: -٣٠ قتيلاً و@المرصد 👨‍👩‍👧 يؤكد.",
)
TEXT_2 = "خبر بلا وسوم."
LABELS = ("actor", "place", "casualty_figure", "event", EVIL_LABEL)
CONTEXT = ExportContext(
    project_slug="badia",
    project_name="أخبار البادية",
    labels=tuple(LabelInfo(name, f"وسم {i}", "#0072B2") for i, name in enumerate(LABELS)),
    public_base_url="https://workbench.example.org",
)


def at(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def span(text, needle, label, decision="accepted", decided_by="adjudicator"):
    start, end = at(text, needle)
    return GoldSpan(start, end, label, text[start:end], decision, decided_by)


CLAIM = ClaimRecord(
    id=7,
    text="قُتل 30 جندياً في الرقة",
    verdict="refuted",
    rationale="=1+1 مصادر متضاربة",
    event_date="2023-11-08",
    place="الرقة",
    actor="الجيش",
    casualty_figure=30,
    verdict_date="2024-01-02",
)
CLAIM_OPEN = ClaimRecord(id=8, text="هجوم على الرقة", verdict="unverified")
CLAIM_UNVERIFIABLE = ClaimRecord(id=9, text="@SUM(1) ادعاء", verdict="unverifiable")


def spans_1():
    spans = [
        span(TEXT_1, "الجَيْشُ", "actor"),
        span(TEXT_1, "٣٠ جندياً", "casualty_figure"),
        span(TEXT_1, "هجوم على \u200fالرقة", "event", "edited"),
        span(TEXT_1, "\u200fالرقة", "place"),
        span(TEXT_1, "😢", "event", "added"),
        span(TEXT_1, "المرصد السوري لحقوق الإنسان", "actor"),
        span(TEXT_1, "المرصد السوري", "actor"),  # nested in the one above, same label
        span(TEXT_1, "-٣٠ قتيلاً", "casualty_figure"),
        span(TEXT_1, "@المرصد 👨‍👩‍👧", EVIL_LABEL),
    ]
    return sorted(spans, key=lambda s: (s.start, s.end, LABELS.index(s.label)))


def document_1(**changes) -> GoldDocument:
    spans = tuple(spans_1())
    index = {(s.start, s.end, s.label): i for i, s in enumerate(spans)}
    casualty = index[(*at(TEXT_1, "٣٠ جندياً"), "casualty_figure")]
    event = index[(*at(TEXT_1, "هجوم على \u200fالرقة"), "event")]
    observatory = index[(*at(TEXT_1, "المرصد السوري لحقوق الإنسان"), "actor")]
    values = {
        "id": 11,
        "text": TEXT_1,
        "sha256": hashlib.sha256(TEXT_1.encode()).hexdigest(),
        "title": "-مقتل جنود",
        "source": "+المرصد",
        "source_domain": "example.org",
        "url": "https://example.org/news/1",
        "published_at": "2023-11-08T10:00:00+00:00",
        "external_id": "../../../../etc/passwd",
        "adjudicator": "adjudicator",
        "spans": spans,
        "claim_links": (
            GoldClaimLink(casualty, CLAIM, "refutes", "adjudicator"),
            GoldClaimLink(event, CLAIM_OPEN, "mentions", "adjudicator"),
            GoldClaimLink(event, CLAIM_UNVERIFIABLE, "supports", "adjudicator"),
        ),
        "reliability": (
            GoldReliability("B", 2, None, "\t=cmd|' /C calc'!A0", "adjudicator"),
            GoldReliability("F", 6, observatory, "", "adjudicator"),
        ),
        "agreement": {"token_alpha": 0.5, "overlap_f1": float("nan"), "reviewers": 2},
    }
    values.update(changes)
    return GoldDocument(**values)


def document_2(**changes) -> GoldDocument:
    values = {
        "id": 12,
        "text": TEXT_2,
        "sha256": hashlib.sha256(TEXT_2.encode()).hexdigest(),
        "title": "",
        "source": None,
        "url": "/data/upload/../../../../etc/passwd",
        "adjudicator": "adjudicator",
    }
    values.update(changes)
    return GoldDocument(**values)


def documents():
    return [document_1(), document_2()]
