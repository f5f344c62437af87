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

from .conll import _cell
from .records import ExportContext, GoldDocument

NAME = "conll2003"
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


def document_tags(document: GoldDocument, priority: dict[str, int]) -> tuple[list, list[str], int]:
    """(sentences of tokens, one tag per token in reading order, spans left out)."""
    sentences = document.sentences()
    tokens = [token for sentence in sentences for token in sentence]
    starts = [token.start for token in tokens]
    owner = [-1] * len(tokens)  # per token, the index of the kept span covering it
    left_out = 0
    order = sorted(
        range(len(document.spans)),
        key=lambda i: (
            priority.get(document.spans[i].label, len(priority)),
            document.spans[i].start,
            -document.spans[i].end,
        ),
    )
    for i in order:
        span = document.spans[i]
        first = bisect_right(starts, span.start) - 1  # the last token starting at or before the span
        if first < 0 or tokens[first].end <= span.start:
            first += 1
        last = bisect_right(starts, span.end - 1)  # tokens starting before the span's end
        if first >= last or any(owner[t] != -1 for t in range(first, last)):
            left_out += 1
            continue
        for t in range(first, last):
            owner[t] = i
    tags = []
    cells = {}
    position = 0
    for sentence in sentences:
        previous = -1
        for _ in sentence:
            i = owner[position]
            if i == -1:
                tags.append("O")
            else:
                label = document.spans[i].label
                cell = cells.get(label)
                if cell is None:
                    cell = cells[label] = "".join("_" if ch.isspace() else ch for ch in _cell(label))
                tags.append(("I-" if previous == i else "B-") + cell)
            previous = i
            position += 1
    return sentences, tags, left_out


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    priority = {name: rank for rank, name in enumerate(context.label_names)}
    left_out_total = 0
    entities = 0
    for document in documents:
        sentences, tags, left_out = document_tags(document, priority)
        left_out_total += left_out
        out = [DOCSTART, "\n\n"]
        position = 0
        for sentence in sentences:
            for token in sentence:
                tag = tags[position]
                if tag[0] == "B":
                    entities += 1
                out.append(f"{token.text} {tag}\n")
                position += 1
            out.append("\n")
        yield "".join(out)
    if stats is not None:
        stats["conll2003_spans_left_out"] = stats.get("conll2003_spans_left_out", 0) + left_out_total
        stats["conll2003_entities"] = stats.get("conll2003_entities", 0) + entities
