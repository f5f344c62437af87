"""Both CoNLL formats lay out batches of documents with numpy (`_token_batches`, issue 17, export speed):
the bytes must be those written one document at a time with the general rules (for `conll2003` the
ranking without shortcut, line by line), whatever the batch holds: Arabic, emoji and other characters of
2, 3 and 4 UTF-8 bytes, line breaks inside sentences, overlapping spans (written on their own), documents
without stored tokens or with stored tables that are wrong in every way a table can be, and batch
boundaries anywhere."""

from __future__ import annotations

import random
from array import array
from dataclasses import replace

import pytest

from annotations.exporters import conll, conll2003
from annotations.text.tokens import TOKENIZER_VERSION, pack_tokens
from tests.exporters.samples import CONTEXT, LABELS, documents
from tests.exporters.test_fast_paths import corpus, disjoint


def reference(docs) -> tuple[bytes, int]:
    """The blocks written one by one with the general rules (`document_block`, itself held to the line-by-line
    `plain_block` in test_fast_paths), and the spans they leave out."""
    columns = {name: i for i, name in enumerate(LABELS)}
    lines = conll._Lines(LABELS)
    tag_cells = (["\tB-" + c for c in LABELS], ["\tI-" + c for c in LABELS], "\tO")
    out, left_out = [], 0
    for document in docs:
        table = document.token_table()
        tails = conll.general_tails(document, columns, table, tag_cells, lines.outside)
        left_out += tails.pop()
        out.append(conll.document_block(document, table, tails))
    return "".join(out).encode("utf-8"), left_out


def reference_2003(docs) -> tuple[bytes, dict]:
    priority = {name: rank for rank, name in enumerate(LABELS)}
    out, left_out, entities = [], 0, 0
    for document in docs:
        (starts, ends, firsts), tails, left, chunks = conll2003.document_tags(document, priority, None, False)
        left_out += left
        entities += chunks
        out.append(conll2003.DOCSTART + "\n\n")
        for low, high in zip(firsts, firsts[1:], strict=False):
            out += [document.text[starts[t] : ends[t]] + tails[t] for t in range(low, high)] + ["\n"]
    stats = {"conll2003_spans_left_out": left_out, "conll2003_entities": entities}
    return "".join(out).encode("utf-8"), stats


def table(*words: int) -> bytes:
    return array("I", words).tobytes()


def broken_tables(document) -> list:
    """The document with stored tables that must not be laid out as they are (each is read the way the
    one-by-one writer reads it: retokenized, or sliced as it says)."""
    text = document.text
    n = len(text)
    return [
        replace(document, tokens=None),
        replace(document, tokens=b""),
        replace(document, tokens=b"\x01\x00"),  # not whole words
        replace(document, tokens=table(TOKENIZER_VERSION + 1, 1, 1, 0, n, 0)),  # another tokenizer's
        replace(document, tokens=table(TOKENIZER_VERSION, 1, 1, 0, n)),  # truncated
        replace(document, tokens=table(TOKENIZER_VERSION, 0, 1, 0)),  # no token
        replace(document, tokens=table(TOKENIZER_VERSION, 1, 1, 0, n + 5, 0)),  # past the end of the text
        replace(document, tokens=table(TOKENIZER_VERSION, 2, 2, 0, 1, 1, n, 0, 0)),  # an empty sentence
        replace(document, tokens=table(TOKENIZER_VERSION, 2, 2, 0, 1, 1, n, 1, 1)),  # not from token 0
        replace(document, tokens=table(TOKENIZER_VERSION, 2, 1, 1, 0, 2, 1, 0)),  # out of order
        replace(document, tokens=table(TOKENIZER_VERSION, 2, 1, 0, 0, 0, n, 0)),  # an empty token
    ]


def stored(docs):
    return [replace(d, tokens=pack_tokens(d.text)) if d.tokens is None else d for d in docs]


def laid_out(docs, monkeypatch, characters: int, writer=conll) -> tuple[bytes, dict, int]:
    """The writer's bytes and statistics with batches of `characters`, and how many documents were
    written on their own."""
    monkeypatch.setattr(writer, "BATCH_CHARACTERS", characters)
    alone = []
    block = writer._Layout.block
    monkeypatch.setattr(writer._Layout, "block", lambda self, d: alone.append(d) or block(self, d))
    stats: dict = {}
    data = b"".join(writer.body_utf8(iter(docs), CONTEXT, stats))
    return data, stats, len(alone)


@pytest.mark.parametrize("characters", [1, 300, 5_000, 10**6])
def test_batches_give_the_bytes_written_line_by_line(monkeypatch, characters):
    docs = stored([*documents(), *corpus(), *map(disjoint, corpus())])
    expected, left_out = reference(docs)
    data, stats, alone = laid_out(docs, monkeypatch, characters)
    assert data == expected
    assert stats == {"conll_spans_left_out": left_out}
    if characters > 1:  # most documents were laid out together: the shortcut was taken
        assert alone < len(docs) / 2
    expected, expected_stats = reference_2003(docs)
    data, stats, alone = laid_out(docs, monkeypatch, characters, conll2003)
    assert data == expected and stats == expected_stats
    if characters > 1:
        assert alone < len(docs) / 2


def test_documents_written_on_their_own_keep_their_place(monkeypatch):
    rng = random.Random(5)
    usual = stored(list(map(disjoint, corpus())))[:120]
    docs = list(usual)
    for at in sorted(rng.sample(range(len(usual)), 8), reverse=True):
        docs[at:at] = broken_tables(usual[at])  # first, middle and last places of batches
    docs += broken_tables(usual[0])
    expected, _ = reference(docs)
    expected_2003, _ = reference_2003(docs)
    for characters in (1, 700, 10**6):
        data, _, alone = laid_out(docs, monkeypatch, characters)
        assert data == expected
        assert alone >= 8 * len(broken_tables(usual[0])) or characters == 1
        data, _, alone = laid_out(docs, monkeypatch, characters, conll2003)
        assert data == expected_2003


def test_a_label_outside_the_label_set_is_refused_as_before(monkeypatch):
    document = stored(list(documents()))[0]
    strange = replace(document, spans=(document.spans[0]._replace(label="not-a-label"),))
    with pytest.raises(ValueError, match="not-a-label"):
        laid_out([document, strange], monkeypatch, 10**6)


def test_a_label_outside_the_label_set_is_tagged_as_before_in_conll2003(monkeypatch):
    document = stored(list(documents()))[0]
    strange = replace(document, spans=(document.spans[0]._replace(label="not-a-label"),))
    data, _, alone = laid_out([document, strange], monkeypatch, 10**6, conll2003)
    assert data == reference_2003([document, strange])[0] and b"B-not-a-label" in data


@pytest.mark.parametrize("writer", [conll, conll2003])
def test_the_str_text_is_the_utf8_decoded(writer):
    docs = stored(corpus()[:50])
    text = "".join(writer.write(iter(docs), CONTEXT, {}))
    head = conll.head(CONTEXT).encode() if writer is conll else b""
    assert text.encode("utf-8") == head + b"".join(writer.body_utf8(iter(docs), CONTEXT, {}))
