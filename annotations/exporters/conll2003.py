"""CoNLL-2003 style NER: one token a line, the token and ONE IOB2 (BIO) tag, as spaCy and Hugging
Face `datasets` read it unchanged (`spacy convert -c ner`, `load_dataset("conll", data_files=…,
column_names=["tokens", "ner_tags"])`).

Layout (UTF-8, "\\n" line ends, one space between the two columns)::

    -DOCSTART- -X- O O            before every document, then a blank line
    <blank line>
    قال O
    الجيش B-actor
    …
    <blank line after every sentence>

* The document line is the one spaCy's CoNLL-NER converter splits documents on ("-DOCSTART- -X- O O");
  readers of the original CoNLL-2003 skip any line starting with "-DOCSTART-". No comment lines.
* Tokens and sentences are the workbench's Arabic tokenizer's (`annotations.text.tokens`, as in the
  multi-column `conll` format): never whitespace inside a token, so splitting a line on whitespace gives
  exactly two fields.
* One column means one label per token. When spans overlap, the label that comes first in the
  project's label order wins (the priority is the label order, written in the manifest's
  `label_schema.conll2003_priority` and in the dataset card); then, within a label, the earlier start,
  then the longer span. A span sharing a token with a span already kept is left out of this file
  (counted in the manifest as `conll2003_spans_left_out`, as are spans with no token of their own).
* A token is inside a span when they share a code point; a span crossing a sentence break starts again
  with B- in the next sentence (`conll2003_entities` counts the chunks written).
* Whitespace inside a label (which would split the column) is written as "_"; a tab or line break as
  in `conll` (\\t, \\n).
* A token that would read as the document line (starting with "-DOCSTART-") cannot occur: the tokenizer
  makes "-" a token of its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from operator import attrgetter, lt, neg

import numpy as np

from . import _segments, _token_batches
from .conll import _cell, disjoint_token_ranges
from .records import ExportContext, GoldDocument

NAME = "conll2003"
READS_TOKENS = True  # the tokens stored at import are read with the documents
EXTENSION = "conll"
MEDIA_TYPE = "text/plain; charset=utf-8"
TITLE = "CoNLL-2003 NER (token and one IOB2 tag)"
DOCSTART = "-DOCSTART- -X- O O"
NOTES = (
    "CoNLL-2003 style: one token per line as `TOKEN TAG` (one space), IOB2 tags (B-label, I-label, O), a blank "
    "line after each sentence and a `-DOCSTART- -X- O O` line (then a blank line) before each document; no "
    "comments. Reads unchanged with `spacy convert -c ner` and with Hugging Face "
    '`load_dataset("conll", data_files=..., column_names=["tokens", "ner_tags"])`. One tag per token: of '
    "overlapping spans the label earlier in the project's label order wins (then the earlier start, then "
    "the longer span); the others are left out of this file and counted in the manifest. For every span and "
    "exact offsets use the JSONL or the multi-column `conll` format."
)


def tag_cell(label: str) -> str:
    """The label as written in a tag: `conll`'s escapes, then whitespace as "_" (one column)."""
    return "".join("_" if ch.isspace() else ch for ch in _cell(label))


class _Lines(dict):
    """label -> (" B-<cell>\\n", " I-<cell>\\n"): each token line's tail, computed once per label;
    `begin_of` maps each I- tail to the B- tail of its label."""

    def __init__(self):
        super().__init__()
        self.begin_of: dict[str, str] = {}

    def __missing__(self, label):
        cell = tag_cell(label)
        lines = self[label] = (f" B-{cell}\n", f" I-{cell}\n")
        self.begin_of[lines[1]] = lines[0]
        return lines


OUTSIDE = " O\n"
_LABEL, _START, _END = attrgetter("label"), attrgetter("start"), attrgetter("end")


def document_tags(
    document: GoldDocument, priority: dict[str, int], lines: _Lines | None = None, shortcut: bool = True
) -> tuple[tuple, list[str], int, int]:
    """(the token table (starts, ends, sentence firsts), each token's line tail (" O\\n", " B-x\\n" or
    " I-x\\n") in reading order, spans left out, chunks tagged B-). With `shortcut`, spans whose token ranges
    are disjoint (`conll.disjoint_token_ranges`, the usual gold) are tagged without the ranking below, which
    would keep them all (tests compare the two)."""
    lines = _Lines() if lines is None else lines
    starts, ends, firsts = table = document.token_table()
    spans = document.spans
    ranges = disjoint_token_ranges(spans, starts, ends) if spans and shortcut else None
    if ranges is not None:  # the usual gold: every span kept, no tag competes (the loop below agrees)
        tails = [OUTSIDE] * len(starts)
        entities = len(spans)
        for first, last, span in zip(*ranges, spans, strict=True):
            begin, inner = lines[span.label]
            tails[first] = begin
            if last - first > 1:
                tails[first + 1 : last] = [inner] * (last - first - 1)
        begin_of = lines.begin_of
        for t in firsts[1:-1]:  # a chunk starts again in each sentence
            tail = tails[t]
            if tail in begin_of:
                tails[t] = begin_of[tail]
                entities += 1
        return table, tails, 0, entities
    owner = [-1] * len(starts)  # per token, the index of the kept span covering it
    left_out = 0
    unranked = len(priority)
    # (label priority, start, -end, index) for each span, built and sorted in C
    ranked = sorted(
        zip(
            [priority.get(label, unranked) for label in map(_LABEL, spans)],
            map(_START, spans),
            map(neg, map(_END, spans)),
            range(len(spans)),
            strict=True,
        )
    )
    kept = []
    for *_, i in ranked:
        span = spans[i]
        first = bisect_right(starts, span.start) - 1  # the last token starting at or before the span
        if first < 0 or ends[first] <= span.start:
            first += 1
        last = bisect_right(starts, span.end - 1)  # tokens starting before the span's end
        if first >= last or max(owner[first:last]) != -1:  # no token, or one a kept span has
            left_out += 1
            continue
        owner[first:last] = [i] * (last - first)
        kept.append((i, first, last))
    tails = [OUTSIDE] * len(starts)
    entities = 0
    if kept:
        sentence_firsts = set(firsts)
        for i, first, last in kept:
            begin, inner = lines[spans[i].label]
            for t in range(first, last):
                if t == first or t in sentence_firsts:  # a chunk starts again in each sentence
                    tails[t] = begin
                    entities += 1
                else:
                    tails[t] = inner
    return table, tails, left_out, entities


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    for piece in body_utf8(documents, context, stats):
        yield piece.decode("utf-8")


