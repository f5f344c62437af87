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
import re
from collections.abc import Iterable, Iterator
from operator import itemgetter

from ._common import numbers
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
    """The rows of one document, as values (before `neutralize`); `write` writes the same rows faster."""
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


def cell(value) -> str:
    """One field exactly as `csv.writer(lineterminator="\\r\\n")` (the excel dialect, minimal quoting)
    writes `neutralize(value)`: quoted when it holds , " CR or LF, with quotes doubled (tests compare the
    two). Building a row's text from these is several times faster than a csv.writer call per row with
    19 cells: a document's own cells are written once for all its rows."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if '"' in value:
            return '"' + value.replace('"', '""') + '"'
        if "," in value or "\r" in value or "\n" in value:
            return '"' + value + '"'
        return value
    return str(value)


SEPARATOR = "\x1f"
# Where `cell` would change a text (a quote, comma or line break anywhere; a formula start at the start of
# one of the texts joined by SEPARATOR). A text holding SEPARATOR only makes this match more often.
_NEEDS_CELL = re.compile('[",\r\n]|(?:^|\x1f)[' + re.escape("".join(FORMULA_START)) + "]")
_TEXT = itemgetter(3)


class _Cells(dict):
    """cell(x) of the values that repeat across rows (labels, decisions, names, grades): computed once."""

    def __missing__(self, key):
        text = self[key] = cell(key)
        return text


def document_text(document: GoldDocument, cells: _Cells | None = None) -> tuple[str, int]:
    """The CSV text of `document_rows(document)` (each cell neutralized) and its number of rows."""
    cells = _Cells() if cells is None else cells
    outlet = document.outlet_grade()
    head = (
        f"{cell(document.id)},{cell(document.external_id)},{cell(document.sha256)},{cell(document.title)},"
        f"{cell(document.source or '')},{cell(document.url)},{cells[document.resolution]},"
    )
    tail = f",{cell(outlet.code) if outlet else ''},{cell(outlet.note) if outlet else ''}\r\n"
    if not document.spans:
        return head + ",,,,,,,,," + tail, 1
    span_grades = {grade.span: grade.code for grade in document.reliability if grade.span is not None}
    links: dict[int, list[str]] = {}
    for link in document.claim_links:
        links.setdefault(link.span, []).append(f"{link.stance}: {link.claim.text}")
    nums = numbers(len(document.text) + len(document.spans) + 1)
    majority = document.resolution == MAJORITY
    if majority or links or span_grades:
        rows = []
        for index, span in enumerate(document.spans):
            votes = cell(span.votes) if majority and span.votes is not None else ""
            linked = cell(" | ".join(links[index])) if index in links else ""
            grade = cells[span_grades[index]] if index in span_grades else ""
            rows.append(
                f"{head}{nums[index]},{nums[span.start]},{nums[span.end]},{cells[span.label]},{cell(span.text)},"
                f"{cells[span.decision]},{cells[span.decided_by or '']},{votes},{linked},{grade}{tail}"
            )
    else:  # the usual case: no votes, claim links or grades of spans
        tail = ",,," + tail
        # A GoldSpan is (start, end, label, text, decision, decided_by, votes). Span texts are usually cells
        # as they are: one search over all of them instead of a `cell` call each.
        texts = SEPARATOR.join(map(_TEXT, document.spans))
        cell_of = str if _NEEDS_CELL.search(texts) is None else cell  # str(text) is text
        rows = [
            f"{head}{nums[index]},{nums[start]},{nums[end]},{cells[label]},{cell_of(text)},{cells[decision]},"
            f"{cells[decided_by or '']}{tail}"
            for index, (start, end, label, text, decision, decided_by, _) in enumerate(document.spans)
        ]
    return "".join(rows), len(rows)


def head(context: ExportContext) -> str:
    """The byte order mark and the header row."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(HEADER)
    return BOM + buffer.getvalue()


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    yield head(context)
    yield from body(documents, context, stats)


def body(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    """The documents' rows (a document's rows depend on no other document)."""
    cells = _Cells()
    rows = 0
    for document in documents:
        text, n = document_text(document, cells)
        rows += n
        yield text
    if stats is not None:
        stats["csv_rows"] = stats.get("csv_rows", 0) + rows
