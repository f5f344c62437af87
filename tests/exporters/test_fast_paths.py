"""The writers build their text from pieces (issue 17, export speed); these tests hold each fast path to
the plain construction it replaces: `dumps` of the record's dicts (JSONL, Web Annotation), `csv.writer`
on the neutralized rows (CSV), a token-by-token scan (CoNLL tags), the Token lists (token tables), on
the hostile samples and on random documents with overlapping spans, line-like characters, quotes,
commas and formula starts."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import unicodedata
from dataclasses import replace

import pytest

from annotations.exporters import conll, conll2003, csv_spans, get_writer, jsonl, web_annotation
from annotations.exporters._common import dumps
from annotations.exporters.records import (
    MAJORITY,
    ClaimRecord,
    GoldClaimLink,
    GoldDocument,
    GoldReliability,
    GoldSpan,
    ReviewNote,
)
from annotations.text.tokens import pack_tokens, stored_token_table, tokenize_sentences
from tests.exporters.samples import CONTEXT, LABELS, document_1, document_2, documents

PIECES = [
    "قال",
    "الجيش",
    "إنّ",
    "٣٠",
    "جندياً",
    "😢",
    "👨‍👩‍👧",
    "\u200f",
    ".",
    "،",
    "؟",
    "\n",
    " ",
    '"',
    ",",
    "\r\n",
    "\u2028",
    "\u2029",
    "\x85",
    "\\",
    "\t",
    "=SUM(1)",
    "-٣",
    "@x",
    "+1",
    "U.S.",
    "3.5",
]


def random_document(rng: random.Random, n: int) -> GoldDocument:
    text = unicodedata.normalize("NFC", "".join(rng.choice(PIECES) + rng.choice(["", " ", " "]) for _ in range(40)))
    spans = set()
    for _ in range(rng.randint(0, 12)):
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(1, 12))
        spans.add((start, end, rng.choice(LABELS)))
    ordered = sorted(spans, key=lambda s: (s[0], s[1], LABELS.index(s[2])))
    majority = rng.random() < 0.3
    gold = tuple(
        GoldSpan(
            start,
            end,
            label,
            text[start:end],
            rng.choice(["accepted", "edited", "added"]) if not majority else "majority",
            None if majority else rng.choice(["adjudicator", 'a"b,c', "=cmd", None]),
            rng.choice([None, 1, 3]),  # votes: imported gold may carry them on adjudicated documents too
        )
        for start, end, label in ordered
    )
    claim = ClaimRecord(id=rng.randint(1, 9), text=rng.choice(PIECES) + ' ادعاء, "مقتبس"', verdict="refuted")
    links = tuple(
        GoldClaimLink(i, claim, rng.choice(["supports", "refutes"]), "adjudicator", 2 if majority else None)
        for i in range(len(gold))
        if rng.random() < 0.2
    )
    grades = (GoldReliability("B", 2, None, rng.choice(["", "=1+1", 'ملاحظة, "x"\n']), "adjudicator"),)
    if gold and rng.random() < 0.5:
        grades += (GoldReliability("C", 3, 0, "", "adjudicator"),)
    notes = (ReviewNote("unclear", "غامض\u2028"),) if rng.random() < 0.3 else ()
    return GoldDocument(
        id=n,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=rng.choice(["", "-عنوان", 'عنوان, "مقتبس"', "سطر\nثان"]),
        source=rng.choice([None, "+المرصد", "مصدر"]),
        source_domain=rng.choice(["", "example.org"]),
        url=rng.choice(["", "https://example.org/a?b=1,2", "urn:x"]),
        published_at=rng.choice([None, "2023-11-08T10:00:00+00:00"]),
        external_id=rng.choice(["", "@ext\u2029"]),
        resolution=MAJORITY if majority else "adjudicated",
        adjudicator=None if majority else "adjudicator",
        reviewers=3 if majority else None,
        spans=gold,
        claim_links=links,
        reliability=grades,
        agreement=rng.choice([None, {"token_alpha": 0.25, "overlap_f1": float("inf"), "reviewers": 2}]),
        review_notes=notes,
        tokens=pack_tokens(text) if rng.random() < 0.5 else None,
    )


def plain(document: GoldDocument) -> GoldDocument:
    """The document with every character JSON escapes (quotes, backslashes, controls) made a space, the
    offsets kept: the writers' quotes-only path (`_common.json_plain`)."""
    text = "".join(" " if ch in '"\\' or ch < " " else ch for ch in document.text)
    spans = tuple(span._replace(text=text[span.start : span.end]) for span in document.spans)
    return replace(document, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), spans=spans, tokens=None)


