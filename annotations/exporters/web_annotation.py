"""W3C Web Annotation (JSON-LD): an AnnotationCollection and its AnnotationPages, in one file.

Context: the published W3C context http://www.w3.org/ns/anno.jsonld, i.e. the Web Annotation Data Model
and Vocabulary, W3C Recommendation of 23 February 2017 (CONTEXT_VERSION), plus a `workbench:` prefix for
our own properties. The file is one JSON object (valid JSON, valid JSON-LD), one page a line::

    {"@context": [...], "@graph": [
    {"id": "urn:workbench:export:<slug>:page:0", "type": "AnnotationPage",
     "partOf": "urn:workbench:export:<slug>", "startIndex": 0, "next": "…:page:1", "items": [ ≤ 1,000 ]},
    {"id": "…:page:1", …, "startIndex": 1000, "prev": "…:page:0", "items": [ … ]},
    {"id": "urn:workbench:export:<slug>", "type": "AnnotationCollection", "label": <project name>,
     "workbench:offsetUnit": "Unicode code points …", "workbench:textNormalization": "NFC",
     "total": <annotations>, "first": "…:page:0", "last": "…:page:N"}]}

Pages hold at most PAGE_SIZE (1,000) annotations; every page has its IRI, `partOf`, `startIndex`
(0-based), `next` except the last and `prev` except the first; the collection (the last entry of the
graph, because its `total` and `last` are known only once every page is written) has `first`, `last`
and `total` (without annotations: `total` 0 and no pages). A reader can stream the file a line at a
time; `web-annotation-jsonl` writes the same annotations one per line instead.

Items, per document in id order:

* every gold span: motivation "tagging", body a TextualBody {"purpose": "tagging", "value": <label>},
  target {"source": <document IRI>, "selector": [TextQuoteSelector {exact, prefix, suffix (up to 32
  code points each)}, TextPositionSelector {start, end}]}. The document IRI is its URL when that is an
  absolute http(s) URL, else urn:workbench:document:<sha256 of the NFC text>; the target also carries
  "workbench:textSha256" so that positions are tied to one exact text. Positions are Unicode code
  points of the NFC text (stated once at the top, `workbench:offsetUnit`; W3C leaves "character"
  ambiguous, w3c/web-annotation#206), and the quote selector lets consumers re-anchor.
* every gold claim link: motivation "linking", target the span annotation's id, body [the claim as a
  TextualBody {"id": urn:workbench:claim:<project>:<id>, "purpose": "linking", "value": claim text},
  the stance as a TextualBody {"purpose": "classifying", "value": supports|refutes|mentions}].
* every gold Admiralty grade: motivation "assessing", body a TextualBody {"purpose": "assessing",
  "value": e.g. "B2"}, target the document (outlet grade) or the span annotation (a quoted source).

Annotation ids are urn:workbench:document:<sha256>:span:<n> (n = the span's index in the document's
gold), …:link:<n> and …:grade:<n>: stable across re-exports and projects. Strings are unchanged.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import accumulate
from operator import attrgetter

from ._common import Cached, document_urn, dumps, http_url, json_plain, json_string, line_safe, numbers
from .records import MAJORITY, OFFSET_UNIT, ExportContext, GoldDocument

NAME = "web-annotation"
EXTENSION = "jsonld"
MEDIA_TYPE = "application/ld+json"
TITLE = "W3C Web Annotation (JSON-LD)"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_VERSION = "Web Annotation Data Model and Vocabulary, W3C Recommendation 23 February 2017"
CONTEXT = [ANNO_CONTEXT, {"workbench": "urn:workbench:vocab#"}]
QUOTE_CONTEXT = 32
PAGE_SIZE = 1000
NOTES = (
    f"JSON-LD with the published W3C context {ANNO_CONTEXT} ({CONTEXT_VERSION}). One file: its `@graph` "
    f"lists AnnotationPages of at most {PAGE_SIZE} annotations, one page a line (each with its IRI `id`, "
    "`partOf`, `startIndex`, `next`/`prev`), then the AnnotationCollection (`first`, `last`, `total`). The "
    "annotations: gold spans "
    "(motivation `tagging`, label as a TextualBody, target with a TextQuoteSelector and a "
    "TextPositionSelector), claim links (motivation `linking`, body the claim and the stance, target the "
    "span annotation) and Admiralty grades (motivation `assessing`). TextPositionSelector start/end are "
    "Unicode code points into the NFC text (`workbench:offsetUnit`), not UTF-16 units."
)


_LABEL = attrgetter("label")
_EXACT = attrgetter("text")


def _line_like(text: str) -> bool:
    return "\u2028" in text or "\u2029" in text or "\x85" in text


def _source(document: GoldDocument) -> str:
    return document.url if http_url(document.url) else document_urn(document.sha256)


def _link_item(document: GoldDocument, context: ExportContext, n: int, link, span_ids: list[str], extra: dict) -> dict:
    return {
        "id": f"{document_urn(document.sha256)}:link:{n}",
        "type": "Annotation",
        "motivation": "linking",
        "body": [
            {
                "id": f"urn:workbench:claim:{context.project_slug}:{link.claim.id}",
                "type": "TextualBody",
                "purpose": "linking",
                "value": link.claim.text,
            },
            {"type": "TextualBody", "purpose": "classifying", "value": link.stance},
        ],
        "target": span_ids[link.span],
        **extra,
    }


def _grade_item(document: GoldDocument, n: int, grade, source: str, span_ids: list[str], extra: dict) -> dict:
    return {
        "id": f"{document_urn(document.sha256)}:grade:{n}",
        "type": "Annotation",
        "motivation": "assessing",
        "body": {"type": "TextualBody", "purpose": "assessing", "value": grade.code},
        "target": source if grade.span is None else span_ids[grade.span],
        **extra,
    }


def document_items(document: GoldDocument, context: ExportContext) -> Iterator[dict]:
    """The document's annotations as dicts; the writers write `document_item_texts`, their JSON."""
    base = document_urn(document.sha256)
    source = _source(document)
    text = document.text
    extra = {"workbench:resolution": MAJORITY} if document.resolution == MAJORITY else {}
    span_ids = []
    for n, span in enumerate(document.spans):
        span_id = f"{base}:span:{n}"
        span_ids.append(span_id)
        yield {
            "id": span_id,
            "type": "Annotation",
            "motivation": "tagging",
            "body": {"type": "TextualBody", "purpose": "tagging", "value": span.label},
            "target": {
                "source": source,
                "workbench:textSha256": document.sha256,
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": span.text,
                        "prefix": text[max(0, span.start - QUOTE_CONTEXT) : span.start],
                        "suffix": text[span.end : span.end + QUOTE_CONTEXT],
                    },
                    {"type": "TextPositionSelector", "start": span.start, "end": span.end},
                ],
            },
            **extra,
        }
    for n, link in enumerate(document.claim_links):
        yield _link_item(document, context, n, link, span_ids, extra)
    for n, grade in enumerate(document.reliability):
        yield _grade_item(document, n, grade, source, span_ids, extra)


