"""The clitic rule (annotations.text.clitics): its doctests, and cases from the seed articles."""

import doctest

import pytest

import annotations.text.clitics as clitics
from annotations.text.clitics import clitic_cuts, enclitic_starts, proclitic_ends, search_stem


def test_doctests():
    assert doctest.testmod(clitics).failed == 0


@pytest.mark.parametrize(
    "word, proclitics, enclitics",
    [
        ("وقوات", [1], []),
        ("ببادية", [1], []),
        ("بالأسلحة", [1, 3], []),
        ("والجرحى", [1, 3], []),
        ("للاستقرار", [1, 2], []),  # ل + the article written لل
        ("لتنظيم", [1], []),
        ("وَقُوَّاتُهُمْ", [2], [10]),  # the clitic's haraka stays with it; هُمْ after the damma
        ("غالبيتهم", [], [6]),
        ("عملياتها", [], [6]),
        ("داعش", [], []),
        ("SY24", [], []),
        ("30", [], []),
        ("به", [], []),  # one letter of stem is not enough
    ],
)
def test_cuts(word, proclitics, enclitics):
    assert proclitic_ends(word) == proclitics
    assert enclitic_starts(word) == enclitics
    assert clitic_cuts(word) == sorted(set(proclitics + enclitics))


def test_search_stem_keeps_three_letters():
    assert search_stem("بين") == "بين"  # not ب + ين
    assert search_stem("والمواجهات") == "مواجهات"
    assert search_stem("وبالاسلحه") == "اسلحه"
