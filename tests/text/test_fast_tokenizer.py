"""The tokenizer's fast paths against the rules as written: clusters found as runs of one-character
clusters plus `\\X` (chars.grapheme_strings) against `\\X` alone, and the tokens found by one regular
expression over the clusters' classes (tokens.tokenize) against the loop over the clusters."""

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.text.chars import grapheme_strings
from annotations.text.tokens import _tokenize_by_clusters, tokenize

from .samples import SEED_OPENING, SEED_QUOTE, SEED_ROAD, SEED_TOLL, SEED_TWO_SENTENCES

GRAPHEME = regex.compile(r"\X", regex.DOTALL)

# One or more characters of every Grapheme_Cluster_Break value and of each class the tokenizer tells
# apart: letters, harakat, tatweel, Arabic and Latin digits, number separators, joiners, bidi controls,
# whitespace, CR LF, Prepend, SpacingMark, Hangul jamo and syllables, regional indicators, emoji with
# skin tones, ZWJ and variation selectors, tags, an Indic conjunct (consonant, virama, consonant).
PIECES = (
    list("aZب ت\t\r\n")
    + ["\u0640", "\u064e", "\u0651", "\u0670", "٣", "3", "٠", ".", ",", "\u066b", "\u066c", "،", "؟"]
    + ["\u200c", "\u200d", "\u00ad", "\u200b", "\u2060", "\ufeff", "\u200f", "\u202b", "\u061c", "\u0085", "\u3000"]
    + ["\u0600", "\u06dd", "\u0903", "\u0915", "\u094d", "\u0924", "\u1100", "\u1161", "\u11a8", "\uac00", "\uac01"]
    + ["\U0001f1ee", "\U0001f1f6", "\U0001f468", "\U0001f44d", "\U0001f3fd", "\ufe0f", "\u20e3", "#", "\U000e0067"]
)
SETTINGS = settings(max_examples=1000, deadline=None, database=None)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_clusters_and_tokens_equal_the_rules_on_mixed_strings(text):
    assert grapheme_strings(text) == GRAPHEME.findall(text)
    assert tokenize(text) == _tokenize_by_clusters(text)


@SETTINGS
@given(st.text(max_size=12))
def test_clusters_and_tokens_equal_the_rules_on_any_string(text):
    assert grapheme_strings(text) == GRAPHEME.findall(text)
    assert tokenize(text) == _tokenize_by_clusters(text)


def test_every_character_between_letters_digits_and_marks():
    # Every code point of the BMP, the emoji blocks and the tags/variation selectors, in the contexts where a
    # cluster or a token could end differently: after a letter, before a mark, between digits, after a ZWJ.
    for code in [*range(0x10000), *range(0x1F000, 0x1FB00), *range(0xE0000, 0xE0200)]:
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        text = f"ب{c}\u064e 3{c}4 \u200d{c}a"
        assert grapheme_strings(text) == GRAPHEME.findall(text), hex(code)
        assert tokenize(text) == _tokenize_by_clusters(text), hex(code)


def test_the_sample_articles_tokenize_as_the_rules_say():
    for text in (SEED_OPENING, SEED_QUOTE, SEED_ROAD, SEED_TOLL, SEED_TWO_SENTENCES):
        assert tokenize(text) == _tokenize_by_clusters(text)
        assert len(tokenize(text)) > 5