def document_item_texts(
    document: GoldDocument, context: ExportContext, labels: Cached | None = None, opening: str = "{"
) -> list[str]:
    """`[dumps(item) for item in document_items(document, context)]`, byte for byte (tests compare the
    two), without building the dicts of the span annotations (almost all of them): their JSON is written
    from pieces, each as `dumps` writes it (`_common.json_string`). With `opening` (the text before the
    first key, "{"), each text starts with it instead: `web-annotation-jsonl` puts its "@context" there."""
    labels = Cached() if labels is None else labels
    base = document_urn(document.sha256)
    source = _source(document)
    text = document.text
    spans = document.spans
    majority = document.resolution == MAJORITY
    extra = {"workbench:resolution": MAJORITY} if majority else {}
    tail = ',"workbench:resolution":"majority"}' if majority else "}"
    # every piece that is the same for all the document's spans, encoded once
    head = f'{opening}"id":{json_string(base)[:-1]}:span:'  # the id's closing quote follows the span's number
    target = f',"target":{{"source":{json_string(source)},"workbench:textSha256":{json_string(document.sha256)},'
    target += '"selector":[{"type":"TextQuoteSelector","exact":'
    nums = numbers(len(text) + len(spans) + 1)
    if json_plain(text) and json_plain("".join(map(_EXACT, spans))):  # no piece needs escaping: quotes only
        texts = [
            f'{head}{nums[n]}","type":"Annotation","motivation":"tagging","body":{{"type":"TextualBody",'
            f'"purpose":"tagging","value":{labels[label]}}}{target}"{exact}","prefix":'
            f'"{text[start - QUOTE_CONTEXT if start > QUOTE_CONTEXT else 0 : start]}",'
            f'"suffix":"{text[end : end + QUOTE_CONTEXT]}"}},{{"type":"TextPositionSelector",'
            f'"start":{nums[start]},"end":{nums[end]}}}]}}{tail}'
            for n, (start, end, label, exact, _, _, _) in enumerate(spans)
        ]
    else:
        texts = [  # a GoldSpan is (start, end, label, text, decision, decided_by, votes)
            f'{head}{nums[n]}","type":"Annotation","motivation":"tagging","body":{{"type":"TextualBody",'
            f'"purpose":"tagging","value":{labels[label]}}}{target}{json_string(exact)},"prefix":'
            f"{json_string(text[start - QUOTE_CONTEXT if start > QUOTE_CONTEXT else 0 : start])},"
            f'"suffix":{json_string(text[end : end + QUOTE_CONTEXT])}}},{{"type":"TextPositionSelector",'
            f'"start":{nums[start]},"end":{nums[end]}}}]}}{tail}'
            for n, (start, end, label, exact, _, _, _) in enumerate(spans)
        ]
    # the only strings in them that may hold one: pieces of the text, the source, the labels
    if _line_like(text) or _line_like(source) or _line_like("".join(map(_LABEL, spans))):
        texts = list(map(line_safe, texts))
    if document.claim_links or document.reliability:
        span_ids = [f"{base}:span:{n}" for n in range(len(spans))]
        for n, link in enumerate(document.claim_links):
            texts.append(opening + dumps(_link_item(document, context, n, link, span_ids, extra))[1:])
        for n, grade in enumerate(document.reliability):
            texts.append(opening + dumps(_grade_item(document, n, grade, source, span_ids, extra))[1:])
    return texts