def body_utf8(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[bytes]:
    """The UTF-8 of the documents' blocks, a batch of documents at a time (`_laid_out`), each document
    written on its own (`_Layout.block`) where the usual rules do not hold; the same bytes either way."""
    layout = _Layout(context)
    for batch in _token_batches.in_batches(documents, BATCH_CHARACTERS):
        yield _laid_out(batch, layout) if isinstance(batch, list) else layout.block(batch)
    if stats is not None:
        stats["conll2003_spans_left_out"] = stats.get("conll2003_spans_left_out", 0) + layout.left_out
        stats["conll2003_entities"] = stats.get("conll2003_entities", 0) + layout.entities


BATCH_CHARACTERS = 100_000  # text per numpy batch, as `conll`'s


class _Layout:
    """What every document's block of one export needs: the tags' priority and line tails."""

    def __init__(self, context: ExportContext):
        names = context.label_names
        self.priority = {name: rank for rank, name in enumerate(names)}
        self.lines = _Lines()
        self.columns = dict(self.priority)
        self.width = len(names)
        begins, inners = zip(*map(self.lines.__getitem__, names), strict=True) if names else ((), ())
        self.tails = _token_batches.tag_tails(OUTSIDE, begins, inners)
        self.left_out = 0
        self.entities = 0

    def block(self, document: GoldDocument) -> bytes:
        """The document's block written on its own, counting what it leaves out and its chunks."""
        (starts, ends, firsts), tails, left_out, chunks = document_tags(document, self.priority, self.lines)
        self.left_out += left_out
        self.entities += chunks
        text = document.text
        if firsts[0] == 0 and all(map(lt, firsts, firsts[1:])):  # no empty sentence: one join
            for high in firsts[1:]:
                tails[high - 1] += "\n"  # the blank line after each sentence
            pieces: list = [None] * (2 * len(starts))
            pieces[0::2] = map(text.__getitem__, map(slice, starts, ends))
            pieces[1::2] = tails
            return (DOCSTART + "\n\n" + "".join(pieces)).encode("utf-8")
        forms = list(map(text.__getitem__, map(slice, starts, ends)))
        out = [DOCSTART, "\n\n"]
        for number in range(1, len(firsts)):
            low, high = firsts[number - 1], firsts[number]
            out += map(str.__add__, forms[low:high], tails[low:high])
            out.append("\n")
        return "".join(out).encode("utf-8")


def _laid_out(documents: list[GoldDocument], layout: _Layout) -> bytes:
    """Consecutive documents' blocks laid out together (`_token_batches`): each token line is two byte
    segments (FORM, tail), and the document line one more, gathered by numpy (`_segments`)."""
    batch = _token_batches.TokenBatch(documents, layout.columns, layout.width, layout.block)

    def lay_out(tokens: _token_batches.Tokens) -> bytes:
        layout.entities += tokens.entities
        tails = layout.tails
        tags = _token_batches.end_sentences(tokens, tails)
        joined = tokens.joined
        utf8 = joined.encode("utf-8")
        utf8_at = _segments.utf8_offsets(joined)
        leads = _segments.Table([before + _DOCUMENT_LINE for before in batch.before(tokens)])
        at_tails = len(utf8)
        at_leads = at_tails + len(tails.data)
        source = b"".join((utf8, tails.data, leads.data))
        where = np.zeros((tokens.total, 3), np.int64)
        length = np.zeros((tokens.total, 3), np.int64)
        where[tokens.token_base, 0], length[tokens.token_base, 0] = at_leads + leads.starts, leads.lengths
        where[:, 1] = utf8_at[tokens.starts_at]
        length[:, 1] = utf8_at[tokens.ends_at] - where[:, 1]
        where[:, 2], length[:, 2] = at_tails + tails.starts[tags], tails.lengths[tags]
        return _segments.gather(source, where.ravel(), length.ravel())

    return batch.utf8(lay_out)


_DOCUMENT_LINE = (DOCSTART + "\n\n").encode()


body = write  # a document's block depends on no other document: runs of documents can be written apart
