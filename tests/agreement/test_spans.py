"""span_f1: exact and overlap matching, per-label / micro / macro results."""

from __future__ import annotations

import dataclasses

import pytest

from annotations.agreement import LabelF1, SpanF1Result, UndefinedAgreement, span_f1
from annotations.agreement import spans as spans_mod


def test_exact_match_basic():
    a = [(0, 5, "PER"), (10, 15, "LOC"), (20, 25, "ORG")]
    b = [(0, 5, "PER"), (10, 14, "LOC"), (20, 25, "PER")]
    r = span_f1(a, b)
    assert isinstance(r, SpanF1Result)
    assert r.matched == 1 and r.n_a == 3 and r.n_b == 3
    assert r.f1 == pytest.approx(1 / 3)
    assert r["f1"] == r.f1
    assert r.precision == pytest.approx(1 / 3) and r.recall == pytest.approx(1 / 3)
    assert set(r.per_label) == {"PER", "LOC", "ORG"}
    per = r.per_label["PER"]
    assert isinstance(per, LabelF1)
    assert (per.matched, per.n_a, per.n_b) == (1, 1, 2)
    assert per.f1 == pytest.approx(2 / 3)
    assert per.precision == pytest.approx(1 / 2) and per.recall == pytest.approx(1.0)
    assert r.per_label["ORG"].f1 == 0.0 and r.per_label["ORG"].precision == 0.0
    assert r.macro_f1 == pytest.approx((2 / 3 + 0 + 0) / 3)


def test_overlap_match_half_open():
    a = [(0, 5, "PER"), (10, 15, "LOC")]
    b = [(5, 8, "PER"), (14, 20, "LOC")]  # [0,5) and [5,8) only touch
    r = span_f1(a, b, match="overlap")
    assert r.matched == 1
    assert r.per_label["PER"].matched == 0 and r.per_label["LOC"].matched == 1


def test_overlap_is_maximum_not_greedy_by_input_order():
    # A greedy that matched a1 to the first overlapping b (b1) would leave a2
    # without a partner; the maximum matching pairs a1-b2 and a2-b1.
    a = [(0, 10, "X"), (0, 2, "X")]
    b = [(1, 3, "X"), (8, 12, "X")]
    assert span_f1(a, b, match="overlap").matched == 2
    # Identical spans are not necessarily matched to each other.
    a = [(0, 10, "X"), (0, 1, "X")]
    b = [(0, 10, "X"), (9, 10, "X")]
    assert span_f1(a, b, match="overlap").matched == 2
    assert span_f1(a, b, match="exact").matched == 1


def test_each_span_matched_at_most_once():
    a = [(0, 10, "X")]
    b = [(0, 3, "X"), (4, 8, "X")]
    r = span_f1(a, b, match="overlap")
    assert r.matched == 1 and r.f1 == pytest.approx(2 / 3)
    assert span_f1(b, a, match="overlap").matched == 1


def test_exact_duplicates_are_a_multiset():
    a = [(0, 1, "X"), (0, 1, "X"), (0, 1, "X")]
    b = [(0, 1, "X"), (0, 1, "X")]
    r = span_f1(a, b)
    assert r.matched == 2 and r.f1 == pytest.approx(4 / 5)


def test_empty_spans_never_overlap():
    r = span_f1([(3, 3, "X")], [(0, 10, "X")], match="overlap")
    assert r.matched == 0
    assert span_f1([(3, 3, "X")], [(3, 3, "X")]).matched == 1  # exact: same triple


def test_one_side_empty_and_both_empty():
    r = span_f1([], [(0, 1, "X")])
    assert r.f1 == 0.0 and r.precision == 0.0 and r.recall == 0.0 and r.macro_f1 == 0.0
    with pytest.raises(UndefinedAgreement, match="both span lists are empty"):
        span_f1([], [])
    with pytest.raises(UndefinedAgreement):
        span_f1([], [], match="overlap")


def test_invalid_input():
    with pytest.raises(ValueError, match="unknown match"):
        span_f1([(0, 1, "X")], [(0, 1, "X")], match="fuzzy")
    with pytest.raises(ValueError, match="start must not exceed"):
        span_f1([(5, 1, "X")], [(0, 1, "X")])
    with pytest.raises(ValueError, match=r"\(start, end, label\)"):
        span_f1([(0, 1)], [(0, 1, "X")])


def test_lists_generators_and_unorderable_labels():
    a = [[0, 5, "PER"], [6, 9, ("LOC", 1)]]
    b = iter([(0, 5, "PER"), (7, 9, ("LOC", 1)), (10, 12, 3)])
    r = span_f1(a, b, match="overlap")
    assert r.matched == 2 and r.n_b == 3
    r = span_f1([[0, 5, "PER"]], [[0, 5, "PER"]])
    assert r.f1 == 1.0


def test_result_is_frozen():
    r = span_f1([(0, 1, "X")], [(0, 1, "X")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.f1 = 0.5  # type: ignore[misc]
    with pytest.raises(KeyError):
        r["nope"]


def test_heap_and_scan_sweeps_agree_on_large_inputs():
    import random

    rng = random.Random(5)
    for _ in range(50):
        a = sorted(
            ((s := rng.randrange(0, 400), s + rng.randrange(0, 15)) for _ in range(rng.randrange(0, 200))),
            key=lambda x: x[1],
        )
        b = sorted(
            ((s := rng.randrange(0, 400), s + rng.randrange(0, 15)) for _ in range(rng.randrange(0, 200))),
            key=lambda x: x[1],
        )
        assert spans_mod._max_overlap_matching_heap(a, b) == _scan(a, b)


def _scan(a, b):
    old = spans_mod._SCAN_LIMIT
    spans_mod._SCAN_LIMIT = 10**9
    try:
        return spans_mod._max_overlap_matching(a, b)
    finally:
        spans_mod._SCAN_LIMIT = old


def test_result_is_hashable_and_per_label_read_only():
    r = span_f1([(0, 1, "X")], [(0, 1, "X")])
    hash(r)
    with pytest.raises(TypeError):
        r.per_label["Y"] = None  # type: ignore[index]
    with pytest.raises(ValueError, match=r"\(start, end, label\)"):
        span_f1([5], [(0, 1, "X")])
