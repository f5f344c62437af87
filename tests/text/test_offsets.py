import pytest

from annotations.text.offsets import (
    boundary_error,
    codepoint_offsets_table,
    codepoint_to_utf16,
    utf16_length,
    utf16_offsets_table,
    utf16_to_codepoint,
    validate_span,
)

from .samples import SECURITY


def test_security_case_offsets_both_ways():
    text = SECURITY
    assert text[6:11] == "الجيش"
    assert (codepoint_to_utf16(text, 6), codepoint_to_utf16(text, 11)) == (7, 12)
    assert (utf16_to_codepoint(text, 7), utf16_to_codepoint(text, 12)) == (6, 11)
    # what a browser sees: JS string indices are UTF-16 units
    units = text.encode("utf-16-le")
    assert units[7 * 2 : 12 * 2].decode("utf-16-le") == "الجيش"


def test_offsets_inside_a_surrogate_pair_raise():
    with pytest.raises(ValueError, match="surrogate pair"):
        utf16_to_codepoint(SECURITY, 5)  # between the two halves of 👍


@pytest.mark.parametrize("offset", [-1, 100])
def test_out_of_range_offsets_raise(offset):
    with pytest.raises(ValueError):
        utf16_to_codepoint(SECURITY, offset)
    with pytest.raises(ValueError):
        codepoint_to_utf16(SECURITY, offset)


def test_non_int_offsets_raise_type_error():
    with pytest.raises(TypeError):
        utf16_to_codepoint(SECURITY, True)
    with pytest.raises(TypeError):
        codepoint_to_utf16(SECURITY, 1.0)


def test_tables():
    text = "a👍b"
    assert utf16_offsets_table(text) == [0, 1, 3, 4]
    assert codepoint_offsets_table(text) == [0, 1, None, 2, 3]
    assert utf16_length(text) == 4
    assert utf16_offsets_table("") == [0]
    assert codepoint_offsets_table("") == [0]


def test_ends_are_always_valid_boundaries():
    assert boundary_error("مَرَّة", 0) is None
    assert boundary_error("مَرَّة", 6) is None
    assert boundary_error("", 0) is None


def test_boundary_before_harakat_and_shadda():
    text = "مَرَّة"
    assert boundary_error(text, 1) == ("Span boundary falls inside a character: a combining mark (U+064E) follows it.")
    # NFC orders fatha (ccc 30) before shadda (ccc 33)
    assert "U+064E" in boundary_error(text, 3)
    assert "U+0651" in boundary_error(text, 4)
    assert boundary_error(text, 2) is None
    assert boundary_error(text, 5) is None


def test_tatweel_is_a_letter_not_a_mark():
    text = "الجـــيش"
    assert all(boundary_error(text, i) is None for i in range(len(text) + 1))


def test_boundaries_inside_emoji():
    assert "skin-tone modifier (U+1F3FD)" in boundary_error("👍🏽", 1)
    assert "variation selector (U+FE0F)" in boundary_error("❤\ufe0f", 1)
    family = "👨\u200d👩\u200d👧"
    for i in range(1, len(family)):
        assert "zero-width joiner" in boundary_error(family, i)
    assert "regional indicator pair (U+1F1EE U+1F1F6)" in boundary_error("🇮🇶", 1)
    assert boundary_error("🇮🇶🇸🇾", 2) is None
    assert boundary_error("🇮🇶🇸🇾", 3) is not None
    flag = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert "tag character" in boundary_error(flag, 1)
    assert boundary_error("👍👍", 1) is None


def test_joiners_attach_to_the_letter_before_and_bidi_marks_stand_alone():
    # UAX #29: ZWNJ and ZWJ are Extend (no break before them); RLM is Control (breaks on both sides)
    text = "می\u200cخواهم \u200fقال"
    bad = [i for i in range(len(text) + 1) if boundary_error(text, i)]
    assert bad == [2]
    assert "zero-width non-joiner (U+200C)" in boundary_error(text, 2)
    assert boundary_error("ل\u200dا", 1) is not None
    assert boundary_error("ل\u200dا", 2) is None
    assert boundary_error("ل\u200d👍", 2) is None  # not an emoji sequence: no emoji before the ZWJ


def test_a_mark_after_whitespace_belongs_to_the_space():
    # UAX #29 GB9: no break before Extend, whatever precedes it
    assert "U+064E" in boundary_error("قال \u064e", 4)
    assert boundary_error("قال \u064e", 3) is None


def test_boundary_error_rejects_out_of_range_index():
    with pytest.raises(ValueError):
        boundary_error("abc", 4)


def test_validate_span_ok():
    assert validate_span(SECURITY, 6, 11) == {}
    assert validate_span(SECURITY, 4, 5) == {}  # the whole emoji


def test_validate_span_range_messages():
    text = "ا" * 4213
    assert validate_span(text, 0, 4214) == {"end": "Ensure end ≤ 4213 (the document length)."}
    assert validate_span(text, -1, 3) == {"start": "Ensure start ≥ 0."}
    assert validate_span(text, 4300, 4301) == {
        "start": "Ensure start ≤ 4213 (the document length).",
        "end": "Ensure end ≤ 4213 (the document length).",
    }
    assert validate_span(text, 5, 5) == {"end": "start must be less than end."}
    assert validate_span(text, 6, 5) == {"end": "start must be less than end."}
    assert validate_span("", 0, 0) == {"end": "start must be less than end."}


def test_validate_span_types():
    assert validate_span("abc", True, 2) == {"start": "start must be an integer."}
    assert validate_span("abc", 0, "2") == {"end": "end must be an integer."}
    assert validate_span("abc", None, 2.0) == {
        "start": "start must be an integer.",
        "end": "end must be an integer.",
    }


def test_validate_span_boundary_messages():
    text = "قال مَرَّة 👍🏽"
    errors = validate_span(text, 5, 8)
    assert errors == {
        "start": "Span boundary falls inside a character: a combining mark (U+064E) follows it.",
        "end": "Span boundary falls inside a character: a combining mark (U+0651) follows it.",
    }
    emoji_start = text.index("👍")
    assert set(validate_span(text, emoji_start, emoji_start + 1)) == {"end"}
