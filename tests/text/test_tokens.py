import pytest

from annotations.text.tokens import Token, is_word_token, sentences, tokenize, tokenize_sentences

from .samples import SEED_OPENING, SEED_QUOTE, SEED_ROAD, SEED_TOLL, SEED_TWO_SENTENCES


def texts(text):
    return [token.text for token in tokenize(text)]


def assert_well_formed(text, tokens):
    previous_end = 0
    for token in tokens:
        assert previous_end <= token.start < token.end <= len(text)
        assert text[token.start : token.end] == token.text
        previous_end = token.end
    # Tokens plus the gaps between them reassemble the text.
    pieces, position = [], 0
    for token in tokens:
        pieces.append(text[position : token.start])
        pieces.append(token.text)
        position = token.end
    pieces.append(text[position:])
    assert "".join(pieces) == text


def test_token_is_a_named_tuple_with_code_point_offsets():
    token = tokenize("قال داعش")[1]
    assert token == Token("داعش", 4, 8)
    text, start, end = token
    assert (token.text, token.start, token.end) == (text, start, end)


def test_seed_opening():
    assert texts(SEED_OPENING) == [
        "شن",
        "عناصر",
        "تنظيم",
        "داعش",
        "فجر",
        "اليوم",
        "الأربعاء",
        "8",
        "نومبر",
        "2023",
        "هجوماً",
    ]
    assert_well_formed(SEED_OPENING, tokenize(SEED_OPENING))


def test_quotes_and_hyphen_are_their_own_tokens():
    tokens = tokenize(SEED_ROAD)
    assert [t.text for t in tokens] == [
        "على",
        "طريق",
        "“",
        "أثريا",
        "-",
        "الرقة",
        "”",
        "في",
        "البادية",
    ]
    assert tokens[3] == Token("أثريا", 10, 15)


def test_arabic_and_latin_punctuation():
    assert texts(SEED_TOLL) == [
        "514",
        "قتيل",
        "منذ",
        "مطلع",
        "العام",
        "2023",
        "،",
        "هم",
        ":",
        "31",
        "من",
        "عناصر",
        "تنظيم",
        "“",
        "داعش",
        "”",
        "قتلوا",
        "باشتباكات",
    ]
    assert texts("لماذا؟ نعم؛ «قال» (هنا) 'x' \"y\" انتهى۔") == [
        "لماذا",
        "؟",
        "نعم",
        "؛",
        "«",
        "قال",
        "»",
        "(",
        "هنا",
        ")",
        "'",
        "x",
        "'",
        '"',
        "y",
        '"',
        "انتهى",
        "۔",
    ]


def test_latin_word_and_digits_in_seed_quote():
    tokens = texts(SEED_QUOTE)
    assert tokens[6:9] == ["لمنصة", "SY24", ":"]
    assert "(" in tokens and ")" in tokens
    assert tokens[-2:] == ["”", "."]


def test_tashkeel_and_tatweel_stay_in_the_word():
    assert texts("مَرَّة الجـــيش هجوماً") == ["مَرَّة", "الجـــيش", "هجوماً"]


def test_decimals_and_thousands_stay_one_token():
    assert texts("3.5 1,000 ٣٫٥ ١٬٠٠٠ 2023.") == ["3.5", "1,000", "٣٫٥", "١٬٠٠٠", "2023", "."]
    assert texts("1,2,3 a.b") == ["1,2,3", "a", ".", "b"]


def test_proclitic_waw_is_not_split():
    assert texts("وتستفيد هذه الخلايا و جرى") == ["وتستفيد", "هذه", "الخلايا", "و", "جرى"]


@pytest.mark.parametrize(
    "emoji",
    ["👍", "🇮🇶", "👍🏽", "👨\u200d👩\u200d👧", "❤\ufe0f", "🏳\ufe0f\u200d🌈", "1\ufe0f\u20e3"],
)
def test_emoji_sequences_are_one_token(emoji):
    text = f"قال {emoji} الجيش"
    assert texts(text) == ["قال", emoji, "الجيش"]


