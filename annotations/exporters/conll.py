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
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import repeat
from operator import itemgetter, le, lt, sub

import numpy as np

from annotations.text.clitics import clitic_cuts

from . import _segments, _token_batches
from ._common import formatted
from ._token_batches import exclusive_sums
from .records import ExportContext, GoldDocument

NAME = "conll"
READS_TOKENS = True  # the tokens stored at import are read with the documents
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


_START, _END, _LABEL = itemgetter(0), itemgetter(1), itemgetter(2)  # of a GoldSpan


def disjoint_token_ranges(spans, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]] | None:
    """Per span (in order), its first token and the token after its last, when the spans share no code
    point, each has a token of its own and no two share a token (the usual gold): then every span is kept
    in either CoNLL format and no tag competes with another. None otherwise (the general rules apply)."""
    span_starts = list(map(_START, spans))
    span_ends = list(map(_END, spans))
    if not all(map(le, span_ends, span_starts[1:])):  # in order and apart (this also checks the order)
        return None
    firsts = list(map(bisect_right, repeat(ends), span_starts))  # the first token ending after the start
    lasts = list(map(bisect_left, repeat(starts), span_ends))  # the tokens starting before the end
    if not all(map(lt, firsts, lasts)) or not all(map(le, lasts, firsts[1:])):
        return None
    return firsts, lasts


class _Lines:
    """The tail of a token line after END ("\tO\tB-actor\t…\n") for each tag a token can have alone."""

    def __init__(self, names: list[str]):
        cells = [_cell(name) for name in names]
        width = len(cells)
        self.outside = "\tO" * width + "\n"
        begin = ["".join(f"\tB-{cells[c]}" if i == c else "\tO" for i in range(width)) + "\n" for c in range(width)]
        inner = ["".join(f"\tI-{cells[c]}" if i == c else "\tO" for i in range(width)) + "\n" for c in range(width)]
        self.begin = dict(zip(names, begin, strict=True))  # by label name
        self.inner = dict(zip(names, inner, strict=True))
        self.begin_of = dict(zip(inner, begin, strict=True))  # an inner tail -> the begin tail of its column


def _fast_tails(document: GoldDocument, table, lines: _Lines) -> list[str] | None:
    """Each token's line tail when the spans' token ranges are disjoint (`disjoint_token_ranges`): the
    tags `token_tags` gives then, without its per-token rows. None when the general rules are needed."""
    starts, ends, firsts = table
    spans = document.spans
    tails = [lines.outside] * len(starts)
    if not spans:
        return tails
    ranges = disjoint_token_ranges(spans, starts, ends)
    if ranges is None:
        return None
    labels = list(map(_LABEL, spans))
    try:
        begins = list(map(lines.begin.__getitem__, labels))
    except KeyError:
        return None  # the general path says which label
    span_firsts, span_lasts = ranges
    deque(map(tails.__setitem__, span_firsts, begins), maxlen=0)
    widths = list(map(sub, span_lasts, span_firsts))
    if max(widths) > 1:
        inner = lines.inner
        for first, width, label in zip(span_firsts, widths, labels, strict=True):
            if width > 1:
                tails[first + 1 : first + width] = [inner[label]] * (width - 1)
        begin_of = lines.begin_of
        for t in firsts[1:-1]:  # a span crossing a sentence break starts again with B-
            tail = tails[t]
            if tail in begin_of:
                tails[t] = begin_of[tail]
    return tails


def document_block(document: GoldDocument, table, tails: list[str]) -> str:
    """The document's lines: the header, then per sentence its comments and token lines
    (ID, FORM, START, END, then `tails[t]`, which ends the line) and a blank line. Each line is one
    joined run of pieces: cells looked up in tables, FORMs sliced from the text, placed by slice
    assignment (no Python step per token)."""
    starts, ends, firsts = table
    text = document.text
    doc_id = document.id
    head = f"# doc_id = {doc_id}\n# sha256 = {document.sha256}\n"
    n = len(starts)
    if n == 0:  # a text without any token
        return head + "\n"
    if firsts[0] != 0 or not all(map(lt, firsts, firsts[1:])):  # an empty sentence: the plain loop
        return plain_block(document, table, tails)
    tabbed, numbered = formatted("\t%d", len(text) + 2), formatted("%d\t", len(text) + 2)  # START/END, ID cells
    ids: list[str] = []
    tails = tails[:]
    comment = _comment if _LINE_BREAK.search(text) else str  # one scan of the text, not one per sentence
    for number in range(1, len(firsts)):
        low, high = firsts[number - 1], firsts[number]
        ids += numbered[1 : high - low + 1]
        ids[low] = f"# sent_id = {doc_id}-{number}\n# text = {comment(text[starts[low] : ends[high - 1]])}\n1\t"
        tails[high - 1] += "\n"
    ids[0] = head + ids[0]
    pieces: list = [None] * (5 * n)
    pieces[0::5] = ids
    pieces[1::5] = map(text.__getitem__, map(slice, starts, ends))
    pieces[2::5] = map(tabbed.__getitem__, starts)
    pieces[3::5] = map(tabbed.__getitem__, ends)
    pieces[4::5] = tails
    return "".join(pieces)


