"""Words for search and near duplicates (annotations.text.words): pure, no database."""

import pytest

from annotations.text.clitics import search_stem
from annotations.text.normalize import fold_for_search, to_nfc
from annotations.text.words import (
    _WORD,
    DETACHED_CLITICS,
    matches,
    query_words,
    search_words,
    shingles,
    similarity_keys,
    word_matches,
    words_column,
    words_column_of_folded,
)

from .samples import SEED_ATTACK

CLAIM = "اشتعلت مواجهات بين داعش وقوات النظام على طريق أثريا-الرقة"


def test_words_are_folded_and_lose_their_proclitics():
    assert search_words(CLAIM) == ["اشتعلت", "مواجهات", "بين", "داعش", "قوات", "نظام", "علي", "طريق", "اثريا", "رقه"]
    assert search_words("وبالأسلحة للجيش فالمواجهات و قوات") == ["اسلحه", "جيش", "مواجهات", "قوات"]
    assert words_column("قال: داعش!") == " قال داعش "
    assert words_column("، .") == ""


def test_the_issues_queries_match_in_any_order_and_a_missing_word_does_not():
    for query in ("مواجهات داعش", "اشتعلت المواجهات", "داعش مواجهات", "الرقه اثريا"):
        assert matches(CLAIM, query), query
    for query in ("مواجهات جنيف", "", "   ", "ين"):
        assert not matches(CLAIM, query), query


def test_query_words_are_distinct():
    assert query_words("داعش الداعش مواجهات") == ["داعش", "مواجهات"]


def test_highlights_are_the_stems_in_the_original_text():
    spans = word_matches(SEED_ATTACK, "الأسلحه والقتلى")
    assert [SEED_ATTACK[s:e] for s, e in spans] == ["أسلحة", "قتلى"]
    text = "قُتِلَ جنودُهم في البادِيَة"
    assert [text[s:e] for s, e in word_matches(text, "الباديه")] == ["بادِيَة"]


def test_similarity_keys_are_stable_and_shared_by_near_duplicates():
    a = search_words("اشتعلت المواجهات بين داعش وقوات النظام")
    b = search_words("اندلعت مواجهات بين داعش و قوات النظام")
    assert len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b)) > 0.65
    keys_a, keys_b = similarity_keys(a), similarity_keys(b)
    assert len(keys_a) == 16 and all(-(2**63) <= k < 2**63 for k in keys_a)
    assert set(keys_a) & set(keys_b)
    assert similarity_keys(a) == keys_a  # the same in every process: no salted hash()
    assert not set(keys_a) & set(similarity_keys(search_words("اجتماع دبلوماسي في جنيف")))
    assert similarity_keys([]) == []


def test_every_letter_is_a_word_character_and_none_is_whitespace():
    # _words_of_folded takes a piece made only of letters (str.isalpha) as one word without the pattern,
    # and splits the text on whitespace first: both are right only while these hold for every code point
    # (the `regex` module and Python may use different Unicode versions).
    for point in range(0x110000):
        char = chr(point)
        if char.isalpha():
            assert _WORD.fullmatch(char), hex(point)
        if char.isspace():
            assert not _WORD.fullmatch(char), hex(point)


@pytest.mark.parametrize(
    "text",
    [
        SEED_ATTACK,
        "قال: داعش! (30) مقاتلاً،والجيش—الرقة…ﻷسباب «الهجوم» 2024-05-01",
        "e\u0301te\u0301 Straße İstanbul ǅ x\u0308y 👍🏽 ١٢٣ abc_def",
        "كَتَبَ\u200cوا الـــجيش\u00a0قوات\u2028النظام\tو\nف  ب",
    ],
)
def test_words_are_those_of_the_pattern_over_the_whole_folded_text(text):
    folded = fold_for_search(to_nfc(text))
    stems = [search_stem(run) for run in _WORD.findall(folded)]
    expected = [stem for stem in stems if stem and stem not in DETACHED_CLITICS]
    assert search_words(text) == expected
    assert search_words(text) == expected  # again, from the remembered pieces
    assert words_column(text) == words_column_of_folded(folded) == (f" {' '.join(expected)} " if expected else "")
