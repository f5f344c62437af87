"""The CoNLL writers read the tokens stored at import (GoldDocument.tokens) instead of tokenizing again."""

from __future__ import annotations

import dataclasses

from annotations.exporters import get_writer
from annotations.text.tokens import Token, pack_sentences, pack_tokens
from tests.exporters.samples import CONTEXT, document_1


def render(fmt, docs) -> str:
    return "".join(get_writer(fmt).write(iter(docs), CONTEXT, {}))


def test_stored_tokens_give_the_same_files_as_tokenizing():
    document = document_1()
    stored = dataclasses.replace(document, tokens=pack_tokens(document.text))
    for fmt in ("conll", "conll2003"):
        assert render(fmt, [stored]) == render(fmt, [document])


def test_the_writers_use_the_stored_table():
    # A table that says "the first two tokens are one sentence": the writer follows it, so it read it.
    document = document_1()
    words = document.text.split(" ")
    first = Token(words[0], 0, len(words[0]))
    second_start = len(words[0]) + 1
    second = Token(words[1], second_start, second_start + len(words[1]))
    stored = dataclasses.replace(document, tokens=pack_sentences([[first, second]]))
    lines = [line for line in render("conll2003", [stored]).splitlines() if line and not line.startswith("-DOCSTART")]
    assert [line.split(" ")[0] for line in lines] == [first.text, second.text]