def corpus() -> list[GoldDocument]:
    rng = random.Random(17)
    randoms = [random_document(rng, n) for n in range(300)]
    return [*documents(), document_1(resolution=MAJORITY, reviewers=3), *randoms, *map(plain, randoms[:100])]


@pytest.mark.parametrize("utf16", [False, True])
def test_jsonl_lines_are_dumps_of_the_records(utf16):
    context = replace(CONTEXT, options={"utf16_offsets": utf16})
    docs = corpus()
    expected = "".join(dumps(jsonl.document_object(d, utf16)) + "\n" for d in docs)
    assert "".join(jsonl.write(iter(docs), context)) == expected
    assert "\u2028" not in expected and "\\u2028" in expected  # the line-like characters are escaped


def test_web_annotation_texts_are_dumps_of_the_items():
    for document in corpus():
        items = list(web_annotation.document_items(document, CONTEXT))
        assert web_annotation.document_item_texts(document, CONTEXT) == [dumps(item) for item in items]


def test_web_annotation_jsonl_lines_are_dumps_with_the_context():
    docs = corpus()
    lines = "".join(get_writer("web-annotation-jsonl").write(iter(docs), CONTEXT, {})).splitlines()
    items = [item for d in docs for item in web_annotation.document_items(d, CONTEXT)]
    assert lines == [dumps({"@context": web_annotation.CONTEXT, **item}) for item in items]


def test_web_annotation_pages_split_where_the_items_say():
    docs = corpus() * 4  # more than one page of PAGE_SIZE annotations
    text = "".join(web_annotation.write(iter(docs), CONTEXT, {}))
    items = [dumps(item) for d in docs for item in web_annotation.document_items(d, CONTEXT)]
    assert len(items) > 2 * web_annotation.PAGE_SIZE
    pages = text.split("\n")[1:-2]
    assert [page.count('"type":"Annotation"') for page in pages[:-1]] == [web_annotation.PAGE_SIZE] * (len(pages) - 1)
    assert ",".join(items) in "".join(page[page.index('"items":[') + 9 : page.rindex("]}")] + "," for page in pages)


def test_csv_cells_are_what_the_csv_module_writes():
    rng = random.Random(5)
    values = [None, 0, 17, -3, True, 2.5, "", "'", "=1", *PIECES]
    rows = [[rng.choice(values) for _ in range(19)] for _ in range(2000)]
    rows += [[piece] * 19 for piece in PIECES]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_spans.neutralize(value) for value in row])
    assert "".join(",".join(map(csv_spans.cell, row)) + "\r\n" for row in rows) == buffer.getvalue()