def collection_id(context: ExportContext) -> str:
    return f"urn:workbench:export:{context.project_slug}"


def head(context: ExportContext) -> str:
    """The text before the pages."""
    return dumps({"@context": CONTEXT})[:-1] + ',"@graph":[\n'


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    yield head(context)
    labels = Cached()
    runs = (_Texts(document_item_texts(document, context, labels)) for document in documents)
    yield from paged(runs, context, stats)


def body(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    """The documents' annotations one per line, a piece per document that has any, for `assemble` to page:
    a run of documents written apart from the others (a parallel export's part)."""
    labels = Cached()
    for document in documents:
        items = document_item_texts(document, context, labels)
        if items:
            yield "\n".join(items) + "\n"


def assemble(parts: Iterable[tuple[bytes, list, list]], context: ExportContext, stats: dict | None = None) -> Iterator:
    """The pages and the collection, as `write` gives them after `head`, in UTF-8: from `body`'s text of
    consecutive runs of documents, each as its UTF-8, the byte length of each of its pieces and how many
    lines (annotations) each holds."""
    return paged((_Encoded(*part) for part in parts), context, stats, comma=b",", text=str.encode)


class _Texts:
    """A document's annotations as their JSON texts (`count` left; `take(n)`: the next n joined by commas)."""

    __slots__ = ("count", "items")

    def __init__(self, items: list[str]):
        self.items = items
        self.count = len(items)

    def take(self, n: int) -> str:
        taken = self.items
        if n < self.count:
            taken, self.items = taken[:n], taken[n:]
        self.count -= n
        return ",".join(taken)


class _Encoded:
    """A run of documents' annotations in UTF-8, one per line (`body`), with the byte length and the
    number of lines of each piece: an annotation's end is found from the piece it is in, without a Python
    step per annotation."""

    __slots__ = ("count", "data", "ends", "position", "taken", "through")

    def __init__(self, data: bytes, lengths: list[int], lines: list[int]):
        self.data = data
        self.ends = list(accumulate(lengths))
        self.through = list(accumulate(lines))  # annotations up to the end of each piece
        self.count = self.through[-1] if self.through else 0
        self.taken = 0
        self.position = 0

    def take(self, n: int) -> bytes:
        data = self.data
        self.taken += n
        self.count -= n
        if self.count == 0:
            end = len(data)
        else:
            piece = bisect_left(self.through, self.taken)  # the piece holding the last one taken
            end = self.ends[piece - 1] if piece else 0
            for _ in range(self.taken - (self.through[piece - 1] if piece else 0)):
                end = data.index(b"\n", end) + 1
        taken = data[self.position : end - 1].replace(b"\n", b",")  # JSON holds no raw line break
        self.position = end
        return taken


def paged(runs: Iterable, context: ExportContext, stats: dict | None, comma=",", text=str) -> Iterator:
    """The annotations (runs of them, `_Texts` or `_Encoded`: `comma` and `text` say str or UTF-8) in pages
    of PAGE_SIZE, then the collection and the end of the file."""
    collection = collection_id(context)
    page: list = []  # the page being filled: runs of its annotations, each joined by commas
    filled = 0
    pages = 0
    total = 0

    def flush(last: bool) -> Iterator:
        opening = {"id": f"{collection}:page:{pages}", "type": "AnnotationPage", "partOf": collection}
        opening["startIndex"] = total - filled
        if pages:
            opening["prev"] = f"{collection}:page:{pages - 1}"
        if not last:
            opening["next"] = f"{collection}:page:{pages + 1}"
        yield text(dumps(opening)[:-1] + ',"items":[')
        yield comma.join(page)
        yield text("]},\n")

    for run in runs:
        while run.count:
            if filled == PAGE_SIZE:  # a full page with more to come: it has a next page
                yield from flush(last=False)
                page = []
                filled = 0
                pages += 1
            n = min(PAGE_SIZE - filled, run.count)
            page.append(run.take(n))
            filled += n
            total += n
    tail = {"id": collection, "type": "AnnotationCollection", "label": context.project_name}
    tail.update({"workbench:offsetUnit": OFFSET_UNIT, "workbench:textNormalization": "NFC", "total": total})
    if page:
        yield from flush(last=True)
        pages += 1
        tail.update({"first": f"{collection}:page:0", "last": f"{collection}:page:{pages - 1}"})
    yield text(dumps(tail) + "]}\n")
    if stats is not None:
        stats["annotations"] = stats.get("annotations", 0) + total
        stats["annotation_pages"] = stats.get("annotation_pages", 0) + pages
