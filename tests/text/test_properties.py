"""Property tests over mixed Arabic / marks / joiners / emoji / ASCII strings."""

import unicodedata
from itertools import pairwise

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotations.text.chars import is_whitespace
from annotations.text.normalize import (
    find_all,
    fold_for_search,
    fold_with_offsets,
    map_span_back,
    to_nfc,
)
from annotations.text.offsets import (
    boundary_error,
    codepoint_offsets_table,
    codepoint_to_utf16,
    utf16_offsets_table,
    utf16_to_codepoint,
    validate_span,
)
from annotations.text.snap import snap_to_clusters, snap_to_words
from annotations.text.tokens import sentences, tokenize, tokenize_sentences

SETTINGS = settings(max_examples=200, deadline=None, database=None)

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى"
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0653))
ATOMS = (
    list(ARABIC_LETTERS)
    + list(HARAKAT)
    + ["\u0640", "\u200c", "\u200d", "\u200f", "\u200e", "\u202b", "\u202c"]
    + list(" \n.,،؟-“”«»():")
    + list("٠١٢٣٤٥٦٧٨٩")
    + ["👍", "🏽", "👍🏽", "🇮", "🇶", "🇮🇶", "👨\u200d👩\u200d👧", "❤\ufe0f", "\ufe0f", "\ufefb"]
)
ascii_chars = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
astral_chars = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
atoms = st.one_of(st.sampled_from(ATOMS), ascii_chars, astral_chars)
mixed_text = st.lists(atoms, max_size=40).map("".join)


@st.composite
def text_and_selection(draw):
    text = draw(mixed_text)
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text, start, end


def _inside_pair(text, utf16_offset):
    encoded = text.encode("utf-16-le", "surrogatepass")
    if not 0 < utf16_offset < len(encoded) // 2:
        return False
    unit = int.from_bytes(encoded[utf16_offset * 2 : utf16_offset * 2 + 2], "little")
    return 0xDC00 <= unit <= 0xDFFF


@SETTINGS
@given(mixed_text)
def test_utf16_round_trip(text):
    table = utf16_offsets_table(text)
    for cp in range(len(text) + 1):
        units = codepoint_to_utf16(text, cp)
        assert units == table[cp]
        assert units == len(text[:cp].encode("utf-16-le")) // 2
        assert utf16_to_codepoint(text, units) == cp
    reverse = codepoint_offsets_table(text)
    assert len(reverse) == table[-1] + 1
    for units in range(table[-1] + 1):
        if _inside_pair(text, units):
            assert reverse[units] is None
            try:
                utf16_to_codepoint(text, units)
            except ValueError:
                pass
            else:
                raise AssertionError(f"offset {units} inside a surrogate pair was accepted")
        else:
            assert codepoint_to_utf16(text, utf16_to_codepoint(text, units)) == units
            assert reverse[units] == utf16_to_codepoint(text, units)


@SETTINGS
@given(mixed_text)
def test_tokenize_invariants(text):
    tokens = tokenize(text)
    previous_end = 0
    covered = set()
    for token in tokens:
        assert previous_end <= token.start < token.end <= len(text)
        assert text[token.start : token.end] == token.text
        assert not any(is_whitespace(ch) for ch in token.text)
        # tokens never split a character, so they are always valid spans
        assert validate_span(text, token.start, token.end) == {}
        covered.update(range(token.start, token.end))
        previous_end = token.end
    for index, ch in enumerate(text):
        if unicodedata.category(ch)[0] in "LN":
            assert index in covered, (index, ch)
    # sentences regroup exactly the same tokens
    groups = tokenize_sentences(text)
    assert [token for group in groups for token in group] == tokens
    assert sentences(text) == [(g[0].start, g[-1].end) for g in groups]


@SETTINGS
@given(mixed_text)
def test_fold_offset_map_is_monotonic_and_exact(text):
    folded, offset_map = fold_with_offsets(text)
    assert folded == fold_for_search(text)
    assert len(offset_map) == len(folded) + 1
    assert offset_map[-1] == len(text)
    assert all(a <= b for a, b in pairwise(offset_map))
    assert all(0 <= i < len(text) for i in offset_map[:-1])
    # every folded character came from the character the map names
    for i, source in enumerate(offset_map[:-1]):
        assert folded[i] in fold_for_search(text[source])


@SETTINGS
@given(mixed_text, st.data())
def test_find_all_matches_fold_to_the_needle(haystack, data):
    if haystack and data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(haystack) - 1))
        end = data.draw(st.integers(start + 1, len(haystack)))
        needle = haystack[start:end]
    else:
        needle = data.draw(st.lists(atoms, min_size=1, max_size=4).map("".join))
    folded_needle = fold_for_search(to_nfc(needle))
    previous_end = 0
    for start, end in find_all(haystack, needle):
        assert previous_end <= start < end <= len(haystack)
        assert fold_for_search(haystack[start:end]) == folded_needle
        assert validate_span(haystack, start, end) == {}
        previous_end = end


@SETTINGS
@given(mixed_text, st.data())
def test_find_all_finds_any_whole_token_run(haystack, data):
    tokens = tokenize(haystack)
    assume(tokens)
    first = data.draw(st.integers(0, len(tokens) - 1))
    last = data.draw(st.integers(first, len(tokens) - 1))
    needle = haystack[tokens[first].start : tokens[last].end]
    assume(fold_for_search(needle))
    assert find_all(haystack, needle)


@SETTINGS
@given(mixed_text, st.data())
def test_map_span_back_of_any_folded_substring(text, data):
    folded, offset_map = fold_with_offsets(text)
    assume(folded)
    i = data.draw(st.integers(0, len(folded) - 1))
    j = data.draw(st.integers(i + 1, len(folded)))
    start, end = map_span_back(offset_map, i, j)
    assert 0 <= start < end <= len(text)
    # the original span folds to a superstring of the folded match (expansions are whole)
    assert folded[i:j] in fold_for_search(text[start:end])
    # and never leaves a removed mark behind
    assert end == len(text) or fold_for_search(text[end]) or unicodedata.category(text[end])[0] != "M"


@SETTINGS
@given(text_and_selection())
def test_snap_to_words_contains_selection_and_lies_on_token_boundaries(args):
    text, start, end = args
    tokens = tokenize(text)
    touched = [t for t in tokens if t.start < end and t.end > start]
    result = snap_to_words(text, start, end)
    if start == end or not touched:
        assert result is None
        return
    new_start, new_end = result
    assert new_start in {t.start for t in tokens}
    assert new_end in {t.end for t in tokens}
    # all non-space content of the selection (every token character) is kept
    for token in touched:
        for index in range(max(start, token.start), min(end, token.end)):
            assert new_start <= index < new_end
    assert validate_span(text, new_start, new_end) == {}
    assert snap_to_words(text, new_start, new_end) == result  # idempotent


@SETTINGS
@given(text_and_selection())
def test_snap_to_clusters_contains_selection_and_splits_nothing(args):
    text, start, end = args
    new_start, new_end = snap_to_clusters(text, start, end)
    assert boundary_error(text, new_start) is None
    assert boundary_error(text, new_end) is None
    if start < end:
        assert new_start <= start and end <= new_end
        assert validate_span(text, new_start, new_end) == {}
    else:
        assert new_start == new_end <= start


@SETTINGS
@given(st.lists(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=30).map("".join))
def test_fold_is_the_same_for_nfc_and_nfd_arabic(text):
    assert fold_for_search(unicodedata.normalize("NFD", text)) == fold_for_search(unicodedata.normalize("NFC", text))
