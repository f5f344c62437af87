import unicodedata
from pathlib import Path

import pytest

from annotations.text.snap import snap_to_clusters, snap_to_words

from .samples import SEED_QUOTE, SEED_ROAD, SEED_TOLL


def snapped(text, start, end):
    span = snap_to_words(text, start, end)
    return None if span is None else text[span[0] : span[1]]


def test_part_of_a_quoted_word_snaps_to_the_word_without_quotes():
    start = SEED_TOLL.index("اعش")
    assert snapped(SEED_TOLL, start, start + 2) == "داعش"


def test_part_of_a_hyphenated_name_snaps_to_one_side():
    start = SEED_ROAD.index("ثري")
    assert snap_to_words(SEED_ROAD, start, start + 2) == (10, 15)
    assert snapped(SEED_ROAD, start, start + 2) == "أثريا"


def test_selection_across_inner_punctuation_keeps_it():
    start = SEED_ROAD.index("ثريا")
    end = SEED_ROAD.index("لرقة") + 2
    assert snapped(SEED_ROAD, start, end) == "أثريا-الرقة"
    start = SEED_ROAD.index("ريق")
    end = SEED_ROAD.index("أثريا") + 2
    assert snapped(SEED_ROAD, start, end) == "طريق “أثريا"


def test_selecting_the_quotes_includes_them():
    start = SEED_ROAD.index("“")
    end = SEED_ROAD.index("”") + 1
    assert snapped(SEED_ROAD, start, end) == "“أثريا-الرقة”"


def test_whole_words_are_unchanged():
    start = SEED_QUOTE.index("محمود")
    end = SEED_QUOTE.index("يوسف") + len("يوسف")
    assert snap_to_words(SEED_QUOTE, start, end) == (start, end)
    start = SEED_QUOTE.index("SY24")
    assert snap_to_words(SEED_QUOTE, start, start + 4) == (start, start + 4)


def test_edge_whitespace_and_bidi_marks_are_trimmed():
    text = "قال \u200f الجيش \u200e إن"
    start = text.index("الجيش")
    assert snapped(text, 3, start + 5 + 3) == "الجيش"
    assert snapped(text, start - 2, start + 2) == "الجيش"


def test_blank_or_empty_selection_snaps_to_nothing():
    text = "قال  \u200f\u202b  الجيش"
    assert snap_to_words(text, 3, 9) is None
    assert snap_to_words(text, 1, 1) is None
    assert snap_to_words("", 0, 0) is None


def test_selection_inside_tashkeel_and_tatweel_words():
    text = "قال مَرَّة إن الجـــيش"
    start = text.index("مَ")
    assert snapped(text, start + 1, start + 3) == "مَرَّة"
    start = text.index("ـــ")
    assert snapped(text, start, start + 1) == "الجـــيش"


def test_selection_touching_part_of_an_emoji_snaps_to_the_whole_emoji():
    text = "قال 👍🏽 و👨\u200d👩\u200d👧 🇮🇶"
    start = text.index("🏽")
    assert snapped(text, start, start + 1) == "👍🏽"
    start = text.index("👩")
    assert snapped(text, start, start + 1) == "👨\u200d👩\u200d👧"
    start = text.index("🇶")
    assert snapped(text, start, start + 1) == "🇮🇶"


def test_invalid_selection_raises():
    with pytest.raises(ValueError):
        snap_to_words("abc", 2, 1)
    with pytest.raises(ValueError):
        snap_to_words("abc", 0, 4)
    with pytest.raises(TypeError):
        snap_to_clusters("abc", False, 1)


def test_snap_to_clusters_moves_off_marks_only():
    text = "قال مَرَّة"
    # start before fatha moves left onto its base letter, end before shadda moves right
    assert snap_to_clusters(text, 5, 8) == (4, 9)
    assert snap_to_clusters(text, 4, 6) == (4, 6)
    # whitespace is not trimmed, only characters are kept whole
    assert snap_to_clusters(text, 3, 6) == (3, 6)


