"""Tokens computed once: the packed table stored at import gives back exactly what the tokenizer gives,
and a table that is missing, damaged or of another tokenizer version is never trusted."""

from array import array

import pytest

from annotations.text.tokens import (
    TOKENIZER_VERSION,
    pack_tokens,
    stored_sentences,
    stored_token_bounds,
    tokenize,
    tokenize_sentences,
)
from tests.text import samples

TEXTS = [
    samples.SEED_OPENING,
    samples.SEED_ATTACK,
    samples.SEED_ROAD,
    samples.SEED_QUOTE,
    samples.SEED_TOLL,
    samples.SEED_TWO_SENTENCES,
    samples.SECURITY,
    "د. محمد قال: 3.5% في sy-24.com؟ نعم!\n👨‍👩‍👧 🇮🇶 الجيـــش‌ي",
    "   ",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_stored_table_gives_the_tokenizers_output(text):
    packed = pack_tokens(text)
    assert stored_sentences(text, packed) == tokenize_sentences(text)
    assert stored_token_bounds(text, packed) == [(t.start, t.end) for t in tokenize(text)]
    assert stored_sentences(text, memoryview(packed)) == tokenize_sentences(text)  # as PostgreSQL returns it


def test_the_table_is_small_little_endian_integers():
    packed = pack_tokens(samples.SECURITY)
    table = array("I", packed)
    n = len(tokenize(samples.SECURITY))
    assert table[:3].tolist() == [TOKENIZER_VERSION, n, 1] and len(packed) == 4 * (3 + 2 * n + 1)
    assert int.from_bytes(packed[4:8], "little") == n


@pytest.mark.parametrize(
    "packed",
    [
        None,
        b"",
        b"\x01\x00",  # not whole integers
        array("I", [TOKENIZER_VERSION + 1, 0, 0]).tobytes(),  # another tokenizer's rules
        array("I", [TOKENIZER_VERSION, 5, 1, 0, 1]).tobytes(),  # cut short
    ],
    ids=["none", "empty", "odd-bytes", "other-version", "truncated"],
)
def test_a_missing_or_untrusted_table_means_tokenizing_now(packed):
    text = samples.SEED_TWO_SENTENCES
    assert stored_sentences(text, packed) == tokenize_sentences(text)
    assert stored_token_bounds(text, packed) == [(t.start, t.end) for t in tokenize(text)]
