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
from collections.abc import Iterable, Iterator

from annotations.text.clitics import clitic_cuts
from annotations.text.tokens import Token

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


def _comment(value: str) -> str:
    return "".join(" " if ch in _LINE_BREAKS else ch for ch in value)


def label_columns(document: GoldDocument, columns: dict[str, int]) -> tuple[list[list[tuple[int, int]]], int]:
    """Per label column, the spans kept ([start, end) pairs, sorted), and how many were left out."""
    kept: list[list[tuple[int, int]]] = [[] for _ in columns]
    by_label: dict[int, list[tuple[int, int]]] = {}
    for span in document.spans:
        if span.label not in columns:
            raise ValueError(f"span label {span.label!r} is not in the project's label set")
        by_label.setdefault(columns[span.label], []).append((span.start, span.end))
    left_out = 0
    for column, spans in by_label.items():
        spans.sort(key=lambda s: (s[0], -s[1]))
        taken = kept[column]
        for start, end in spans:
            if taken and start < taken[-1][1]:  # sorted by start: only the last taken one can overlap
                left_out += 1
                continue
            taken.append((start, end))
    return kept, left_out


def segment_clitics(text: str, sentence: list[Token], boundaries: set[int]) -> tuple[list[Token], int]:
    """The sentence's tokens, cut where a span boundary falls inside one at a clitic boundary; and how many cuts."""
    out: list[Token] = []
    cuts_made = 0
    for token in sentence:
        inside = [b for b in boundaries if token.start < b < token.end]
        allowed = {token.start + cut for cut in clitic_cuts(token.text)} if inside else set()
        cuts = sorted(b for b in inside if b in allowed)
        start = token.start
        for cut in cuts:
            out.append(Token(text[start:cut], start, cut))
            start = cut
        out.append(Token(text[start : token.end], start, token.end))
        cuts_made += len(cuts)
    return out, cuts_made


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    clitics = bool(context.options.get("segment_clitics"))
    clitic_cuts_total = 0
    names = context.label_names
    columns = {name: i for i, name in enumerate(names)}
    cells = [_cell(name) for name in names]
    header = ["ID", "FORM", "START", "END", *names]
    yield "# columns = " + json.dumps(header, ensure_ascii=False) + "\n"
    left_out_total = 0
    for document in documents:
        kept, left_out = label_columns(document, columns)
        text = document.text
        out = [f"# doc_id = {document.id}\n# sha256 = {document.sha256}\n"]
        # per column, a cursor into its sorted, non-overlapping spans
        cursor = [0] * len(kept)
        tagged = [-1] * len(kept)  # per column, the last span that got a tag
        boundaries = {b for span in document.spans for b in (span.start, span.end)} if clitics else set()
        for number, sentence in enumerate(document.sentences(), start=1):
            if boundaries:
                sentence, cuts_made = segment_clitics(text, sentence, boundaries)
                clitic_cuts_total += cuts_made
            out.append(f"# sent_id = {document.id}-{number}\n")
            out.append(f"# text = {_comment(text[sentence[0].start : sentence[-1].end])}\n")
            inside = [-1] * len(kept)  # per column, the span the previous token of this sentence was in
            for position, token in enumerate(sentence, start=1):
                line = f"{position}\t{token.text}\t{token.start}\t{token.end}"
                for column, spans in enumerate(kept):
                    i = cursor[column]
                    while i < len(spans) and spans[i][1] <= token.start:
                        if tagged[column] != i:
                            left_out += 1  # no token of its own (inside a token another span took)
                        i += 1
                    cursor[column] = i
                    if i < len(spans) and spans[i][0] < token.end:  # shares a code point with the token
                        line += ("\tI-" if inside[column] == i else "\tB-") + cells[column]
                        inside[column] = tagged[column] = i
                    else:
                        line += "\tO"
                        inside[column] = -1
                out.append(line + "\n")
            out.append("\n")
        for column, spans in enumerate(kept):  # spans after the last token (on whitespace or marks only)
            left_out += sum(1 for i in range(cursor[column], len(spans)) if tagged[column] != i)
        left_out_total += left_out
        if len(out) == 1:  # a text without any token
            out.append("\n")
        yield "".join(out)
    if stats is not None:
        stats["conll_spans_left_out"] = stats.get("conll_spans_left_out", 0) + left_out_total
        if clitics:
            stats["conll_clitic_cuts"] = stats.get("conll_clitic_cuts", 0) + clitic_cuts_total
