"""CoNLL with segment_clitics: gold spans that leave out a clitic (قوات in وقوات) are exact in BIO."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace
from pathlib import Path

from annotations.exporters import conll
from annotations.exporters.records import ExportContext, GoldDocument, GoldSpan, LabelInfo
from annotations.text.tokens import tokenize
from tests.text.test_snap import CLITIC_CASES

SEED_DIR = Path(__file__).resolve().parents[2] / "annotations" / "demo" / "seeds"
SEEDS = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(SEED_DIR.glob("*.txt"))]
LABELS = ("actor", "place", "weapon")
CONTEXT = ExportContext("badia", "أخبار البادية", tuple(LabelInfo(name) for name in LABELS))
# the four spans of issue 12, and whole-word spans around them
SPANS = {
    "قوات النظام السوري": ("وقوات النظام السوري", "actor"),
    "بادية الرصافة": ("ببادية الرصافة", "place"),
    "الأسلحة الرشاشة": ("بالأسلحة الرشاشة", "weapon"),
    "تنظيم داعش": ("لتنظيم داعش", "actor"),
    "مواقع قوات النظام": ("مواقع قوات النظام", "place"),
    "غالبيت": ("غالبيتهم", "actor"),  # before the enclitic هم
}
assert all(case[2] in SPANS for case in CLITIC_CASES[:4])


def documents() -> list[GoldDocument]:
    result = []
    for number, text in enumerate(SEEDS, start=1):
        spans = []
        for quote, (context, label) in SPANS.items():
            if context in text:
                start = text.index(quote, text.index(context))
                spans.append(GoldSpan(start, start + len(quote), label, quote))
        spans.sort(key=lambda s: (s.start, s.end, LABELS.index(s.label)))
        result.append(GoldDocument(number, text, hashlib.sha256(text.encode()).hexdigest(), spans=tuple(spans)))
    return result


def spans_from_bio(output: str) -> dict[int, set[tuple[int, int, str]]]:
    """Rebuilds [start, end) spans per document from the BIO columns and the token offsets."""
    found: dict[int, set] = {}
    doc = None
    open_spans: dict[str, list[int]] = {}

    def close(label):
        start, end = open_spans.pop(label)
        found[doc].add((start, end, label))

    for line in output.splitlines():
        if line.startswith("# doc_id = "):
            doc = int(line.split("= ")[1])
            found[doc] = set()
        if not line or line.startswith("#"):
            for label in list(open_spans):
                close(label)
            continue
        _, _, start, end, *tags = line.split("\t")
        for label, tag in zip(LABELS, tags, strict=True):
            if (tag.startswith("B-") or tag == "O") and label in open_spans:
                close(label)
            if tag.startswith("B-"):
                open_spans[label] = [int(start), int(end)]
            elif tag.startswith("I-"):
                open_spans[label][1] = int(end)
    return found


def expected(docs):
    return {d.id: {(s.start, s.end, s.label) for s in d.spans} for d in docs}


def test_segment_clitics_rebuilds_every_gold_span_exactly_on_the_seeds():
    docs = documents()
    assert sum(len(d.spans) for d in docs) == len(SPANS)
    stats: dict = {}
    context = replace(CONTEXT, options={"segment_clitics": True})
    output = "".join(conll.write(docs, context, stats))
    assert spans_from_bio(output) == expected(docs)
    assert stats == {"conll_spans_left_out": 0, "conll_clitic_cuts": 5}
    # the pieces keep code point offsets into the text, and only tokens a span needed were cut
    lines = [line.split("\t") for line in output.splitlines() if line and not line.startswith("#")]
    for _, form, start, end, *_ in lines:
        assert any(text[int(start) : int(end)] == form for text in SEEDS)
    forms = [line[1] for line in lines]
    assert "و" in forms and "قوات" in forms and "وقواتها" not in forms
    standalone = sum(1 for text in SEEDS for token in tokenize(text) if token.text == "و")  # و جرى الهجوم
    assert forms.count("و") == standalone + 1  # و of وقوات النظام السوري only; every other و-word stays whole
    assert "وتمكن" in forms and "والجرحى" in forms


def test_without_the_option_spans_widen_to_whole_tokens():
    docs = documents()
    rebuilt = spans_from_bio("".join(conll.write(docs, CONTEXT, {})))
    assert rebuilt != expected(docs)
    text = SEEDS[1]
    start = text.index("وقوات النظام السوري")
    assert (start, start + len("وقوات النظام السوري"), "actor") in rebuilt[2]


def test_the_dataset_card_notes_mention_the_option():
    assert "segment_clitics" in conll.NOTES
