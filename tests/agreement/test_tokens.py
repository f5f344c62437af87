"""token_alpha / token_values: token labels from spans, then nominal alpha."""

from __future__ import annotations

import pytest

from annotations.agreement import UndefinedAgreement, krippendorff_alpha, token_alpha, token_values

# "وزار الرئيس القاهرة اليوم" -- tokens are passed in (code-point offsets).
TEXT = "وزار الرئيس القاهرة اليوم"
TOKENS = [(0, 4), (5, 11), (12, 19), (20, 25)]


def test_tokens_fixture_matches_text():
    assert [TEXT[s:e] for s, e in TOKENS] == ["وزار", "الرئيس", "القاهرة", "اليوم"]


def test_token_values_basic_and_outside():
    assert token_values(TOKENS, [(12, 19, "LOC")]) == ["O", "O", "LOC", "O"]
    assert token_values(TOKENS, []) == ["O"] * 4
    assert token_values(TOKENS, [(12, 19, "LOC")], outside=None) == [None, None, "LOC", None]


def test_span_starting_inside_a_token_covers_it():
    # Annotator excluded the article "ال" (2 code points) from the entity.
    assert token_values(TOKENS, [(14, 19, "LOC")]) == ["O", "O", "LOC", "O"]


def test_tie_breaking_overlap_then_shortest_then_label():
    # Largest overlap wins: token (5, 11) overlaps PER by 6, ORG by 1.
    assert token_values(TOKENS, [(5, 11, "PER"), (10, 19, "ORG")])[1] == "PER"
    # Same overlap (whole token): the shortest (innermost) span wins.
    assert token_values(TOKENS, [(0, 25, "EVENT"), (12, 19, "LOC")])[2] == "LOC"
    # Same overlap and length: smallest label by str().
    assert token_values(TOKENS, [(12, 19, "ORG"), (12, 19, "LOC")])[2] == "LOC"
    # Independent of span order.
    spans = [(0, 25, "EVENT"), (12, 19, "LOC"), (12, 19, "GPE"), (3, 6, "X")]
    assert token_values(TOKENS, spans) == token_values(TOKENS, list(reversed(spans)))


def test_unsorted_tokens_use_the_general_path():
    shuffled = [TOKENS[2], TOKENS[0], TOKENS[3], TOKENS[1]]
    assert token_values(shuffled, [(12, 19, "LOC"), (5, 11, "PER")]) == ["LOC", "O", "O", "PER"]


def test_token_alpha_equals_alpha_of_token_triples():
    ann = {
        "r1": [(5, 11, "PER"), (12, 19, "LOC")],
        "r2": [(5, 11, "PER"), (14, 19, "LOC")],
        "r3": [(5, 19, "ORG")],
    }
    expected = krippendorff_alpha(
        [(c, i, v) for c, spans in ann.items() for i, v in enumerate(token_values(TOKENS, spans))]
    )
    assert token_alpha(TOKENS, ann) == pytest.approx(expected)
    # Sequence of span lists: coders 0, 1, 2.
    assert token_alpha(TOKENS, list(ann.values())) == pytest.approx(expected)


def test_token_alpha_by_hand():
    # Two coders, 4 tokens: values (O, PER, LOC, O) and (O, PER, O, O).
    # Pairable values n = 8; n_O = 5, n_PER = 2, n_LOC = 1; one disagreeing
    # unit gives o_{LOC,O} + o_{O,LOC} = 2.
    # alpha = 1 - 7 * 2 / (64 - 25 - 4 - 1) = 1 - 14/34 = 10/17.
    ann = [[(5, 11, "PER"), (12, 19, "LOC")], [(5, 11, "PER")]]
    assert token_alpha(TOKENS, ann) == pytest.approx(10 / 17)


def test_token_alpha_errors():
    with pytest.raises(ValueError, match="at least two coders"):
        token_alpha(TOKENS, [[(0, 4, "X")]])
    with pytest.raises(ValueError, match="start < end"):
        token_values([(3, 3)], [])
    with pytest.raises(ValueError, match="start must not exceed"):
        token_values(TOKENS, [(9, 2, "X")])
    with pytest.raises(UndefinedAgreement, match="only one category"):
        token_alpha(TOKENS, [[], []])
