"""CoNLL: BIO tags over the Arabic tokenizer's tokens, one column per label (so spans may overlap).

Layout (UTF-8, "\\n" line ends, tab-separated)::

    # columns = ["ID", "FORM", "START", "END", "actor", "place", ...]     first line of the file
    # doc_id = 12                                                         per document
    # sha256 = 3f2a…
    # sent_id = 12-1                                                      per sentence
    # text = قال الجيش إن 30 جندياً قتلوا
    1	قال	0	3	O	O	…
    2	الجيش	4	9	B-actor	O	…
    <blank line after every sentence>

* ID is the token's 1-based position in its sentence; FORM the token exactly as in the text; START and
  END its [start, end) code point offsets into the document's NFC text (text[START:END] == FORM).
  ID comes first so that no token line starts with "#" (a "#" token would read as a comment).
* Tokens and sentences are `annotations.text.tokens` (whitespace and punctuation; clitics stay
  attached; emoji sequences are one token); whitespace and invisible marks are not tokens.
* Then one column per label of the project, in the project's label order: `B-<label>` on the first
  token of a span of that label, `I-<label>` on its other tokens, `O` elsewhere. Spans of different
  labels overlap freely, each in its own column.
* A token belongs to a span when they share at least one code point, so a span that starts or ends
  inside a token widens to whole tokens here (the exact offsets are in the JSONL).
* Spans of the SAME label that overlap cannot share a column: the outermost wins (taken in order of
  start, then the longer first), and spans overlapping one already taken are left out of this file;
  their number is in the manifest (`conll_spans_left_out`), together with spans that get no token of
  their own (two spans of one label inside the same token, or a span over whitespace or marks only).
* Label names are written unchanged, except that a TAB, CR, LF or other line break inside one (which
  would break the columns) is written as \\t, \\r, \\n or \\uXXXX.
* A span that crosses a sentence break starts again with `B-` in the next sentence (BIO chunks never
  cross sentences).
* Option `segment_clitics` (`export_gold --segment-clitics`, API `"segment_clitics": true`): where a gold
  span starts or ends inside a token exactly at a clitic boundary (`annotations.text.clitics`: after the
  proclitics و ف ب ك ل ال, before the enclitic pronouns ه ها هم هما هن ك كم كما كن نا ي), the token is cut
  there, so a span that leaves out a clitic (قوات in وقوات) is exact in BIO. Only cuts a span needs are
  made (the rule is orthographic: cutting every word that starts with و would also cut وصل); the pieces
  keep code point offsets, and their number is in the manifest (`conll_clitic_cuts`).
* `# text` is informational: the sentence from its first to its last token, line breaks replaced by
  spaces. Documents without gold spans are included only if they are in the gold set.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

from annotations.text.clitics import clitic_cuts

from ._common import numbers
from .records import ExportContext, GoldDocument

NAME = "conll"
EXTENSION = "conll"
MEDIA_TYPE = "text/plain; charset=utf-8"
TITLE = "CoNLL (BIO, one column per label)"
NOTES = (
    "Tab-separated, one token per line (ID, FORM, START, END, then one BIO column per label in the project's "
    "label order), a blank line after each sentence, `# doc_id`, `# sha256`, `# sent_id` and `# text` comment "
    "lines. Tokens come from the workbench's Arabic tokenizer; START/END are code point offsets into the "
    "document text. A token is inside a span when they share a code point. Overlapping spans of different "
    "labels are in different columns; of overlapping spans of the same label the outermost (earliest start, "
    "then longest) wins and the others are left out of this file (counted in the manifest)."
)
NOTES += (
    " With the segment_clitics option, a token is cut at a clitic boundary (after the proclitics و ف ب ك ل ال, "
    "before an enclitic pronoun) wherever a gold span starts or ends there, so such spans are exact in BIO; "
    "no other token is cut."
)

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _cell(label: str) -> str:
    if not any(ch == "\t" or ch in _LINE_BREAKS for ch in label):
        return label
    return "".join(_ESCAPES.get(ch, f"\\u{ord(ch):04x}" if ch in _LINE_BREAKS else ch) for ch in label)


_LINE_BREAK = re.compile("[" + re.escape(_LINE_BREAKS) + "]")


def _comment(value: str) -> str:
    return _LINE_BREAK.sub(" ", value)


def label_columns(document: GoldDocument, columns: dict[str, int]) -> tuple[list[list[tuple[int, int]]], int]:
    """Per label column, the spans kept ([start, end) pairs, sorted), and how many were left out."""
    kept: list[list[tuple[int, int]]] = [[] for _ in columns]
    by_label: dict[int, list[tuple[int, int]]] = {}
    for span in document.spans:
        column = columns.get(span.label)
        if column is None:
            raise ValueError(f"span label {span.label!r} is not in the project's label set")
        by_label.setdefault(column, []).append((span.start, -span.end))  # sorts by start, then the longer first
    left_out = 0
    for column, spans in by_label.items():
        spans.sort()
        taken = kept[column]
        reach = -1  # the end of the last span taken
        for start, negative_end in spans:
            if start < reach:  # sorted by start: only the last taken one can overlap
                left_out += 1
                continue
            reach = -negative_end
            taken.append((start, reach))
    return kept, left_out


def cut_table(
    text: str, starts: list[int], ends: list[int], firsts: list[int], boundaries: set[int]
) -> tuple[list[int], list[int], list[int], int]:
    """The token table with a token cut wherever a gold span starts or ends inside it exactly at a clitic
    boundary (`clitic_cuts`), and how many cuts were made (only the tokens with a boundary inside)."""
    inside: dict[int, list[int]] = {}  # token index -> the boundaries strictly inside it
    for boundary in boundaries:
        t = bisect_right(starts, boundary) - 1
        if t >= 0 and starts[t] < boundary < ends[t]:
            inside.setdefault(t, []).append(boundary)
    cut_at: dict[int, list[int]] = {}
    for t, found in inside.items():
        allowed = {starts[t] + cut for cut in clitic_cuts(text[starts[t] : ends[t]])}
        cuts = sorted(b for b in found if b in allowed)
        if cuts:
            cut_at[t] = cuts
    if not cut_at:
        return starts, ends, firsts, 0
    new_starts: list[int] = []
    new_ends: list[int] = []
    new_firsts: list[int] = []
    sentence = 0
    for t, (start, end) in enumerate(zip(starts, ends, strict=True)):
        while sentence < len(firsts) - 1 and firsts[sentence] == t:
            new_firsts.append(len(new_starts))
            sentence += 1
        for cut in cut_at.get(t, ()):
            new_starts.append(start)
            new_ends.append(cut)
            start = cut
        new_starts.append(start)
        new_ends.append(end)
    new_firsts.append(len(new_starts))
    return new_starts, new_ends, new_firsts, sum(map(len, cut_at.values()))


def token_tags(
    kept: list[list[tuple[int, int]]],
    starts: list[int],
    ends: list[int],
    firsts: list[int],
    cells: tuple[list, list, object] = ("B", "I", None),
) -> tuple[dict[int, list], int]:
    """The tags of the tokens inside a kept span, {token index: one cell per column}, and how many kept
    spans got no token of their own. `cells` is (begin, inner, outside): per column the B- and I- cell
    (or one value for all columns), and the cell of a column without a tag.

    A token is tagged by the first span of the column (in order) that shares a code point with it, so a
    span's tokens are those it overlaps after those of the spans before it; B- on its first token and on
    the first token of every sentence, I- on the others (the tags a token-by-token scan gives)."""
    begin, inner, outside = cells
    width = len(kept)
    if isinstance(begin, str):
        begin, inner = [begin] * width, [inner] * width
    tags: dict[int, list] = {}
    left_out = 0
    sentence_firsts = set(firsts)
    for column, spans in enumerate(kept):
        reach = 0  # the tokens before it are tagged by earlier spans of this column
        for start, end in spans:
            first = bisect_right(ends, start)  # the first token ending after the span starts
            last = bisect_left(starts, end)  # the tokens starting before the span ends
            if first < reach:
                first = reach
            if last > reach:
                reach = last
            if first >= last:  # inside a token another span took, or over whitespace or marks only
                left_out += 1
                continue
            for t in range(first, last):
                row = tags.get(t)
                if row is None:
                    row = tags[t] = [outside] * width
                row[column] = begin[column] if t == first or t in sentence_firsts else inner[column]
    return tags, left_out


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    clitics = bool(context.options.get("segment_clitics"))
    clitic_cuts_total = 0
    names = context.label_names
    columns = {name: i for i, name in enumerate(names)}
    cells = [_cell(name) for name in names]
    outside = "\tO" * len(names)
    tag_cells = (["\tB-" + cell for cell in cells], ["\tI-" + cell for cell in cells], "\tO")
    header = ["ID", "FORM", "START", "END", *names]
    yield "# columns = " + json.dumps(header, ensure_ascii=False) + "\n"
    left_out_total = 0
    for document in documents:
        kept, left_out = label_columns(document, columns)
        text = document.text
        starts, ends, firsts = document.token_table()
        if clitics:
            boundaries = {b for span in document.spans for b in (span.start, span.end)}
            if boundaries:
                starts, ends, firsts, cuts_made = cut_table(text, starts, ends, firsts, boundaries)
                clitic_cuts_total += cuts_made
        tags, no_token = token_tags(kept, starts, ends, firsts, tag_cells)
        left_out_total += left_out + no_token
        suffixes = [outside] * len(starts)
        for t, row in tags.items():
            suffixes[t] = "".join(row)
        nums = numbers(len(text) + 2)  # offsets and token numbers are at most the text's length
        doc_id = document.id
        out = [f"# doc_id = {doc_id}\n# sha256 = {document.sha256}\n"]
        for number in range(1, len(firsts)):
            low, high = firsts[number - 1], firsts[number]
            out.append(f"# sent_id = {doc_id}-{number}\n# text = {_comment(text[starts[low] : ends[high - 1]])}\n")
            for t in range(low, high):
                start, end = starts[t], ends[t]
                out.append(f"{nums[t - low + 1]}\t{text[start:end]}\t{nums[start]}\t{nums[end]}{suffixes[t]}\n")
            out.append("\n")
        if len(out) == 1:  # a text without any token
            out.append("\n")
        yield "".join(out)
    if stats is not None:
        stats["conll_spans_left_out"] = stats.get("conll_spans_left_out", 0) + left_out_total
        if clitics:
            stats["conll_clitic_cuts"] = stats.get("conll_clitic_cuts", 0) + clitic_cuts_total