def plain_block(document: GoldDocument, table, tails: list[str]) -> str:
    """`document_block` written line by line (the reference its tests compare with)."""
    starts, ends, firsts = table
    text = document.text
    doc_id = document.id
    out = [f"# doc_id = {doc_id}\n# sha256 = {document.sha256}\n"]
    for number in range(1, len(firsts)):
        low, high = firsts[number - 1], firsts[number]
        out.append(f"# sent_id = {doc_id}-{number}\n# text = {_comment(text[starts[low] : ends[high - 1]])}\n")
        for t in range(low, high):
            out.append(f"{t - low + 1}\t{text[starts[t] : ends[t]]}\t{starts[t]}\t{ends[t]}{tails[t]}")
        out.append("\n")
    if len(out) == 1:  # a text without any token
        out.append("\n")
    return "".join(out)


def head(context: ExportContext) -> str:
    """The first line: the columns."""
    return "# columns = " + json.dumps(["ID", "FORM", "START", "END", *context.label_names], ensure_ascii=False) + "\n"


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    yield head(context)
    yield from body(documents, context, stats)


def body(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    """The documents' blocks (a document's block depends on no other document): `body_utf8`, decoded."""
    for piece in body_utf8(documents, context, stats):
        yield piece.decode("utf-8")


def body_utf8(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[bytes]:
    """The UTF-8 of the documents' blocks, a batch of documents at a time: most are laid out together by
    numpy (`_laid_out`), the others one by one (`_Layout.block`); the same bytes either way."""
    layout = _Layout(context)
    for batch in _token_batches.in_batches(documents, BATCH_CHARACTERS, alone=layout.clitics):
        yield _laid_out(batch, layout) if isinstance(batch, list) else layout.block(batch).encode("utf-8")
    if stats is not None:
        stats["conll_spans_left_out"] = stats.get("conll_spans_left_out", 0) + layout.left_out
        if layout.clitics:
            stats["conll_clitic_cuts"] = stats.get("conll_clitic_cuts", 0) + layout.clitic_cuts


BATCH_CHARACTERS = 100_000  # text per numpy batch: about 0.8 MB of output and 12 MB of index arrays at most


class _Layout:
    """What every document's block of one export needs: the label columns and their line tails."""

    def __init__(self, context: ExportContext):
        self.clitics = bool(context.options.get("segment_clitics"))
        names = context.label_names
        self.columns = {name: i for i, name in enumerate(names)}
        self.lines = _Lines(names)
        cells = [_cell(name) for name in names]
        self.tag_cells = (["\tB-" + cell for cell in cells], ["\tI-" + cell for cell in cells], "\tO")
        self.width = len(names)
        self.tails = _token_batches.tag_tails(self.lines.outside, self.lines.begin.values(), self.lines.inner.values())
        self.left_out = 0
        self.clitic_cuts = 0

    def block(self, document: GoldDocument) -> str:
        """The document's block written on its own (`document_block`), counting what it leaves out."""
        table = document.token_table()
        if self.clitics:
            boundaries = {b for span in document.spans for b in (span.start, span.end)}
            if boundaries:
                *table, cuts_made = cut_table(document.text, *table, boundaries)
                self.clitic_cuts += cuts_made
        tails = _fast_tails(document, table, self.lines)
        if tails is None:  # overlapping spans: the general rules
            tails = general_tails(document, self.columns, table, self.tag_cells, self.lines.outside)
            self.left_out += tails.pop()
        return document_block(document, table, tails)


def _laid_out(documents: list[GoldDocument], layout: _Layout) -> bytes:
    """The blocks of consecutive documents laid out together (`_token_batches`): each token line is five
    byte segments (ID, FORM, START, END, tail) and each sentence's comment lines four more, gathered by
    numpy (`_segments`); a document outside the usual rules is written on its own (`_Layout.block`)."""
    batch = _token_batches.TokenBatch(
        documents, layout.columns, layout.width, lambda document: layout.block(document).encode("utf-8")
    )

    def lay_out(tokens: _token_batches.Tokens) -> bytes:
        total, starts, ends = tokens.total, tokens.starts, tokens.ends
        firsts, lasts = tokens.sentence_firsts, tokens.sentence_lasts
        tails = layout.tails
        tags = _token_batches.end_sentences(tokens, tails)
        joined = tokens.joined
        utf8 = joined.encode("utf-8")
        utf8_at = _segments.utf8_offsets(joined)
        # `# text` is the sentence with line breaks as spaces: one character for one, so the same offsets
        commented = _LINE_BREAK.sub(" ", joined) if _LINE_BREAK.search(joined) else joined
        comment_utf8, comment_at = (b"", utf8_at) if commented is joined else _encoded(commented)
        leads = []  # per document: the documents written on their own before it, its header; "# sent_id = <id>-"
        for before, document in zip(batch.before(tokens), tokens.documents, strict=True):
            leads += (
                before + f"# doc_id = {document.id}\n# sha256 = {document.sha256}\n".encode(),
                f"# sent_id = {document.id}-".encode(),
            )
        leads = _segments.Table(leads)
        sentence_numbers = _segments.number_table("%d\n# text = ", int(tokens.sentences.max()) + 1)
        ids = np.arange(total) - np.repeat(firsts, lasts - firsts + 1) + 1
        id_table = _segments.number_table("%d\t", int(ids.max()) + 1)
        offset_table = _segments.number_table("\t%d", int(ends.max()) + 1)
        # the source: the texts, the tails, the leads, the tables, the comments' text (if not the texts), "\n"
        parts = (utf8, tails.data, leads.data, sentence_numbers.data, id_table.data, offset_table.data, comment_utf8)
        at = exclusive_sums(np.array(list(map(len, parts)))).tolist()
        _, at_tails, at_leads, at_numbers, at_ids, at_offsets, at_comments = at
        if commented is joined:
            at_comments = 0
        source = b"".join((*parts, b"\n"))
        where = np.zeros((total, 10), np.int64)
        length = np.zeros((total, 10), np.int64)
        # before the document's first token: the blocks written on their own since the last, its header
        where[tokens.token_base, 0], length[tokens.token_base, 0] = at_leads + leads.starts[0::2], leads.lengths[0::2]
        # before each sentence's first token: "# sent_id = <doc>-", "<n>\n# text = ", its text, "\n"
        of_sentence = tokens.doc_of_sentence
        where[firsts, 1], length[firsts, 1] = (
            at_leads + leads.starts[1::2][of_sentence],
            leads.lengths[1::2][of_sentence],
        )
        number = tokens.sentence_within + 1
        where[firsts, 2], length[firsts, 2] = (
            at_numbers + sentence_numbers.starts[number],
            sentence_numbers.lengths[number],
        )
        where[firsts, 3] = at_comments + comment_at[tokens.starts_at[firsts]]
        length[firsts, 3] = comment_at[tokens.ends_at[lasts]] - comment_at[tokens.starts_at[firsts]]
        where[firsts, 4], length[firsts, 4] = len(source) - 1, 1
        # the token line: ID, FORM, START, END, the tail
        where[:, 5], length[:, 5] = at_ids + id_table.starts[ids], id_table.lengths[ids]
        where[:, 6] = utf8_at[tokens.starts_at]
        length[:, 6] = utf8_at[tokens.ends_at] - where[:, 6]
        where[:, 7], length[:, 7] = at_offsets + offset_table.starts[starts], offset_table.lengths[starts]
        where[:, 8], length[:, 8] = at_offsets + offset_table.starts[ends], offset_table.lengths[ends]
        where[:, 9], length[:, 9] = at_tails + tails.starts[tags], tails.lengths[tags]
        return _segments.gather(source, where.ravel(), length.ravel())

    return batch.utf8(lay_out)


def _encoded(text: str) -> tuple[bytes, np.ndarray]:
    return text.encode("utf-8"), _segments.utf8_offsets(text)


def general_tails(document: GoldDocument, columns: dict[str, int], table, tag_cells, outside: str) -> list:
    """Each token's line tail by `label_columns` and `token_tags`, followed by the number of spans left
    out of the file."""
    kept, left_out = label_columns(document, columns)
    tags, no_token = token_tags(kept, *table, tag_cells)
    tails: list = [outside] * len(table[0])
    for t, row in tags.items():
        tails[t] = "".join(row) + "\n"
    tails.append(left_out + no_token)
    return tails
