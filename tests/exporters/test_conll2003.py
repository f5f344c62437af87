"""CoNLL-2003: two columns, one IOB2 tag per token, label-order priority for overlaps, -DOCSTART-
between documents, and the counts of what one column cannot show."""

from __future__ import annotations

import hashlib

from annotations.exporters import get_writer
from annotations.exporters.conll2003 import DOCSTART
from annotations.exporters.records import ExportContext, GoldSpan, LabelInfo
from annotations.text.tokens import tokenize
from tests.exporters.samples import CONTEXT, LABELS, TEXT_1, TEXT_2, at, document_1, document_2, documents


def render(docs, context=CONTEXT, stats=None) -> str:
    return "".join(get_writer("conll2003").write(iter(docs), context, stats))


def blocks(out: str) -> list[list[tuple[str, str]]]:
    """Per document, (token, tag) in order (sentence breaks dropped)."""
    docs = []
    for line in out.split("\n"):
        if line == DOCSTART:
            docs.append([])
        elif line:
            fields = line.split()
            assert len(fields) == 2, line
            docs[-1].append((fields[0], fields[1]))
    return docs


def test_layout_two_columns_docstart_and_blank_lines_between_sentences():
    out = render(documents())
    assert out.startswith(DOCSTART + "\n\n") and out.count(DOCSTART) == 2
    assert "#" not in "".join(line[:1] for line in out.split("\n"))  # no comment lines
    assert "\t" not in out and "\r" not in out
    first, second = blocks(out)
    assert [token for token, _ in first] == [token.text for token in tokenize(TEXT_1)]
    assert [token for token, _ in second] == [token.text for token in tokenize(TEXT_2)]
    # two sentences in the first document: a blank line after each
    head = out.split(DOCSTART + "\n\n")[1]
    assert head.count("\n\n") == 2 and head.endswith("\n\n")


def test_one_tag_per_token_with_the_label_order_as_priority():
    stats = {}
    tags = {}
    for token, tag in blocks(render([document_1()], stats=stats))[0]:
        tags.setdefault(token, tag)  # the first occurrence of each token
    assert tags["الجَيْشُ"] == "B-actor"
    assert tags["٣٠"] == "B-casualty_figure" and tags["جندياً"] == "I-casualty_figure"
    # "هجوم على الرقة" (event) overlaps "الرقة" (place): place comes first in the label order
    assert LABELS.index("place") < LABELS.index("event")
    assert tags["الرقة"] == "B-place" and tags["هجوم"] == "O"
    # the outermost of two nested spans of one label
    assert tags["المرصد"] == "B-actor" and tags["السوري"] == "I-actor" and tags["الإنسان"] == "I-actor"
    assert tags["😢"] == "B-event"
    # left out: the nested actor and the event that lost to the place
    assert stats["conll2003_spans_left_out"] == 2
    assert stats["conll2003_entities"] == len(document_1().spans) - 2


def test_a_span_crossing_a_sentence_starts_again_and_is_counted_twice():
    text = "قال الجيش. ثم انسحب."
    doc = document_2(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        spans=(GoldSpan(*at(text, "الجيش. ثم"), "actor", "الجيش. ثم"),),
    )
    stats = {}
    out = render([doc], stats=stats)
    assert [tag for _, tag in blocks(out)[0]] == ["O", "B-actor", "I-actor", "B-actor", "O", "O"]
    assert stats["conll2003_entities"] == 2 and stats["conll2003_spans_left_out"] == 0


def test_whitespace_and_line_breaks_in_label_names_never_split_the_columns():
    label = "مكان عام\tx\ny"
    context = ExportContext("p", "P", (LabelInfo(label),))
    doc = document_2(spans=(GoldSpan(0, 3, label, TEXT_2[0:3]),))
    out = render([doc], context)
    ((_, tag), *_) = blocks(out)[0]
    assert tag == "B-مكان_عام\\tx\\ny"


def test_a_document_without_tokens_is_only_its_docstart():
    text = "\u200f \n"
    doc = document_2(text=text, sha256=hashlib.sha256(text.encode()).hexdigest())
    assert render([doc]) == DOCSTART + "\n\n"