def test_snap_to_clusters_keeps_emoji_whole():
    text = "a👍🏽b🇮🇶"
    assert snap_to_clusters(text, 1, 2) == (1, 3)
    assert snap_to_clusters(text, 2, 3) == (1, 3)
    assert snap_to_clusters(text, 5, 6) == (4, 6)


def test_snap_to_clusters_with_a_caret_stays_collapsed():
    assert snap_to_clusters("مَرَّة", 4, 4) == (2, 2)
    assert snap_to_clusters("مَرَّة", 0, 0) == (0, 0)


# --- clitics: a cut the reviewer makes after a proclitic or before an enclitic pronoun is kept --------
SEEDS = {
    path.name: unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    for path in sorted((Path(__file__).resolve().parents[2] / "annotations" / "demo" / "seeds").glob("*.txt"))
}
SEED_A, SEED_B = SEEDS.values()  # 000_… (Rusafa attack), 004_… (Athriya-Raqqa road)

# (article, the text around the selection, what the reviewer dragged exactly, what is stored)
CLITIC_CASES = [
    # the four drags of issue 12
    (SEED_B, "وقوات النظام السوري", "قوات النظام السوري", "قوات النظام السوري"),
    (SEED_A, "ببادية الرصافة", "بادية الرصافة", "بادية الرصافة"),
    (SEED_A, "بالأسلحة الرشاشة", "الأسلحة الرشاشة", "الأسلحة الرشاشة"),
    (SEED_B, "لتنظيم داعش", "تنظيم داعش", "تنظيم داعش"),
    # conjunction + preposition + article: a cut after each part
    (SEED_A, "والجرحى", "الجرحى", "الجرحى"),
    (SEED_A, "والجرحى", "جرحى", "جرحى"),
    (SEED_B, "والتابعة لقوات النظام", "التابعة لقوات النظام", "التابعة لقوات النظام"),
    (SEED_A, "للاستقرار في سوريا", "استقرار في سوريا", "استقرار في سوريا"),  # ل + article written لل
    (SEED_A, "وفقاً لتوثيقات المرصد", "توثيقات المرصد", "توثيقات المرصد"),
    # enclitic pronouns
    (SEED_A, "غالبيتهم من", "غالبيت", "غالبيت"),  # غالبيت|هم
    (SEED_A, "عملياتها.", "عمليات", "عمليات"),  # عمليات|ها
    (SEED_B, "هزيمته عسكرياً", "هزيمت", "هزيمت"),  # هزيمت|ه: the reviewer's cut is kept as made
    # a cut that is no clitic boundary still grows to the whole word
    (SEED_A, "ببادية الرصافة", "ادية الرصافة", "ببادية الرصافة"),
    (SEED_A, "الرصافة عند", "لرصافة", "الرصافة"),
    (SEED_A, "غالبيتهم من", "غالبي", "غالبيتهم"),
    (SEED_B, "وقوات النظام", "وات النظام", "وقوات النظام"),
    # whole words stay whole
    (SEED_B, "وقوات النظام السوري", "وقوات النظام السوري", "وقوات النظام السوري"),
]


@pytest.mark.parametrize(("article", "context", "dragged", "expected"), CLITIC_CASES)
def test_clitic_cuts_in_news_text(article, context, dragged, expected):
    at = article.index(context)
    start = article.index(dragged, at)
    assert snapped(article, start, start + len(dragged)) == expected


def test_a_clitic_cut_keeps_the_clitics_harakat_with_it():
    text = "قال وَقُوَّاتُهُمْ هنا"
    start = text.index("قُ")
    end = text.index("هُمْ")
    assert snapped(text, start, end) == "قُوَّاتُ"
    # a start between the clitic letter and its haraka is no clitic boundary: back to the word's start
    assert snapped(text, start - 1, end) == "وَقُوَّاتُ"
    assert snapped(text, start - 1, end + 1) == "وَقُوَّاتُهُمْ"


def test_a_clitic_cut_needs_two_letters_of_stem():
    text = "قال ولد به"
    assert snapped(text, text.index("لد"), text.index("لد") + 2) == "لد"  # و|لد is allowed (orthographic rule)
    assert snapped(text, text.index("به") + 1, len(text)) == "به"  # ب|ه would leave one letter
