"""Krippendorff's alpha: published values, both entry points, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotations.agreement import (
    UndefinedAgreement,
    krippendorff_alpha,
    krippendorff_alpha_matrix,
)
from annotations.agreement import krippendorff as kmod

nan = np.nan

# K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
# Annenberg School for Communication, University of Pennsylvania, section C
# ("Nominal data, any number of observers, missing data"; the same data are
# reused for the ordinal, interval and ratio metrics).  Coders A-D x units 1-12.
PAPER_4x12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],  # A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],  # B
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],  # C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],  # D
]
# Published in the paper: nominal .743, ordinal .815, interval .849, ratio .797.
PAPER_4x12_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Same paper, section A ("Binary or dichotomous data, two observers, no
# missing data"): published alpha = 0.095.
PAPER_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


def to_triples(matrix, coders="ABCDEFGH"):
    return [
        (coders[c], u + 1, v)
        for c, row in enumerate(matrix)
        for u, v in enumerate(row)
        if not (isinstance(v, float) and math.isnan(v))
    ]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_four_coders_twelve_units(level):
    expected = PAPER_4x12_ALPHA[level]
    assert round(krippendorff_alpha(to_triples(PAPER_4x12), level=level), 3) == expected
    assert round(krippendorff_alpha_matrix(np.array(PAPER_4x12), level=level), 3) == expected


def test_krippendorff_2011_nominal_by_hand():
    # Hand derivation for the 4x12 data (units 1..11 are pairable, unit 12 has
    # one value): n = 40 pairable values with n_c = (9, 13, 10, 5, 3) for the
    # values 1..5.  Off-diagonal coincidences: unit 2 {2,2,3,2} gives 6/3 = 2,
    # unit 6 {1,2,3,4} gives 12/3 = 4, unit 8 {1,1,2,1} gives 6/3 = 2; total 8.
    # alpha = 1 - (n-1) * 8 / (n^2 - sum n_c^2) = 1 - 39*8/1216 = 904/1216.
    assert math.isclose(krippendorff_alpha(to_triples(PAPER_4x12)), 904 / 1216, rel_tol=1e-12)


def test_krippendorff_2011_binary_two_coders():
    assert round(krippendorff_alpha(to_triples(PAPER_BINARY)), 3) == 0.095
    assert round(krippendorff_alpha_matrix(PAPER_BINARY), 3) == 0.095


def test_ordinal_value_domain_with_strings_and_unobserved_values():
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    triples = [(c, u, names[v]) for c, u, v in to_triples(PAPER_4x12)]
    domain = ["very low", "low", "mid", "high", "very high", "extreme"]
    assert round(krippendorff_alpha(triples, "ordinal", value_domain=domain), 3) == 0.815
    # Ordinal distance uses ranks only: an unobserved value changes nothing.
    assert krippendorff_alpha(triples, "ordinal", value_domain=domain) == pytest.approx(
        krippendorff_alpha(to_triples(PAPER_4x12), "ordinal"), abs=1e-12
    )
    # Nominal alpha on the strings is the published nominal value.
    assert round(krippendorff_alpha(triples), 3) == 0.743
    # Alphabetical order is a different (wrong) order: the value changes.
    assert round(krippendorff_alpha(triples, "ordinal"), 3) != 0.815


def test_matrix_accepts_string_arrays_and_value_domain():
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    mat = np.array([[names[v] if v == v else nan for v in row] for row in PAPER_4x12], dtype=object)
    domain = ["very low", "low", "mid", "high", "very high"]
    assert round(krippendorff_alpha_matrix(mat, "ordinal", value_domain=domain), 3) == 0.815
    assert round(krippendorff_alpha_matrix(mat.astype(str), "nominal"), 3) == 0.743
    numeric = np.array(PAPER_4x12)
    assert round(krippendorff_alpha_matrix(numeric, "ordinal", value_domain=[5, 4, 3, 2, 1]), 3) == 0.815
    with pytest.raises(ValueError, match="not in value_domain"):
        krippendorff_alpha_matrix(numeric, "ordinal", value_domain=[1, 2, 3])


def test_values_outside_value_domain_raise():
    with pytest.raises(ValueError, match="not in value_domain"):
        krippendorff_alpha(to_triples(PAPER_4x12), "ordinal", value_domain=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="not in value_domain"):
        krippendorff_alpha(to_triples(PAPER_4x12), "nominal", value_domain=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="duplicate"):
        krippendorff_alpha(to_triples(PAPER_4x12), "ordinal", value_domain=[1, 2, 2, 3, 4, 5])


def test_missing_values_as_none_or_nan_are_absent_triples():
    base = to_triples(PAPER_4x12)
    extra = base + [("E", 1, None), ("E", 2, float("nan")), ("E", 3, np.nan)]
    for level in PAPER_4x12_ALPHA:
        assert krippendorff_alpha(extra, level) == pytest.approx(krippendorff_alpha(base, level), abs=1e-15)


def test_generators_lists_and_arbitrary_hashables():
    triples = to_triples(PAPER_4x12)
    weird = [((("coder", c),), frozenset({u}), str(v)) for c, u, v in triples]
    assert round(krippendorff_alpha(iter(weird)), 3) == 0.743
    as_lists = [list(t) for t in triples]
    assert round(krippendorff_alpha(as_lists, "interval"), 3) == 0.849


def test_unknown_level_raises_value_error():
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(to_triples(PAPER_4x12), level="cardinal")
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha_matrix(PAPER_4x12, level="Nominal")


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_undefined_no_pairable_values(level):
    with pytest.raises(UndefinedAgreement, match="undefined: no unit has two or more"):
        krippendorff_alpha([("a", 1, 1), ("b", 2, 2), ("c", 3, 3)], level)
    with pytest.raises(UndefinedAgreement):
        krippendorff_alpha([], level)
    with pytest.raises(UndefinedAgreement):
        krippendorff_alpha_matrix(np.full((3, 4), nan), level)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_undefined_single_category(level):
    ratings = [(c, u, 2) for c in "abc" for u in range(5)] + [("a", 9, 7)]  # 7 is not pairable
    with pytest.raises(UndefinedAgreement, match="only one"):
        krippendorff_alpha(ratings, level)
    assert isinstance(UndefinedAgreement("x"), ValueError)


def test_perfect_agreement_is_one():
    ratings = [(c, u, u % 3) for c in "abc" for u in range(9)]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(ratings, level) == pytest.approx(1.0)


def test_duplicate_coder_unit_raises():
    with pytest.raises(ValueError, match="more than once"):
        krippendorff_alpha([("a", 1, 1), ("a", 1, 2), ("b", 1, 1)])


def test_interval_needs_numbers_and_ratio_non_negative():
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([("a", 1, "x"), ("b", 1, "y")], "interval")
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([("a", 1, -1.0), ("b", 1, 2.0)], "ratio")


def test_malformed_triples_and_matrix():
    with pytest.raises(ValueError, match="triples"):
        krippendorff_alpha([("a", 1)])
    with pytest.raises(ValueError, match="2-D"):
        krippendorff_alpha_matrix([1, 2, 3])


def test_sparse_coders_use_unit_packing_and_agree():
    # 300 coders, each unit rated by 2-4 of them: the dense coders x units
    # matrix would be mostly empty, so units are packed into blocks by size.
    rng = np.random.default_rng(7)
    triples = []
    for u in range(400):
        k = int(rng.integers(1, 5)) if u % 50 else 60  # some large units too
        coders = rng.choice(300, size=k, replace=False)
        truth = int(rng.integers(0, 4))
        for c in coders:
            v = truth if rng.random() < 0.7 else int(rng.integers(0, 4))
            triples.append((int(c), u, v))
    assert kmod._DENSE_FACTOR * len(triples) + kmod._DENSE_SLACK < 300 * 400
    mat = np.full((300, 400), nan)
    for c, u, v in triples:
        mat[c, u] = v
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(triples, level) == pytest.approx(
            krippendorff_alpha_matrix(mat, level), rel=1e-12, abs=1e-12
        )


def test_continuous_values_with_many_distinct_values():
    rng = np.random.default_rng(3)
    truth = rng.normal(size=20_000)
    data = truth + rng.normal(scale=0.5, size=(3, truth.size))
    data[rng.random(data.shape) < 0.1] = nan
    a = krippendorff_alpha_matrix(data, "interval")
    # Interval alpha ~ var(truth) / (var(truth) + var(noise)) = 1 / 1.25.
    assert 0.77 < a < 0.83
    o = krippendorff_alpha_matrix(data, "ordinal")
    assert 0.75 < o < 0.85


def test_many_coders_use_sort_based_equal_pairs():
    rng = np.random.default_rng(11)
    data = rng.integers(0, 3, size=(12, 50)).astype(float)
    data[rng.random(data.shape) < 0.2] = nan
    eq_sorted = kmod._equal_pairs(data)
    eq_loop = np.array(
        [sum(1 for i in range(12) for j in range(i + 1, 12) if data[i, u] == data[j, u]) for u in range(50)]
    )
    assert (eq_sorted == eq_loop).all()