def through_csv_module(docs: list[GoldDocument]) -> tuple[str, int]:
    """The CSV export of `docs` as Python's csv module writes their neutralized rows, and its row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_spans.HEADER)
    rows = 0
    for document in docs:
        for row in csv_spans.document_rows(document):
            writer.writerow([csv_spans.neutralize(value) for value in row])
            rows += 1
    return csv_spans.BOM + buffer.getvalue(), rows


def test_csv_documents_are_their_rows_through_the_csv_module():
    docs = corpus()
    expected, rows = through_csv_module(docs)
    stats = {}
    assert "".join(csv_spans.write(iter(docs), CONTEXT, stats)) == expected
    assert stats == {"csv_rows": rows}


@pytest.mark.parametrize("piece", ["", "x", *PIECES, "a\x1f=b", "\x00", "\r", "a\x1f"])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_csv_span_texts_of_the_usual_documents_are_quoted_and_neutralized(piece, where):
    """Documents without votes, claim links or span grades (the usual case) take a path that checks all
    their span texts at once: one hostile text, first, in the middle or last among plain ones, is still
    written as the csv module writes it, with its formula start neutralized."""
    texts = ["قال", "الجيش", "٣٠"]
    texts[where] = piece + "نص"
    texts = [piece] + texts if where == 0 else texts  # a text that is only the piece, too
    text = " ".join(texts)
    spans, start = [], 0
    for label, part in zip(LABELS * 4, texts, strict=False):
        if part:
            spans.append(GoldSpan(start, start + len(part), label, part, "accepted", "adjudicator", None))
        start += len(part) + 1
    document = replace(document_2(), text=text, spans=tuple(spans), claim_links=(), reliability=())
    expected, rows = through_csv_module([document])
    assert "".join(csv_spans.write(iter([document]), CONTEXT, {})) == expected


def scanned_tags(kept, sentences, width):
    """The CoNLL tags token by token: a token takes the first span of the column that shares a code point
    with it; B- unless the previous token of its sentence had the same span."""
    tags, taken = [], [set() for _ in kept]
    for sentence in sentences:
        previous = [None] * width
        for start, end in sentence:
            row = []
            for column, spans in enumerate(kept):
                owner = next((i for i, (s, e) in enumerate(spans) if s < end and e > start), None)
                row.append(None if owner is None else ("I" if previous[column] == owner else "B"))
                previous[column] = owner
                if owner is not None:
                    taken[column].add(owner)
            tags.append(row)
    left_out = sum(len(spans) - len(taken[column]) for column, spans in enumerate(kept))
    return tags, left_out


def test_conll_tags_are_those_of_a_token_by_token_scan():
    columns = {name: i for i, name in enumerate(LABELS)}
    for document in corpus():
        kept, _ = conll.label_columns(document, columns)
        starts, ends, firsts = document.token_table()
        found, left_out = conll.token_tags(kept, starts, ends, firsts)
        sentences = [
            list(zip(starts[firsts[k] : firsts[k + 1]], ends[firsts[k] : firsts[k + 1]], strict=True))
            for k in range(len(firsts) - 1)
        ]
        expected, expected_left_out = scanned_tags(kept, sentences, len(LABELS))
        assert [found.get(t, [None] * len(LABELS)) for t in range(len(starts))] == expected
        assert left_out == expected_left_out


def disjoint(document: GoldDocument) -> GoldDocument:
    """The document with only spans that share no token with an earlier one (the usual gold)."""
    starts, ends, _ = document.token_table()
    kept, reach = [], -1
    for span in document.spans:
        tokens = [t for t in range(len(starts)) if starts[t] < span.end and ends[t] > span.start]
        if tokens and tokens[0] > reach and span.start >= (kept[-1].end if kept else 0):
            kept.append(span)
            reach = tokens[-1]
    return replace(document, spans=tuple(kept), claim_links=(), reliability=document.reliability[:1])


def test_conll_shortcuts_give_the_general_tags_and_lines():
    """Spans with disjoint token ranges take the shortcut (no per-column rows, no ranking); documents are
    joined from pieces: the same tails, lines and counts as the general rules and the line-by-line text."""
    columns = {name: i for i, name in enumerate(LABELS)}
    lines = conll._Lines(LABELS)
    tag_cells = (["\tB-" + c for c in LABELS], ["\tI-" + c for c in LABELS], "\tO")
    priority = {name: rank for rank, name in enumerate(LABELS)}
    shortcuts = 0
    for document in [*corpus(), *map(disjoint, corpus())]:
        table = document.token_table()
        general = conll.general_tails(document, columns, table, tag_cells, lines.outside)
        left_out = general.pop()
        tails = conll._fast_tails(document, table, lines)
        if tails is not None:
            shortcuts += 1
            assert tails == general and left_out == 0
        assert conll.document_block(document, table, general) == conll.plain_block(document, table, general)
        assert conll2003.document_tags(document, priority) == conll2003.document_tags(document, priority, None, False)
    assert shortcuts > 300
    docs = [*corpus(), *map(disjoint, corpus())]
    expected = []
    for document in docs:
        (starts, ends, firsts), tails, _, _ = conll2003.document_tags(document, priority, None, False)
        expected.append(conll2003.DOCSTART + "\n\n")
        for low, high in zip(firsts, firsts[1:], strict=False):
            expected += [document.text[starts[t] : ends[t]] + tails[t] for t in range(low, high)] + ["\n"]
    assert "".join(get_writer("conll2003").write(iter(docs), CONTEXT, {})) == "".join(expected)


def test_token_tables_are_the_sentences_tokens():
    for document in corpus():
        for packed in (None, pack_tokens(document.text)):
            starts, ends, firsts = stored_token_table(document.text, packed)
            sentences = tokenize_sentences(document.text)
            assert firsts == [sum(map(len, sentences[:k])) for k in range(len(sentences) + 1)]
            assert starts == [t.start for s in sentences for t in s]
            assert ends == [t.end for s in sentences for t in s]


def test_gold_spans_are_immutable_records():
    span = GoldSpan(0, 3, "actor", "قال")
    assert span == GoldSpan(start=0, end=3, label="actor", text="قال", decision="accepted")
    assert span._replace(decided_by="x").decided_by == "x" and span.decided_by is None
    with pytest.raises(AttributeError):
        span.start = 1  # type: ignore[misc]
    assert document_2().spans == ()


def test_http_url_takes_its_shortcut_only_where_urlsplit_agrees():
    from urllib.parse import urlsplit

    from annotations.exporters._common import _PLAIN_HTTP_URL, http_url

    def by_urlsplit(url):
        if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
            return False
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)

    rng = random.Random(3)
    alphabet = [*"hHtTpPsS:/.?#@[]-_~%aZ09 \t", "é", "٣", "\uff03", "\u2100", ":80", "//", "https://", "http://"]
    urls = ["https://example.org/news/1", "HTTP://x", "https://", "https://:80/", "https://a:b@c/", "https://[::1]/"]
    urls += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    assert [http_url(url) for url in urls] == [by_urlsplit(url) for url in urls]
    assert sum(1 for url in urls if _PLAIN_HTTP_URL.match(url)) > 100  # the shortcut is taken


@pytest.mark.parametrize("form", ["%d", "\t%d", "%d\t", "%d\n# text = "])
def test_number_tables_hold_every_number_asked_for_and_grow_by_replacement(form):
    """The writers' number cells (`_common.formatted`, and its UTF-8 `_segments.number_table`): every
    number below the limit asked for, as `form % n`; a table a reader holds is never changed when a larger
    one is needed (another thread may be writing with it)."""
    from annotations.exporters import _common, _segments

    small = _common.formatted(form, 10)
    held = list(small)
    large = _common.formatted(form, len(small) + 5)
    assert len(large) >= len(small) + 5 and small == held
    assert large == [form % n for n in range(len(large))]
    table = _segments.number_table(form, len(large) + 1)
    assert len(table) >= len(large) + 1
    assert [table.data[s : s + n] for s, n in zip(table.starts[:50], table.lengths[:50], strict=True)] == [
        (form % n).encode() for n in range(50)
    ]
    last = len(table) - 1
    assert table.data[table.starts[last] :] == (form % last).encode()
