"""Each format on Arabic with tashkeel, an emoji, a bidi mark and overlapping spans: valid syntax, the
required fields, offsets that point at the same substrings, unchanged strings (but in CSV), and the
same bytes every time."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import jsonschema
import pytest

from annotations.exporters import FORMATS, get_writer
from annotations.exporters.conll import label_columns
from annotations.exporters.csv_spans import HEADER
from annotations.exporters.records import OFFSET_UNIT
from annotations.text.tokens import tokenize
from tests.exporters.samples import (
    CLAIM,
    CONTEXT,
    EVIL_LABEL,
    LABELS,
    TEXT_1,
    TEXT_2,
    document_1,
    document_2,
    documents,
)


def render(fmt, docs=None, stats=None) -> str:
    return "".join(get_writer(fmt).write(iter(documents() if docs is None else docs), CONTEXT, stats))


# --- JSONL --------------------------------------------------------------------------------------------------
def test_jsonl_one_document_per_line_with_the_contract_fields():
    lines = render("jsonl").split("\n")
    assert lines[-1] == "" and len(lines) == 3
    first, second = (json.loads(line) for line in lines[:2])
    for key in (
        "id",
        "text",
        "sha256",
        "source",
        "spans",
        "claim_links",
        "reliability",
        "agreement",
        "title",
        "url",
        "published_at",
        "external_id",
        "resolution",
    ):
        assert key in first, key
    assert first["text"] == TEXT_1 and first["sha256"] == hashlib.sha256(TEXT_1.encode()).hexdigest()
    assert first["resolution"] == "adjudicated"
    for item in first["spans"]:
        assert first["text"][item["start"] : item["end"]] == item["text"]
    assert first["spans"] == [
        {
            "start": s.start,
            "end": s.end,
            "label": s.label,
            "text": s.text,
            "decision": s.decision,
            "decided_by": "adjudicator",
            "votes": None,
        }
        for s in document_1().spans
    ]
    link = first["claim_links"][0]
    assert first["spans"][link["span"]]["text"] == "٣٠ جندياً" and link["stance"] == "refutes"
    assert link["claim"] == {
        "id": 7,
        "text": CLAIM.text,
        "verdict": "refuted",
        "rationale": CLAIM.rationale,
        "event_date": "2023-11-08",
        "place": "الرقة",
        "actor": "الجيش",
        "casualty_figure": 30,
        "verdict_date": "2024-01-02",
    }
    assert first["reliability"][0] == {
        "span": None,
        "source_reliability": "B",
        "credibility": 2,
        "code": "B2",
        "note": "\t=cmd|' /C calc'!A0",
        "decided_by": "adjudicator",
        "votes": None,
    }
    assert first["agreement"] == {"token_alpha": 0.5, "overlap_f1": None, "reviewers": 2}  # NaN -> null
    assert second["spans"] == [] and second["agreement"] is None and second["source"] is None
    assert second["url"] == "/data/upload/../../../../etc/passwd"  # data, carried unchanged


def test_jsonl_keeps_strings_unchanged_and_unescaped():
    line = render("jsonl").split("\n")[0]
    for value in ["-٣٠ قتيلاً", "@المرصد 👨‍👩‍👧", "+المرصد", "-مقتل جنود", "\u200fالرقة", "😢", "قَالَ"]:
        assert value in line  # raw UTF-8, not \u escapes
    first = json.loads(line)
    assert EVIL_LABEL in {s["label"] for s in first["spans"]}
    assert first["title"] == "-مقتل جنود" and first["source"] == "+المرصد"
    assert first["reliability"][0]["note"] == "\t=cmd|' /C calc'!A0"


def test_jsonl_escapes_line_separators_so_lines_split_on_newline_only():
    text = "سطر\u2028ثان\u2029ثالث\x85"
    doc = document_2(text=text, sha256=hashlib.sha256(text.encode()).hexdigest())
    out = render("jsonl", [doc])
    assert out.count("\n") == 1 and "\u2028" not in out and "\u2029" not in out and "\x85" not in out
    assert len(out.splitlines()) == 1
    assert json.loads(out)["text"] == text


# --- CoNLL --------------------------------------------------------------------------------------------------
def parse_conll(out: str):
    header = out.split("\n", 1)[0]
    assert header.startswith("# columns = ")
    columns = json.loads(header.removeprefix("# columns = "))
    docs, current, sentence = {}, None, None
    for line in out.split("\n")[1:]:
        if line.startswith("# doc_id = "):
            current = docs.setdefault(int(line.split(" = ")[1]), {"sentences": []})
        elif line.startswith("# sha256 = "):
            current["sha256"] = line.split(" = ")[1]
        elif line.startswith("# sent_id = "):
            sentence = []
            current["sentences"].append(sentence)
        elif line.startswith("# text = "):
            pass
        elif line:
            cells = line.split("\t")
            assert len(cells) == len(columns), line
            sentence.append(cells)
    return columns, docs


def test_conll_tokens_reassemble_the_text_and_tags_follow_the_spans():
    out = render("conll")
    columns, docs = parse_conll(out)
    assert columns == ["ID", "FORM", "START", "END", *LABELS]
    text_by_id = {11: TEXT_1, 12: TEXT_2}
    for doc_id, doc in docs.items():
        text = text_by_id[doc_id]
        tokens = [cells for sentence in doc["sentences"] for cells in sentence]
        assert [(t[1], int(t[2]), int(t[3])) for t in tokens] == [tuple(tok) for tok in tokenize(text)]
        for cells in tokens:
            assert text[int(cells[2]) : int(cells[3])] == cells[1]
        for sentence in doc["sentences"]:
            assert [int(cells[0]) for cells in sentence] == list(range(1, len(sentence) + 1))
    assert len(docs[11]["sentences"]) == 2  # the full stop, then the line break
    tokens = {}
    for sentence in docs[11]["sentences"]:
        for cells in sentence:
            tokens.setdefault(cells[1], cells)  # the first occurrence of each form
    col = {name: i for i, name in enumerate(columns)}
    assert tokens["الجَيْشُ"][col["actor"]] == "B-actor"
    assert tokens["٣٠"][col["casualty_figure"]] == "B-casualty_figure"
    assert tokens["جندياً"][col["casualty_figure"]] == "I-casualty_figure"
    # overlapping spans of different labels: each in its own column
    assert tokens["هجوم"][col["event"]] == "B-event" and tokens["الرقة"][col["event"]] == "I-event"
    assert tokens["الرقة"][col["place"]] == "B-place"
    assert tokens["😢"][col["event"]] == "B-event"
    # nested spans of one label: the outermost wins
    assert tokens["المرصد"][col["actor"]] == "B-actor"
    assert tokens["السوري"][col["actor"]] == "I-actor" and tokens["الإنسان"][col["actor"]] == "I-actor"
    # hostile label names are written unchanged
    assert tokens["@"][col[EVIL_LABEL]] == "B-" + EVIL_LABEL
    assert tokens["👨‍👩‍👧"][col[EVIL_LABEL]] == "I-" + EVIL_LABEL
    assert tokens["-"][col["casualty_figure"]] == "B-casualty_figure"
    assert tokens["-"][1] == "-" and f"\t{EVIL_LABEL}" not in out  # header is JSON, tags are B-/I-


def test_conll_counts_same_label_spans_it_cannot_show():
    stats = {}
    render("conll", stats=stats)
    assert stats["conll_spans_left_out"] == 1  # "المرصد السوري" inside the longer actor span
    kept, left_out = label_columns(document_1(), {name: i for i, name in enumerate(LABELS)})
    assert left_out == 1 and kept[0] == sorted(kept[0])


def test_conll_escapes_tabs_and_line_breaks_inside_label_names():
    from annotations.exporters.records import ExportContext, GoldSpan, LabelInfo

    label = "\t=1\nx"
    context = ExportContext("p", "P", (LabelInfo(label),))
    doc = document_2(spans=(GoldSpan(0, 3, label, TEXT_2[0:3]),))
    out = "".join(get_writer("conll").write([doc], context, None))
    assert "B-\\t=1\\nx" in out
    assert all(len(line.split("\t")) == 5 for line in out.split("\n") if line and not line.startswith("#"))


# --- Web Annotation -----------------------------------------------------------------------------------------
ANNOTATION = {
    "type": "object",
    "required": ["id", "type", "motivation", "body", "target"],
    "properties": {"type": {"const": "Annotation"}, "motivation": {"enum": ["tagging", "linking", "assessing"]}},
}
PAGE_SCHEMA = {
    "type": "object",
    "required": ["id", "type", "partOf", "startIndex", "items"],
    "properties": {
        "type": {"const": "AnnotationPage"},
        "startIndex": {"type": "integer", "minimum": 0},
        "items": {"type": "array", "minItems": 1, "maxItems": 1000, "items": ANNOTATION},
    },
}
COLLECTION_SCHEMA = {
    "type": "object",
    "required": ["id", "type", "total"],
    "properties": {"type": {"const": "AnnotationCollection"}, "total": {"type": "integer", "minimum": 0}},
}


def pages_of(out: str) -> tuple[dict, list[dict]]:
    """The collection and its pages, checked against the W3C model's MUSTs (ids, partOf, startIndex,
    next/prev, first/last/total)."""
    document = json.loads(out)
    assert document["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    *pages, collection = document["@graph"]
    jsonschema.validate(collection, COLLECTION_SCHEMA)
    start = 0
    for n, page in enumerate(pages):
        jsonschema.validate(page, PAGE_SCHEMA)
        assert page["partOf"] == collection["id"] and page["startIndex"] == start
        assert page["id"] == f"{collection['id']}:page:{n}"
        assert page.get("prev") == (pages[n - 1]["id"] if n else None)
        assert page.get("next") == (pages[n + 1]["id"] if n + 1 < len(pages) else None)
        start += len(page["items"])
    assert collection["total"] == start
    if pages:
        assert collection["first"] == pages[0]["id"] and collection["last"] == pages[-1]["id"]
    else:
        assert "first" not in collection and "last" not in collection
    # one page a line: a reader can stream the file
    assert len(out.split("\n")) == len(pages) + 3
    return collection, pages


def items_of(out: str) -> list[dict]:
    return [item for page in pages_of(out)[1] for item in page["items"]]


def test_web_annotation_is_json_ld_with_selectors_pointing_at_the_span_text():
    out = render("web-annotation")
    collection, pages = pages_of(out)
    assert collection["workbench:offsetUnit"] == OFFSET_UNIT and "code point" in OFFSET_UNIT
    items = items_of(out)
    tags = [item for item in items if item["motivation"] == "tagging"]
    doc = document_1()
    assert len(tags) == len(doc.spans)
    for item, span in zip(tags, doc.spans, strict=True):
        assert item["body"] == {"type": "TextualBody", "purpose": "tagging", "value": span.label}
        target = item["target"]
        assert target["source"] == "https://example.org/news/1" and target["workbench:textSha256"] == doc.sha256
        quote, position = target["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert TEXT_1[position["start"] : position["end"]] == quote["exact"] == span.text
        assert TEXT_1[: position["start"]].endswith(quote["prefix"]) and len(quote["prefix"]) <= 32
        assert TEXT_1[position["end"] :].startswith(quote["suffix"]) and len(quote["suffix"]) <= 32
    assert {item["body"]["value"] for item in tags} >= {EVIL_LABEL}  # unchanged
    ids = {item["id"] for item in items}
    assert len(ids) == len(items)
    links = [item for item in items if item["motivation"] == "linking"]
    assert len(links) == 3 and all(link["target"] in ids for link in links)
    claim, stance = links[0]["body"]
    assert claim["value"] == CLAIM.text and claim["id"] == "urn:workbench:claim:badia:7"
    assert stance == {"type": "TextualBody", "purpose": "classifying", "value": "refutes"}
    grades = [item for item in items if item["motivation"] == "assessing"]
    assert grades[0]["body"]["value"] == "B2" and grades[0]["target"] == "https://example.org/news/1"
    assert grades[1]["target"] in ids
    # a document whose url is not an absolute http(s) URL is named by the hash of its text
    empty = render("web-annotation", [document_2(spans=(document_1().spans[0].__class__(0, 3, "actor", TEXT_2[:3]),))])
    (only,) = items_of(empty)
    assert only["target"]["source"] == f"urn:workbench:document:{document_2().sha256}"


def test_web_annotation_pages_hold_at_most_1000_annotations():
    docs = [document_1(id=n) for n in range(1, 200)]  # 14 annotations each: 2,786
    stats = {}
    out = render("web-annotation", docs, stats)
    collection, pages = pages_of(out)
    assert [len(page["items"]) for page in pages] == [1000, 1000, 786]
    assert [page["startIndex"] for page in pages] == [0, 1000, 2000]
    assert collection["total"] == 2786 == stats["annotations"] and stats["annotation_pages"] == 3
    # exactly 1,000: one page, without next
    one = document_2(spans=(document_1().spans[0].__class__(0, 3, "actor", TEXT_2[:3]),))
    collection, pages = pages_of(render("web-annotation", [document_1(id=n) for n in range(71)] + [one] * 6))
    assert [len(page["items"]) for page in pages] == [1000] and "next" not in pages[0]
    assert collection["first"] == collection["last"] == pages[0]["id"]


def test_web_annotation_of_nothing_is_still_valid():
    collection, pages = pages_of(render("web-annotation", []))
    assert collection["total"] == 0 and pages == []


def test_web_annotation_jsonl_has_the_same_annotations_one_per_line_each_with_its_context():
    lines = render("web-annotation-jsonl").splitlines()
    items = [json.loads(line) for line in lines]
    assert all(item.pop("@context")[0] == "http://www.w3.org/ns/anno.jsonld" for item in items)
    assert items == items_of(render("web-annotation"))


# --- ClaimReview --------------------------------------------------------------------------------------------
def test_claimreview_reviews_claims_with_a_verdict():
    graph = json.loads(render("claimreview"))
    assert graph["@context"][0] == "https://schema.org"
    reviews = graph["@graph"]
    assert [r["claimReviewed"] for r in reviews] == [CLAIM.text, "@SUM(1) ادعاء"]  # not the unverified one
    refuted, unverifiable = reviews
    assert refuted["@type"] == "ClaimReview" and refuted["datePublished"] == "2024-01-02"
    # Google's required properties: claimReviewed, reviewRating (with ratingValue or alternateName), url
    assert refuted["url"] == "https://workbench.example.org/claims/7/"
    assert refuted["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 3,
        "worstRating": 1,
        "alternateName": "refuted",
        "name": "False",
        "ratingExplanation": CLAIM.rationale,
    }
    # recommended: author (Organization with name and url), datePublished, itemReviewed (a Claim with
    # author, datePublished, firstAppearance and appearance)
    assert refuted["author"] == {
        "@type": "Organization",
        "name": "أخبار البادية",
        "url": "https://workbench.example.org/",
    }
    item = refuted["itemReviewed"]
    assert item["@type"] == "Claim" and item["temporalCoverage"] == "2023-11-08"
    assert item["author"] == {"@type": "Organization", "name": "+المرصد", "url": "https://example.org/"}
    assert item["datePublished"] == "2023-11-08T10:00:00+00:00"
    assert item["firstAppearance"] == item["appearance"][0]
    (appearance,) = item["appearance"]
    assert appearance["url"] == "https://example.org/news/1" and appearance["headline"] == "-مقتل جنود"
    assert appearance["publisher"] == {"@type": "Organization", "name": "+المرصد", "url": "https://example.org/"}
    (evidence,) = appearance["workbench:evidence"]
    assert evidence["workbench:stance"] == "refutes"
    assert TEXT_1[evidence["workbench:start"] : evidence["workbench:end"]] == evidence["workbench:quote"] == "٣٠ جندياً"
    assert unverifiable["reviewRating"]["ratingValue"] == 2  # the middle of the scale, named apart from "mixed"
    assert unverifiable["reviewRating"]["alternateName"] == "unverifiable"
    assert unverifiable["reviewRating"]["name"] == "Unverifiable"
    assert json.loads(render("claimreview", []))["@graph"] == []


# --- CSV ----------------------------------------------------------------------------------------------------
def read_csv(out: str) -> list[list[str]]:
    assert out.startswith("\ufeff")
    return list(csv.reader(io.StringIO(out.removeprefix("\ufeff"), newline="")))


def test_csv_neutralizes_formula_starts_with_exactly_one_quote():
    out = render("csv")
    assert "\r\n" in out
    rows = read_csv(out)
    assert rows[0] == HEADER
    body = [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]
    assert len(body) == len(document_1().spans) + 1  # the document without spans gets one row
    labels = {row["label"] for row in body}
    assert "'" + EVIL_LABEL in labels and EVIL_LABEL not in labels
    texts = {row["text"] for row in body}
    assert "'-٣٠ قتيلاً" in texts and "'@المرصد 👨‍👩‍👧" in texts and "الجَيْشُ" in texts
    first = body[0]
    assert first["title"] == "'-مقتل جنود" and first["source"] == "'+المرصد"
    assert first["outlet_grade"] == "B2" and first["outlet_grade_note"] == "'\t=cmd|' /C calc'!A0"
    for row in body:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\0")), value
            assert not value.startswith("''")
    # offsets still point at the (un-neutralized) text
    for row in body[:-1]:
        text = row["text"][1:] if row["text"].startswith("'") else row["text"]
        assert TEXT_1[int(row["start"]) : int(row["end"])] == text


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "\0x", "-٣٠ قتيلاً"]
)
def test_every_formula_start_round_trips_through_csv_reader_with_one_quote(value):
    from annotations.exporters.records import ExportContext, GoldSpan, LabelInfo

    text = f"نص {value} نهاية"
    start = text.index(value)
    doc = document_2(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        spans=(GoldSpan(start, start + len(value), value, value),),
    )
    context = ExportContext("p", "P", (LabelInfo(value),))
    out = "".join(get_writer("csv").write([doc], context, None))
    row = dict(zip(HEADER, read_csv(out)[1], strict=True))
    assert row["label"] == "'" + value and row["text"] == "'" + value
    if '"' in value:
        assert '""http://evil""' in out  # RFC 4180: embedded quotes doubled
    # and every other format keeps it unchanged
    assert json.loads("".join(get_writer("jsonl").write([doc], context, None)))["spans"][0]["label"] == value
    annotations_ = items_of("".join(get_writer("web-annotation").write([doc], context, None)))
    assert annotations_[0]["body"]["value"] == value and annotations_[0]["target"]["selector"][0]["exact"] == value


# --- all formats --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_gold_gives_the_same_bytes(fmt):
    first = render(fmt).encode()
    second = render(fmt).encode()
    assert first == second and hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert b"\r\n" not in first or fmt == "csv"


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_stream_one_document_at_a_time(fmt, monkeypatch):
    """A writer never asks for more than one document ahead of what it has yielded (constant memory),
    except ClaimReview, which groups by claim and keeps only small per-link entries, and the CoNLL formats,
    which lay out a batch of documents together: at most BATCH_CHARACTERS of text (here one document's)."""
    from annotations.exporters import conll, conll2003

    monkeypatch.setattr(conll, "BATCH_CHARACTERS", 1)
    monkeypatch.setattr(conll2003, "BATCH_CHARACTERS", 1)
    pulled = []

    def source():
        for doc in documents() * 3:
            pulled.append(doc.id)
            yield doc

    writer = get_writer(fmt).write(source(), CONTEXT, None)
    next(writer)  # the header / opening
    if fmt not in ("claimreview", "web-annotation"):  # Web Annotation: one page (<= 1,000 annotations)
        next(writer)
        # web-annotation-jsonl yields nothing for the second document (it has no annotation)
        assert len(pulled) <= (3 if fmt == "web-annotation-jsonl" else 2)
    assert "".join(writer)


# --- manifest and dataset card ------------------------------------------------------------------------------
def test_the_card_front_matter_is_yaml_that_hugging_face_reads():
    import yaml

    from annotations.exporters.manifest import Counts, build_manifest, counted, dataset_card

    counts = Counts()
    list(counted(documents(), counts))
    writer = get_writer("jsonl")
    files = [
        {"name": "gold.train.jsonl", "role": "data", "split": "train", "sha256": "0" * 64, "bytes": 1},
        {"name": "gold.test.jsonl", "role": "data", "split": "test", "sha256": "1" * 64, "bytes": 1},
    ]
    manifest = build_manifest(
        context=CONTEXT,
        writer=writer,
        counts=counts.as_dict(CONTEXT.label_names),
        files=files,
        agreement=None,
        exported_at="2024-01-01T00:00:00+00:00",
        code_version="test",
    )
    card = dataset_card(manifest)
    assert card.startswith("---\n")
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["license"] == "other" and meta["language"] == ["ar"]
    assert meta["task_categories"] == ["token-classification"] and meta["size_categories"] == ["n<1K"]
    assert meta["pretty_name"] == "Gold annotations: أخبار البادية"
    assert meta["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "gold.train.jsonl"},
                {"split": "test", "path": "gold.test.jsonl"},
            ],
        }
    ]
    assert manifest["label_schema"]["bio_tags"] == ["O"] + [f"{p}-{name}" for name in LABELS for p in "BI"]
    assert manifest["record_schema"]["properties"]["spans"]["items"]["properties"]["label"] == {"enum": list(LABELS)}
