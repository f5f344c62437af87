"""W3C Web Annotation as JSON Lines: one complete JSON-LD Annotation per line, for streaming consumers.

The annotations are exactly those of `web-annotation` (same ids, bodies, targets and selectors, same
order), each with its own "@context" (the published W3C context http://www.w3.org/ns/anno.jsonld, W3C
Recommendation of 23 February 2017, plus the `workbench:` prefix), so every line is a JSON-LD document
by itself and a reader never holds more than one annotation. There is no collection or page object: the
manifest gives the total (`format_stats.annotations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ._common import Cached, dumps
from .records import ExportContext, GoldDocument
from .web_annotation import ANNO_CONTEXT, CONTEXT, CONTEXT_VERSION, document_item_texts

NAME = "web-annotation-jsonl"
EXTENSION = "jsonl"
MEDIA_TYPE = "application/x-ndjson"
TITLE = "W3C Web Annotation, one annotation per line (JSON-LD lines)"
NOTES = (
    "One W3C Web Annotation per line (UTF-8, `\\n` line ends), each a JSON-LD object with its own `@context` "
    f"({ANNO_CONTEXT}, {CONTEXT_VERSION}); the same annotations, ids and order as the `web-annotation` file "
    "(gold spans with quote and position selectors in code points, claim links, Admiralty grades)."
)


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    # dumps({"@context": CONTEXT, **item}) is this head and then the item's JSON without its "{"
    head = dumps({"@context": CONTEXT})[:-1] + ","
    labels = Cached()
    total = 0
    for document in documents:
        items = document_item_texts(document, context, labels, opening=head)
        total += len(items)
        if items:
            yield "\n".join(items) + "\n"
    if stats is not None:
        stats["annotations"] = stats.get("annotations", 0) + total


body = write  # a document's lines depend on no other document: runs of documents can be written apart
