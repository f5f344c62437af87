"""W3C Web Annotation (JSON-LD): one AnnotationCollection whose first AnnotationPage holds every item.

The file is a single JSON object (valid JSON, valid JSON-LD)::

    {"@context": ["http://www.w3.org/ns/anno.jsonld", {"workbench": "urn:workbench:vocab#"}],
     "id": "urn:workbench:export:<project slug>", "type": "AnnotationCollection", "label": <project name>,
     "workbench:offsetUnit": "Unicode code points …", "workbench:textNormalization": "NFC",
     "first": {"type": "AnnotationPage", "items": [ …one annotation per line… ]},
     "total": <number of items>}

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

from collections.abc import Iterable, Iterator

from ._common import document_urn, dumps, http_url
from .records import MAJORITY, OFFSET_UNIT, ExportContext, GoldDocument

NAME = "web-annotation"
EXTENSION = "jsonld"
MEDIA_TYPE = "application/ld+json"
TITLE = "W3C Web Annotation (JSON-LD)"
CONTEXT = ["http://www.w3.org/ns/anno.jsonld", {"workbench": "urn:workbench:vocab#"}]
QUOTE_CONTEXT = 32
NOTES = (
    "One JSON-LD AnnotationCollection; its `first` AnnotationPage lists the annotations: gold spans "
    "(motivation `tagging`, label as a TextualBody, target with a TextQuoteSelector and a "
    "TextPositionSelector), claim links (motivation `linking`, body the claim and the stance, target the "
    "span annotation) and Admiralty grades (motivation `assessing`). TextPositionSelector start/end are "
    "Unicode code points into the NFC text (`workbench:offsetUnit`), not UTF-16 units."
)


def _source(document: GoldDocument) -> str:
    return document.url if http_url(document.url) else document_urn(document.sha256)


def document_items(document: GoldDocument, context: ExportContext) -> Iterator[dict]:
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
        yield {
            "id": f"{base}:link:{n}",
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
    for n, grade in enumerate(document.reliability):
        yield {
            "id": f"{base}:grade:{n}",
            "type": "Annotation",
            "motivation": "assessing",
            "body": {"type": "TextualBody", "purpose": "assessing", "value": grade.code},
            "target": source if grade.span is None else span_ids[grade.span],
            **extra,
        }


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    head = {
        "@context": CONTEXT,
        "id": f"urn:workbench:export:{context.project_slug}",
        "type": "AnnotationCollection",
        "label": context.project_name,
        "workbench:offsetUnit": OFFSET_UNIT,
        "workbench:textNormalization": "NFC",
    }
    # streamed: the head object without its closing brace, the items one per line, then the tail
    yield dumps(head)[:-1] + ',\n"first":{"type":"AnnotationPage","items":[\n'
    total = 0
    for document in documents:
        chunk = []
        for item in document_items(document, context):
            chunk.append(("" if total == 0 else ",\n") + dumps(item))
            total += 1
        if chunk:
            yield "".join(chunk)
    yield ("\n" if total else "") + f']}},\n"total":{total}}}\n'
    if stats is not None:
        stats["annotations"] = total
