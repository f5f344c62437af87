"""Gold JSONL: one document a line (the format of the external contract, and of `import_gold`).

Each line is a JSON object with its keys in a fixed order::

    {"id", "sha256", "title", "source", "source_domain", "url", "published_at", "external_id",
     "resolution", "adjudicator", "reviewers", "text",
     "spans": [{"start", "end", ["start_utf16", "end_utf16",] "label", "text", "decision", "decided_by",
                "votes"}],
     "claim_links": [{"span", "start", "end", ["start_utf16", "end_utf16",] "label",
                      "claim": {"id", "text", "verdict", "rationale", "event_date", "place", "actor",
                                "casualty_figure", "verdict_date"},
                      "stance", "decided_by", "votes"}],
     "reliability": [{"span", "source_reliability", "credibility", "code", "note", "decided_by", "votes"}],
     "agreement": {"token_alpha", "overlap_f1", "reviewers"} or null}

`span` in a claim link or a grade is the index of the span in `spans` (null for the outlet grade).
Every record has the same keys (so column-typed readers such as Hugging Face `datasets` infer one
type): `reviewers` (k) and `votes` are numbers for majority-resolved documents (`"resolution":
"majority"`) and null otherwise. With the UTF-16 option (`--utf16-offsets`) spans and claim links also
carry `start_utf16`/`end_utf16`: the same boundaries in UTF-16 code units (JavaScript string indices),
next to the code point offsets `start`/`end`. The JSON Schema of a record is `schema.record_schema`.
Strings are written unchanged (UTF-8, not \\u-escaped),
except U+2028, U+2029 and U+0085, which are \\u-escaped so that the file splits on "\\n" alone.
`id` and claim ids are the exporting project's database ids; everything else is project-independent.

`read_documents` parses such a file back (used by `import_gold`), refusing any bad line with
ImportLineError(path, line, message).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator
from operator import attrgetter

from annotations.errors import ImportLineError

from ._common import Cached, encode, finite, json_plain, json_string, json_value, line_safe, numbers
from .records import (
    ADJUDICATED,
    MAJORITY,
    ClaimRecord,
    ExportContext,
    GoldClaimLink,
    GoldDocument,
    GoldReliability,
    GoldSpan,
    utf16_converter,
)

_TEXT = attrgetter("text")  # of a GoldSpan

NAME = "jsonl"
EXTENSION = "jsonl"
MEDIA_TYPE = "application/x-ndjson"
TITLE = "Gold JSON Lines"
NOTES = (
    "One JSON object per line (UTF-8, `\\n` line ends), one line per document, documents in id order. "
    "Spans carry `start`, `end` (code points), `label` and `text`; claim links and Admiralty grades point at "
    "spans by their index in `spans`; `agreement` is the document's token alpha and overlap F1 from the "
    "latest agreement run (null when there is none)."
)


def claim_object(claim: ClaimRecord) -> dict:
    return {
        "id": claim.id,
        "text": claim.text,
        "verdict": claim.verdict,
        "rationale": claim.rationale,
        "event_date": claim.event_date,
        "place": claim.place,
        "actor": claim.actor,
        "casualty_figure": claim.casualty_figure,
        "verdict_date": claim.verdict_date,
    }


def _link_objects(document: GoldDocument, majority: bool, utf16) -> list[dict]:
    links = []
    for link in document.claim_links:
        target = document.spans[link.span]
        item = {"span": link.span, "start": target.start, "end": target.end}
        if utf16 is not None:
            item["start_utf16"] = utf16(target.start)
            item["end_utf16"] = utf16(target.end)
        item.update(
            {
                "label": target.label,
                "claim": claim_object(link.claim),
                "stance": link.stance,
                "decided_by": link.decided_by,
                "votes": link.votes if majority else None,
            }
        )
        links.append(item)
    return links


def _grade_objects(document: GoldDocument, majority: bool) -> list[dict]:
    return [
        {
            "span": grade.span,
            "source_reliability": grade.source_reliability,
            "credibility": grade.credibility,
            "code": grade.code,
            "note": grade.note,
            "decided_by": grade.decided_by,
            "votes": grade.votes if majority else None,
        }
        for grade in document.reliability
    ]


def _agreement_object(document: GoldDocument) -> dict | None:
    if document.agreement is None:
        return None
    return {
        "token_alpha": finite(document.agreement.get("token_alpha")),
        "overlap_f1": finite(document.agreement.get("overlap_f1")),
        "reviewers": document.agreement.get("reviewers"),
    }


def _note_objects(document: GoldDocument) -> list[dict]:
    return [
        {"kind": n.kind, "note": n.note, "start": n.start, "end": n.end, "label": n.label}
        for n in document.review_notes
    ]


def document_object(document: GoldDocument, utf16_offsets: bool = False) -> dict:
    """The record of one document; the same keys in every record (`votes` and `reviewers` are null when
    the document is not majority-resolved), plus start_utf16/end_utf16 in every span and claim link
    with `utf16_offsets`. `write` writes exactly `dumps(document_object(...))`, built faster (`document_line`)."""
    majority = document.resolution == MAJORITY
    utf16 = utf16_converter(document.text) if utf16_offsets else None
    spans = []
    for span in document.spans:
        item = {"start": span.start, "end": span.end}
        if utf16 is not None:
            item["start_utf16"] = utf16(span.start)
            item["end_utf16"] = utf16(span.end)
        item.update(
            {
                "label": span.label,
                "text": span.text,
                "decision": span.decision,
                "decided_by": span.decided_by,
                "votes": span.votes if majority else None,
            }
        )
        spans.append(item)
    record = {
        "id": document.id,
        "sha256": document.sha256,
        "title": document.title,
        "source": document.source,
        "source_domain": document.source_domain,
        "url": document.url,
        "published_at": document.published_at,
        "external_id": document.external_id,
        "resolution": document.resolution,
        "adjudicator": document.adjudicator,
        "reviewers": document.reviewers if majority else None,
    }
    record.update(
        {
            "text": document.text,
            "spans": spans,
            "claim_links": _link_objects(document, majority, utf16),
            "reliability": _grade_objects(document, majority),
            "agreement": _agreement_object(document),
        }
    )
    if document.review_notes:  # only when there are some: files without notes stay as they were
        record["review_notes"] = _note_objects(document)
    return record


class _Columns:
    """The JSON text of the values that repeat across spans (labels, decisions, names): one encoding each."""

    def __init__(self):
        self.labels = Cached()
        self.decisions = Cached()
        self.names = Cached()


def document_line(document: GoldDocument, utf16_offsets: bool = False, columns: _Columns | None = None) -> str:
    """`dumps(document_object(document, utf16_offsets))`, byte for byte, without building the dicts of the
    spans (most of a record): each value is written as `dumps` writes it (`_common.json_value`)."""
    columns = columns or _Columns()
    labels, decisions, names = columns.labels, columns.decisions, columns.names
    majority = document.resolution == MAJORITY
    value = json_value
    nums = numbers(len(document.text) + 1)
    # GoldSpan is (start, end, label, text, decision, decided_by, votes): unpacked, not looked up by name
    if utf16_offsets:
        utf16 = utf16_converter(document.text)
        spans = [
            f'{{"start":{nums[start]},"end":{nums[end]},"start_utf16":{utf16(start)},"end_utf16":{utf16(end)},'
            f'"label":{labels[label]},"text":{json_string(text)},"decision":{decisions[decision]},"decided_by":'
            f'{names[decided_by]},"votes":{value(votes) if majority else "null"}}}'
            for start, end, label, text, decision, decided_by, votes in document.spans
        ]
    elif json_plain("".join(map(_TEXT, document.spans))):  # no span text needs escaping: quotes only
        utf16 = None
        spans = [
            f'{{"start":{nums[start]},"end":{nums[end]},"label":{labels[label]},"text":"{text}",'
            f'"decision":{decisions[decision]},"decided_by":{names[decided_by]},'
            f'"votes":{value(votes) if majority else "null"}}}'
            for start, end, label, text, decision, decided_by, votes in document.spans
        ]
    else:
        utf16 = None
        spans = [
            f'{{"start":{nums[start]},"end":{nums[end]},"label":{labels[label]},"text":{json_string(text)},'
            f'"decision":{decisions[decision]},"decided_by":{names[decided_by]},'
            f'"votes":{value(votes) if majority else "null"}}}'
            for start, end, label, text, decision, decided_by, votes in document.spans
        ]
    head = {
        "id": document.id,
        "sha256": document.sha256,
        "title": document.title,
        "source": document.source,
        "source_domain": document.source_domain,
        "url": document.url,
        "published_at": document.published_at,
        "external_id": document.external_id,
        "resolution": document.resolution,
        "adjudicator": document.adjudicator,
        "reviewers": document.reviewers if majority else None,
        "text": document.text,
    }
    line = (
        f'{encode(head)[:-1]},"spans":[{",".join(spans)}],"claim_links":'
        f"{encode(_link_objects(document, majority, utf16)) if document.claim_links else '[]'},"
        f'"reliability":{encode(_grade_objects(document, majority)) if document.reliability else "[]"},'
        f'"agreement":{"null" if document.agreement is None else encode(_agreement_object(document))}'
    )
    if document.review_notes:
        line += f',"review_notes":{encode(_note_objects(document))}'
    return line_safe(line + "}")


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    utf16_offsets = bool(context.options.get("utf16_offsets"))
    columns = _Columns()
    for document in documents:
        yield document_line(document, utf16_offsets, columns) + "\n"


body = write  # a document's line depends on no other document: runs of documents can be written apart


# --- reading it back (import_gold) ---------------------------------------------------------------------------
STANCES = ("supports", "refutes", "mentions")
VERDICTS = ("unverified", "supported", "refuted", "mixed", "unverifiable")
GRADES = "ABCDEF"
DECISIONS = ("accepted", "edited", "added", "majority")


class _Bad(ValueError):
    pass


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise _Bad(message)


def _int(value, what: str) -> int:
    _need(isinstance(value, int) and not isinstance(value, bool), f"{what} must be an integer")
    return value


def _str(value, what: str, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    _need(isinstance(value, str), f"{what} must be a string")
    return value


def _opt_str(value, what: str) -> str | None:
    if value is None:
        return None
    _need(isinstance(value, str), f"{what} must be a string or null")
    return value


def _votes(value: dict, where: str, key: str = "votes") -> int | None:
    if value.get(key) is None:
        return None
    _need(_int(value[key], f"{where}.{key}") >= 0, f"{where}.{key} is negative")
    return value[key]


def _claim(value, where: str) -> ClaimRecord:
    _need(isinstance(value, dict), f"{where}.claim must be an object")
    text = _str(value.get("text"), f"{where}.claim.text", optional=False)
    _need(bool(text.strip()), f"{where}.claim.text is empty")
    verdict = value.get("verdict", "unverified")
    _need(verdict in VERDICTS, f"{where}.claim.verdict must be one of {', '.join(VERDICTS)}")
    figure = value.get("casualty_figure")
    if figure is not None:
        _need(_int(figure, f"{where}.claim.casualty_figure") >= 0, f"{where}.claim.casualty_figure is negative")
    claim_id = value.get("id")
    return ClaimRecord(
        id=_int(claim_id, f"{where}.claim.id") if claim_id is not None else 0,
        text=text,
        verdict=verdict,
        rationale=_str(value.get("rationale"), f"{where}.claim.rationale"),
        event_date=_opt_str(value.get("event_date"), f"{where}.claim.event_date"),
        place=_str(value.get("place"), f"{where}.claim.place"),
        actor=_str(value.get("actor"), f"{where}.claim.actor"),
        casualty_figure=figure,
        verdict_date=_opt_str(value.get("verdict_date"), f"{where}.claim.verdict_date"),
    )


def parse_document(value) -> GoldDocument:
    """One parsed JSON line -> GoldDocument; ValueError saying what is wrong."""
    _need(isinstance(value, dict), "not a JSON object")
    text = _str(value.get("text"), "text", optional=False)
    _need(bool(text), "text is empty")
    _need(unicodedata.is_normalized("NFC", text), "text is not NFC-normalized (offsets would not match)")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if value.get("sha256") is not None:
        _need(value.get("sha256") == digest, "sha256 does not match the text")
    resolution = value.get("resolution", ADJUDICATED)
    _need(resolution in (ADJUDICATED, MAJORITY), "resolution must be 'adjudicated' or 'majority'")
    raw_spans = value.get("spans", [])
    _need(isinstance(raw_spans, list), "spans must be a list")
    spans = []
    seen = set()
    for i, raw in enumerate(raw_spans):
        where = f"spans[{i}]"
        _need(isinstance(raw, dict), f"{where} must be an object")
        start, end = _int(raw.get("start"), f"{where}.start"), _int(raw.get("end"), f"{where}.end")
        _need(0 <= start < end <= len(text), f"{where}: offsets [{start}, {end}) are not within the text")
        label = _str(raw.get("label"), f"{where}.label", optional=False)
        _need(bool(label), f"{where}.label is empty")
        span_text = _str(raw.get("text"), f"{where}.text", optional=False)
        _need(span_text == text[start:end], f"{where}.text differs from text[{start}:{end}]")
        decision = raw.get("decision", "accepted")
        _need(decision in DECISIONS, f"{where}.decision must be one of {', '.join(DECISIONS)}")
        _need((start, end, label) not in seen, f"{where} repeats a span")
        seen.add((start, end, label))
        spans.append(
            GoldSpan(
                start,
                end,
                label,
                span_text,
                decision,
                _opt_str(raw.get("decided_by"), f"{where}.decided_by"),
                _votes(raw, where),
            )
        )
    raw_links = value.get("claim_links", [])
    _need(isinstance(raw_links, list), "claim_links must be a list")
    links = []
    linked = set()
    for i, raw in enumerate(raw_links):
        where = f"claim_links[{i}]"
        _need(isinstance(raw, dict), f"{where} must be an object")
        index = _int(raw.get("span"), f"{where}.span")
        _need(0 <= index < len(spans), f"{where}.span is not an index into spans")
        stance = raw.get("stance")
        _need(stance in STANCES, f"{where}.stance must be one of {', '.join(STANCES)}")
        claim = _claim(raw.get("claim"), where)
        _need((index, claim.id or claim.text) not in linked, f"{where} links the same span and claim twice")
        linked.add((index, claim.id or claim.text))
        links.append(
            GoldClaimLink(
                index, claim, stance, _opt_str(raw.get("decided_by"), f"{where}.decided_by"), _votes(raw, where)
            )
        )
    raw_grades = value.get("reliability", [])
    _need(isinstance(raw_grades, list), "reliability must be a list")
    grades = []
    graded = set()
    for i, raw in enumerate(raw_grades):
        where = f"reliability[{i}]"
        _need(isinstance(raw, dict), f"{where} must be an object")
        index = raw.get("span")
        if index is not None:
            _need(0 <= _int(index, f"{where}.span") < len(spans), f"{where}.span is not an index into spans")
        _need(index not in graded, f"{where} grades the same {'span' if index is not None else 'outlet'} twice")
        graded.add(index)
        letter = raw.get("source_reliability")
        _need(
            isinstance(letter, str) and len(letter) == 1 and letter in GRADES,
            f"{where}.source_reliability must be one of A-F",
        )
        credibility = _int(raw.get("credibility"), f"{where}.credibility")
        _need(1 <= credibility <= 6, f"{where}.credibility must be 1-6")
        grades.append(
            GoldReliability(
                letter,
                credibility,
                index,
                _str(raw.get("note"), f"{where}.note"),
                _opt_str(raw.get("decided_by"), f"{where}.decided_by"),
                _votes(raw, where),
            )
        )
    published_at = _opt_str(value.get("published_at"), "published_at")
    agreement = value.get("agreement")
    if agreement is not None:
        _need(isinstance(agreement, dict), "agreement must be an object or null")
        for key in ("token_alpha", "overlap_f1"):
            item = agreement.get(key)
            _need(
                item is None or (isinstance(item, (int, float)) and not isinstance(item, bool)),
                f"agreement.{key} must be a number or null",
            )
        agreement = {
            "token_alpha": agreement.get("token_alpha"),
            "overlap_f1": agreement.get("overlap_f1"),
            "reviewers": _votes(agreement, "agreement", key="reviewers"),
        }
    doc_id = value.get("id")
    return GoldDocument(
        id=_int(doc_id, "id") if doc_id is not None else 0,
        text=text,
        sha256=digest,
        title=_str(value.get("title"), "title"),
        source=_opt_str(value.get("source"), "source"),
        source_domain=_str(value.get("source_domain"), "source_domain"),
        url=_str(value.get("url"), "url"),
        published_at=published_at,
        external_id=_str(value.get("external_id"), "external_id"),
        resolution=resolution,
        adjudicator=_opt_str(value.get("adjudicator"), "adjudicator"),
        reviewers=_votes(value, "document", key="reviewers"),
        spans=tuple(spans),
        claim_links=tuple(links),
        reliability=tuple(grades),
        agreement=agreement,
    )


def read_documents(lines: Iterable[bytes | str], path: str) -> Iterator[tuple[int, GoldDocument]]:
    """Parses gold JSONL lines (split on "\\n" only) into (line number, document); blank lines are skipped."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportLineError(path, number, f"not valid UTF-8 at byte {exc.start}") from None
        if number == 1:
            raw = raw.removeprefix("\ufeff")
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportLineError(path, number, f"invalid JSON ({exc.msg})") from None
        try:
            document = parse_document(value)
        except ValueError as exc:
            raise ImportLineError(path, number, str(exc)) from None
        yield number, document
