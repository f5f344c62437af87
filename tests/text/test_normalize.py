import unicodedata

import pytest

from annotations.text.normalize import (
    _fold_char,
    find_all,
    fold_for_search,
    fold_with_offsets,
    map_span_back,
    to_nfc,
)
from annotations.text.offsets import validate_span

from .samples import SEED_ATTACK, SEED_TOLL


def spans_text(text, spans):
    return [text[start:end] for start, end in spans]


def test_to_nfc_composes_alef_with_hamza_above():
    nfd = "\u0627\u0654\u062d\u0645\u062f"
    assert len(nfd) == 5
    composed = to_nfc(nfd)
    assert composed == "أحمد"
    assert len(composed) == 4


def test_to_nfc_keeps_lam_alef_ligature_as_one_code_point():
    assert to_nfc("\ufefb") == "\ufefb"


@pytest.mark.parametrize(
    "variant, folded",
    [
        ("أ", "ا"),
        ("إ", "ا"),
        ("آ", "ا"),
        ("ٱ", "ا"),
        ("ؤ", "و"),
        ("ئ", "ي"),
        ("ء", "ء"),
        ("ة", "ه"),
        ("ى", "ي"),
        ("ک", "ك"),
        ("ی", "ي"),
        ("ـ", ""),
        ("\u064e\u0651\u0670\u06e1\u0610", ""),
        ("\u200e\u200f\u061c\u200b\u200c\u200d\u202b\u202c\u2067\u2069\ufeff", ""),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("SY24", "sy24"),
        ("Straße", "strasse"),
        ("\ufefb", "لا"),  # presentation form lam-alef, only inside search
        ("\ufef7", "لا"),  # lam with alef hamza above
        ("❤\ufe0f", "❤"),
        ("، . « »", "، . « »"),
    ],
)
def test_fold_for_search(variant, folded):
    assert fold_for_search(variant) == folded


def test_fold_removes_tashkeel_and_tatweel_from_real_words():
    assert fold_for_search("مَرَّة") == "مره"
    assert fold_for_search("الجـــيش") == "الجيش"
    assert fold_for_search("هجوماً") == "هجوما"
    assert fold_for_search("تهديدًا") == "تهديدا"


def test_fold_is_canonically_invariant_for_hamza_letters():
    for word in ("سؤال", "رئيس", "أحمد", "إيقاع", "آخرين"):
        assert fold_for_search(unicodedata.normalize("NFD", word)) == fold_for_search(word)


def test_fold_with_offsets_map_points_back_to_source_characters():
    text = "الجـــيشُ"
    folded, offset_map = fold_with_offsets(text)
    assert folded == "الجيش"
    assert list(offset_map) == [0, 1, 2, 6, 7, len(text)]
    # A match ending on ش takes the damma that follows it.
    assert map_span_back(offset_map, 3, 5) == (6, 9)
    # Without the extension data a plain list still maps, just without the mark.
    assert map_span_back(list(offset_map), 3, 5) == (6, 8)


def test_fold_with_offsets_expansion_maps_every_piece_to_its_source():
    folded, offset_map = fold_with_offsets("a\ufefbb")
    assert folded == "aلاb"
    assert list(offset_map) == [0, 1, 1, 2, 3]
    assert map_span_back(offset_map, 1, 3) == (1, 2)


def test_map_span_back_rejects_spans_outside_the_folded_text():
    _, offset_map = fold_with_offsets("abc")
    with pytest.raises(ValueError):
        map_span_back(offset_map, 2, 4)
    with pytest.raises(ValueError):
        map_span_back(offset_map, 2, 1)
    assert map_span_back(offset_map, 1, 1) == (1, 1)


def test_find_all_finds_substring_inside_a_word():
    text = "جرى الهجوم بالأسلحة الرشاشة"
    assert spans_text(text, find_all(text, "اسلحة")) == ["أسلحة"]
    assert spans_text(text, find_all(text, "الاسلحه")) == ["الأسلحة"]
    assert spans_text(text, find_all(text, "جري")) == ["جرى"]


def test_find_all_in_seed_excerpt():
    assert spans_text(SEED_ATTACK, find_all(SEED_ATTACK, "الاسلحه")) == ["الأسلحة"]
    assert spans_text(SEED_ATTACK, find_all(SEED_ATTACK, "٣٠")) == ["30"]
    assert spans_text(SEED_TOLL, find_all(SEED_TOLL, "داعش")) == ["داعش"]
    assert spans_text(SEED_TOLL, find_all(SEED_TOLL, "2023")) == ["2023"]


def test_find_all_matches_digits_both_ways():
    assert spans_text("قتل 30 جنديا", find_all("قتل 30 جنديا", "٣٠")) == ["30"]
    assert spans_text("قتل ٣٠ جنديا", find_all("قتل ٣٠ جنديا", "30")) == ["٣٠"]
    assert spans_text("قتل ۳۰ جنديا", find_all("قتل ۳۰ جنديا", "٣٠")) == ["۳۰"]


def test_find_all_ignores_tashkeel_and_keeps_trailing_marks_in_the_span():
    text = "تنظيم دَاعِشُ اليوم"
    assert spans_text(text, find_all(text, "داعش")) == ["دَاعِشُ"]
    # and the other way round: a vowelled needle finds the bare word
    assert spans_text("تنظيم داعش", find_all("تنظيم داعش", "دَاعِش")) == ["داعش"]


def test_find_all_ignores_bidi_marks_and_zwnj_in_the_haystack():
    text = "قال \u200fداعش\u200f و\u200cداعش"
    assert spans_text(text, find_all(text, "داعش")) == ["داعش", "داعش"]


def test_find_all_results_are_non_overlapping_and_valid_spans():
    text = "ااا ﻻ 👍🏽 👍"
    assert find_all(text, "اا") == [(0, 2)]
    assert find_all(text, "ل") == []  # never half of the lam-alef code point
    assert spans_text(text, find_all(text, "لا")) == ["\ufefb"]
    assert spans_text(text, find_all(text, "👍")) == ["👍"]  # not the toned one
    for start, end in find_all(text, "ا") + find_all(text, "👍"):
        assert validate_span(text, start, end) == {}


def test_find_all_with_empty_or_all_removed_needle_finds_nothing():
    assert find_all("داعش", "") == []
    assert find_all("داعش", "\u064e\u0640") == []


def test_find_all_latin_is_case_insensitive():
    text = "لمنصة SY24: وقال"
    assert spans_text(text, find_all(text, "sy24")) == ["SY24"]


def test_the_translation_table_folds_every_character_as_the_rule_does():
    # fold_for_search is str.translate over a table filled from _fold_char: the same result for every
    # code point of the BMP and the supplementary planes used by text (emoji, skin tones, tags).
    points = [*range(0x10000), *range(0x1F000, 0x1FB00), *range(0xE0000, 0xE0200)]
    text = "".join(map(chr, points))
    assert fold_for_search(text) == "".join(map(_fold_char, text))
    assert fold_for_search(text) == fold_for_search(text)  # the table, now filled, answers the same