def test_adjacent_emoji_and_flags_split_correctly():
    assert texts("👍👍🏽🇮🇶🇸🇾🇮") == ["👍", "👍🏽", "🇮🇶", "🇸🇾", "🇮"]
    assert texts("داعش👍") == ["داعش", "👍"]


def test_bidi_marks_and_embeddings_are_not_tokens():
    text = "\u200fقال\u200e SY24 \u202bالجيش\u202c\u2067نص\u2069"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["قال", "SY24", "الجيش", "نص"]
    assert_well_formed(text, tokens)


def test_zero_width_joiners_inside_a_word_stay_in_the_token():
    assert texts("می\u200cخواهم") == ["می\u200cخواهم"]
    assert texts("ل\u200dا") == ["ل\u200dا"]
    # at the start of a word they are dropped like whitespace; at its end UAX #29 attaches them to the last letter
    assert texts("\u200cقال \u200d") == ["قال"]
    assert texts("قال\u200c نص") == ["قال\u200c", "نص"]


def test_is_word_token():
    kinds = [(t.text, is_word_token(t)) for t in tokenize("قال: 30 👍")]
    assert kinds == [("قال", True), (":", False), ("30", True), ("👍", False)]


def test_empty_and_blank_text():
    assert tokenize("") == []
    assert tokenize(" \n\t\u200f\u200e ") == []
    assert sentences("") == []
    assert sentences("  \n ") == []


def test_sentences_split_after_terminators_and_newlines():
    spans = sentences(SEED_TWO_SENTENCES)
    got = [SEED_TWO_SENTENCES[s:e] for s, e in spans]
    assert got == [
        "عند مثلث الرقة-حمص-ديرالزور.",
        "و جرى الهجوم بالأسلحة الرشاشة.",
        "وقد حذرت الأمم المتحدة من أن عودة داعش تمثل تهديدًا خطيرًا.",
    ]


def test_sentences_never_split_inside_a_number_and_keep_closing_quotes():
    text = "ارتفع 3.5 بالمئة؟! قال “انتهى.” ثم سطر بلا نقطة\nوسطر آخر… نعم"
    got = [text[s:e] for s, e in sentences(text)]
    assert got == [
        "ارتفع 3.5 بالمئة؟!",
        "قال “انتهى.”",
        "ثم سطر بلا نقطة",
        "وسطر آخر…",
        "نعم",
    ]


def test_tokenize_sentences_groups_the_same_tokens():
    text = SEED_TWO_SENTENCES
    groups = tokenize_sentences(text)
    assert [tok for group in groups for tok in group] == tokenize(text)
    assert [(g[0].start, g[-1].end) for g in groups] == sentences(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("نقلت منصة sy-24.com الخبر. ثم نفته", ["نقلت منصة sy-24.com الخبر.", "ثم نفته"]),
        ("قال د.محمد إن النسبة 3.5 بالمئة. لا أكثر", ["قال د.محمد إن النسبة 3.5 بالمئة.", "لا أكثر"]),
        ("صرح د. محمد أبو يوسف لوكالة أ. ف. ب. ثم غادر", ["صرح د. محمد أبو يوسف لوكالة أ. ف. ب. ثم غادر"]),
        ("المصدر https://sy-24.com/news?id=3.5 هل؟ نعم", ["المصدر https://sy-24.com/news?id=3.5 هل؟", "نعم"]),
        ("هل انتهى؟نعم. انتهى", ["هل انتهى؟نعم.", "انتهى"]),  # no space after ؟: not a break
        ("سقط 30 قتيلاً.", ["سقط 30 قتيلاً."]),
    ],
)
def test_sentences_split_only_before_whitespace_and_not_after_one_letter_abbreviations(text, expected):
    assert [text[s:e] for s, e in sentences(text)] == expected
