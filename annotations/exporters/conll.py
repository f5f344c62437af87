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
from itertools import chain, repeat
from operator import itemgetter, le, lt, sub

import numpy as np

from annotations.text.clitics import clitic_cuts
from annotations.text.tokens import TOKENIZER_VERSION

from . import _segments
from ._common import numbers
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


_TABBED: list[str] = []  # "\t0", "\t1", …
_NUMBERED: list[str] = []  # "0\t", "1\t", …


def _tables(limit: int) -> tuple[list[str], list[str]]:
    """("\t" + str(i), str(i) + "\t") for every i < limit (at least): the START/END and ID cells. Grown on
    demand, replaced rather than changed (see `_common.numbers`)."""
    global _TABBED, _NUMBERED
    tabbed, numbered = _TABBED, _NUMBERED
    if len(tabbed) < limit:
        size = max(limit, 2 * len(tabbed), 4096)
        tabbed, numbered = ["\t" + n for n in numbers(size)[:size]], [n + "\t" for n in numbers(size)[:size]]
        _TABBED, _NUMBERED = tabbed, numbered
    return tabbed, numbered


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
    tabbed, numbered = _tables(len(text) + 2)
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
    numpy (`_Batch`), the others one by one (`_Layout.block`); the same bytes either way."""
    layout = _Layout(context)
    batch: list[GoldDocument] = []
    size = 0
    for document in documents:
        if len(document.text) > BATCH_CHARACTERS or layout.clitics:  # alone: bounds a batch's memory
            if batch:
                yield _Batch(batch, layout).utf8()
                batch, size = [], 0
            yield layout.block(document).encode("utf-8")
            continue
        batch.append(document)
        size += len(document.text)
        if size >= BATCH_CHARACTERS:
            yield _Batch(batch, layout).utf8()
            batch, size = [], 0
    if batch:
        yield _Batch(batch, layout).utf8()
    if stats is not None:
        stats["conll_spans_left_out"] = stats.get("conll_spans_left_out", 0) + layout.left_out
        if layout.clitics:
            stats["conll_clitic_cuts"] = stats.get("conll_clitic_cuts", 0) + layout.clitic_cuts


BATCH_CHARACTERS = 250_000  # text per numpy batch: about 2 MB of output and 30 MB of index arrays at most


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
        # a token's tail by tag: 0 outside, 1 + column B-, 1 + width + column I-; then the same again, each
        # with the blank line that ends a sentence
        tails = [self.lines.outside, *self.lines.begin.values(), *self.lines.inner.values()]
        self.tails = _segments.Table([tail.encode() for tail in tails] + [(tail + "\n").encode() for tail in tails])
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


class _Batch:
    """The blocks of consecutive documents laid out together: each token line is five byte segments
    (ID, FORM, START, END, tail) and each sentence's comment lines one more, gathered by numpy
    (`_segments`). A document that needs more than the usual rules (tokens not stored, overlapping spans,
    a span without a token of its own, an empty sentence) is written on its own (`_Layout.block`) and
    its block placed between the others."""

    def __init__(self, documents: list[GoldDocument], layout: _Layout):
        self.documents = documents
        self.layout = layout
        self.alone: dict[int, bytes] = {}  # index -> the block of a document written on its own

    def utf8(self) -> bytes:
        while True:
            apart = self._laid_out()
            if isinstance(apart, bytes):
                return apart
            for index in apart:  # these need the general rules: written on their own, then the rest again
                self.alone[index] = self.layout.block(self.documents[index]).encode("utf-8")

    def _laid_out(self) -> bytes | set[int]:
        """The batch's UTF-8, or the indexes of documents that must be written on their own first."""
        alone = self.alone
        fast = [index for index in range(len(self.documents)) if index not in alone]
        if not fast:
            return b"".join(alone[index] for index in range(len(self.documents)))
        docs = [self.documents[index] for index in fast]
        packed = [document.tokens for document in docs]
        unusable = {fast[k] for k, p in enumerate(packed) if not isinstance(p, bytes) or len(p) < 12 or len(p) % 4}
        if unusable:
            return unusable
        count = len(docs)
        words = np.frombuffer(b"".join(packed), "<u4").astype(np.int64)
        sizes = np.fromiter(map(len, packed), np.int64, count) // 4
        heads = _exclusive_sums(sizes)
        n, m = words[heads + 1], words[heads + 2]  # tokens, sentences (`pack_sentences`)
        texts = [document.text for document in docs]
        lengths = np.fromiter(map(len, texts), np.int64, count)
        valid = (words[heads] == TOKENIZER_VERSION) & (sizes == 3 + 2 * n + m) & (n > 0) & (m > 0)
        if not valid.all():
            return {fast[k] for k in np.flatnonzero(~valid)}
        total = int(n.sum())
        doc_of_token = np.repeat(np.arange(count), n)
        token_base = _exclusive_sums(n)
        within = np.arange(total) - token_base[doc_of_token]
        starts = words[heads[doc_of_token] + 3 + within]
        ends = words[heads[doc_of_token] + 3 + n[doc_of_token] + within]
        doc_of_sentence = np.repeat(np.arange(count), m)
        sentence_within = np.arange(len(doc_of_sentence)) - _exclusive_sums(m)[doc_of_sentence]
        firsts = words[heads[doc_of_sentence] + 3 + 2 * n[doc_of_sentence] + sentence_within]
        # the tokens in order and apart inside the text; sentences starting at 0, non-empty, in order
        ends_document = np.append(doc_of_sentence[1:] != doc_of_sentence[:-1], True)
        following = np.append(firsts[1:], 0)  # the next sentence's first, or the document's token count
        following[ends_document] = n[doc_of_sentence[ends_document]]
        same = doc_of_token[1:] == doc_of_token[:-1]
        wrong = np.zeros(count, bool)
        wrong[doc_of_token[(starts >= ends) | (ends > lengths[doc_of_token])]] = True
        wrong[doc_of_token[1:][same & (starts[1:] < ends[:-1])]] = True
        wrong[doc_of_sentence[following <= firsts]] = True
        wrong[doc_of_sentence[(sentence_within == 0) & (firsts != 0)]] = True
        if wrong.any():
            return {fast[k] for k in np.flatnonzero(wrong)}

        base = _exclusive_sums(lengths)  # each text's first code point in the batch's joined text
        starts_at = starts + base[doc_of_token]
        ends_at = ends + base[doc_of_token]
        sentence_firsts = firsts + token_base[doc_of_sentence]  # in the batch's token numbering
        sentence_lasts = np.append(sentence_firsts[1:], total) - 1
        tags = self._tags(docs, fast, base, starts_at, ends_at, sentence_firsts)
        if isinstance(tags, set):
            return tags
        tags[sentence_lasts] += len(self.layout.tails) // 2  # the tail with the blank line

        joined = "".join(texts)
        utf8 = joined.encode("utf-8")
        utf8_at = _segments.utf8_offsets(joined)
        # `# text` is the sentence with line breaks as spaces: one character for one, so the same offsets
        commented = _LINE_BREAK.sub(" ", joined) if _LINE_BREAK.search(joined) else joined
        comment_utf8, comment_at = (utf8, utf8_at) if commented is joined else _encoded(commented)
        leads = self._leads(docs, fast)
        sentence_numbers = _segments.number_table("%d\n# text = ", int(m.max()) + 1)
        ids = np.arange(total) - np.repeat(sentence_firsts, sentence_lasts - sentence_firsts + 1) + 1
        id_table = _segments.number_table("%d\t", int(ids.max()) + 1)
        offset_table = _segments.number_table("\t%d", int(ends.max()) + 1)
        tails = self.layout.tails
        # the source: the texts, the tails, the documents' leads, the tables, the comments' text, a "\n"
        parts = (utf8, tails.data, leads.data, sentence_numbers.data, id_table.data, offset_table.data)
        at = _exclusive_sums(np.array([*map(len, parts), 0])).tolist()
        _, at_tails, at_leads, at_numbers, at_ids, at_offsets, at_comments = at
        source = b"".join((*parts, comment_utf8 if commented is not joined else b"", b"\n"))
        if commented is joined:
            at_comments = 0
        where = np.zeros((total, 10), np.int64)
        length = np.zeros((total, 10), np.int64)
        # before the document's first token: the blocks written on their own since the last, its header
        where[token_base, 0], length[token_base, 0] = at_leads + leads.starts[0::2], leads.lengths[0::2]
        # before each sentence's first token: "# sent_id = <doc>-", "<n>\n# text = ", its text, "\n"
        where[sentence_firsts, 1] = at_leads + leads.starts[1::2][doc_of_sentence]
        length[sentence_firsts, 1] = leads.lengths[1::2][doc_of_sentence]
        where[sentence_firsts, 2] = at_numbers + sentence_numbers.starts[sentence_within + 1]
        length[sentence_firsts, 2] = sentence_numbers.lengths[sentence_within + 1]
        where[sentence_firsts, 3] = at_comments + comment_at[starts_at[sentence_firsts]]
        length[sentence_firsts, 3] = comment_at[ends_at[sentence_lasts]] - comment_at[starts_at[sentence_firsts]]
        where[sentence_firsts, 4], length[sentence_firsts, 4] = len(source) - 1, 1
        # the token line: ID, FORM, START, END, the tail
        where[:, 5], length[:, 5] = at_ids + id_table.starts[ids], id_table.lengths[ids]
        where[:, 6] = utf8_at[starts_at]
        length[:, 6] = utf8_at[ends_at] - where[:, 6]
        where[:, 7], length[:, 7] = at_offsets + offset_table.starts[starts], offset_table.lengths[starts]
        where[:, 8], length[:, 8] = at_offsets + offset_table.starts[ends], offset_table.lengths[ends]
        where[:, 9], length[:, 9] = at_tails + tails.starts[tags], tails.lengths[tags]
        laid_out = _segments.gather(source, where.ravel(), length.ravel())
        trailing = [alone[index] for index in range(fast[-1] + 1, len(self.documents))]
        return laid_out + b"".join(trailing) if trailing else laid_out

    def _tags(self, docs, fast, base, starts_at, ends_at, sentence_firsts) -> np.ndarray | set[int]:
        """Each token's tail (see `_Layout.tails`), or the documents whose spans need the general rules
        (the cases `_fast_tails` leaves to them)."""
        spans_of = [document.spans for document in docs]
        spans = list(chain.from_iterable(spans_of))
        width = self.layout.width
        tags = np.zeros(len(starts_at), np.int64)
        if not spans:
            return tags
        counts = np.fromiter(map(len, spans_of), np.int64, len(docs))
        doc_of_span = np.repeat(np.arange(len(docs)), counts)
        try:
            columns = np.fromiter(map(self.layout.columns.__getitem__, map(_LABEL, spans)), np.int64, len(spans))
        except KeyError:  # a label outside the label set: written on its own, which says which
            return set(fast)
        span_starts = np.fromiter(map(_START, spans), np.int64, len(spans)) + base[doc_of_span]
        span_ends = np.fromiter(map(_END, spans), np.int64, len(spans)) + base[doc_of_span]
        first = np.searchsorted(ends_at, span_starts, "right")  # the first token ending after the start
        last = np.searchsorted(starts_at, span_ends, "left")  # the tokens starting before the end
        same = doc_of_span[1:] == doc_of_span[:-1]
        general = np.zeros(len(docs), bool)
        general[doc_of_span[first >= last]] = True
        apart = (span_ends[:-1] <= span_starts[1:]) & (last[:-1] <= first[1:])
        general[doc_of_span[:-1][same & ~apart]] = True
        if general.any():
            return {fast[k] for k in np.flatnonzero(general)}
        tags[first] = 1 + columns
        inner = last - first - 1
        if inner.any():
            positions = np.repeat(first + 1 - _exclusive_sums(inner), inner) + np.arange(int(inner.sum()))
            tags[positions] = np.repeat(1 + width + columns, inner)
            begins = tags[sentence_firsts]  # a span crossing a sentence break starts again with B-
            tags[sentence_firsts] = np.where(begins > width, begins - width, begins)
        return tags

    def _leads(self, docs, fast) -> _segments.Table:
        """Per document, what comes before its first sentence (the blocks of the documents written on their
        own since the last one laid out, then its header), and the start of its sentences' `# sent_id`."""
        alone = self.alone
        pieces = []
        previous = -1
        for document, index in zip(docs, fast, strict=True):
            doc_id = document.id
            lead = f"# doc_id = {doc_id}\n# sha256 = {document.sha256}\n".encode()
            if index != previous + 1:
                lead = b"".join(alone[k] for k in range(previous + 1, index)) + lead
            previous = index
            pieces += (lead, f"# sent_id = {doc_id}-".encode())
        return _segments.Table(pieces)


def _encoded(text: str) -> tuple[bytes, np.ndarray]:
    return text.encode("utf-8"), _segments.utf8_offsets(text)


def _exclusive_sums(values: np.ndarray) -> np.ndarray:
    """sums[i] = values[0] + ... + values[i - 1]."""
    sums = np.zeros(len(values), np.int64)
    np.cumsum(values[:-1], out=sums[1:])
    return sums


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
