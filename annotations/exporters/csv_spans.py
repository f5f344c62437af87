"""CSV of gold spans for spreadsheets: one row per span, RFC 4180, formula injection neutralized.

UTF-8 with a byte order mark (so that spreadsheet programs read Arabic correctly), CRLF line ends,
fields quoted when needed with embedded quotes doubled (Python's csv module). Columns::

    document_id, external_id, document_sha256, title, source, url, resolution, span_index, start, end,
    label, text, decision, decided_by, votes, claim_links, span_grade, outlet_grade, outlet_grade_note

`claim_links` is "stance: claim text" joined with " | "; grades are Admiralty codes such as "B2".
Documents without spans get one row with the span columns empty, so every gold document is listed.

Spreadsheet safety (OWASP "CSV injection"): every text cell that starts with = + - @ TAB CR or NUL gets
one leading apostrophe ('), so that no spreadsheet evaluates it as a formula; reading the file back
with csv.reader gives that value with exactly one leading '. This is the only format that changes
values; JSONL, CoNLL and the JSON-LD formats carry every string unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from .records import MAJORITY, ExportContext, GoldDocument

NAME = "csv"
EXTENSION = "csv"
MEDIA_TYPE = "text/csv; charset=utf-8"
TITLE = "CSV of gold spans"
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
HEADER = [
    "document_id",
    "external_id",
    "document_sha256",
    "title",
    "source",
    "url",
    "resolution",
    "span_index",
    "start",
    "end",
    "label",
    "text",
    "decision",
    "decided_by",
    "votes",
    "claim_links",
    "span_grade",
    "outlet_grade",
    "outlet_grade_note",
]
NOTES = (
    "One row per gold span (documents without spans get one row with empty span columns), UTF-8 with a BOM, "
    "RFC 4180 quoting, CRLF line ends. Any text cell starting with = + - @ TAB CR or NUL is prefixed with a "
    "single apostrophe (') so spreadsheets never run it as a formula: remove one leading ' from such cells "
    "to get the original value. The other formats keep every value unchanged."
)


def neutralize(value):
    """A cell value safe for spreadsheets: text that would start a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def document_rows(document: GoldDocument) -> Iterator[list]:
    outlet = document.outlet_grade()
    span_grades = {grade.span: grade.code for grade in document.reliability if grade.span is not None}
    links: dict[int, list[str]] = {}
    for link in document.claim_links:
        links.setdefault(link.span, []).append(f"{link.stance}: {link.claim.text}")
    head = [
        document.id,
        document.external_id,
        document.sha256,
        document.title,
        document.source or "",
        document.url,
        document.resolution,
    ]
    tail = [outlet.code if outlet else "", outlet.note if outlet else ""]
    if not document.spans:
        yield head + [""] * 10 + tail
        return
    majority = document.resolution == MAJORITY
    for index, span in enumerate(document.spans):
        yield (
            head
            + [
                index,
                span.start,
                span.end,
                span.label,
                span.text,
                span.decision,
                span.decided_by or "",
                span.votes if majority and span.votes is not None else "",
                " | ".join(links.get(index, ())),
                span_grades.get(index, ""),
            ]
            + tail
        )


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield BOM + buffer.getvalue()
    rows = 0
    for document in documents:
        buffer.seek(0)
        buffer.truncate()
        for row in document_rows(document):
            writer.writerow([neutralize(cell) for cell in row])
            rows += 1
        yield buffer.getvalue()
    if stats is not None:
        stats["csv_rows"] = rows
