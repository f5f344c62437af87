"""Fleiss' and Cohen's kappa: published / hand-derived values and edge cases."""

from __future__ import annotations

from fractions import Fraction

import pytest

from annotations.agreement import UndefinedAgreement, cohen_kappa, fleiss_kappa

# Fleiss (1971) data as reproduced in the Wikipedia article "Fleiss' kappa"
# (worked example): 10 subjects, 14 raters each, 5 categories; published
# P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def counts_to_triples(counts):
    triples = []
    for unit, row in enumerate(counts):
        coder = 0  # coder ids 0..13 within each unit (not the same people)
        for category, k in enumerate(row):
            for _ in range(k):
                triples.append((coder, unit, category))
                coder += 1
    return triples


def pair_triples(a, b):
    return [("A", i, v) for i, v in enumerate(a)] + [("B", i, v) for i, v in enumerate(b)]


def table_triples(table, categories):
    """Two coders from a contingency table (rows: coder A, columns: coder B)."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, k in enumerate(row):
            a += [categories[i]] * k
            b += [categories[j]] * k
    return pair_triples(a, b)


def test_fleiss_wikipedia_worked_example():
    kappa = fleiss_kappa(counts_to_triples(FLEISS_COUNTS))
    assert round(kappa, 3) == 0.210
    # P-bar and P-bar_e as published, recomputed exactly from the counts.
    n, N = 14, 10
    p_bar = sum(Fraction(sum(c * c for c in row) - n, n * (n - 1)) for row in FLEISS_COUNTS) / N
    pj = [Fraction(sum(row[j] for row in FLEISS_COUNTS), N * n) for j in range(5)]
    p_e = sum(p * p for p in pj)
    assert round(float(p_bar), 3) == 0.378
    assert round(float(p_e), 3) == 0.213
    assert kappa == pytest.approx(float((p_bar - p_e) / (1 - p_e)), abs=1e-12)


def test_fleiss_unequal_raters_raises():
    triples = counts_to_triples(FLEISS_COUNTS)[1:]  # unit 0 now has 13 ratings
    with pytest.raises(ValueError, match="same number of coders"):
        fleiss_kappa(triples)


def test_fleiss_undefined_cases():
    with pytest.raises(UndefinedAgreement, match="only one category"):
        fleiss_kappa([(c, u, "x") for c in range(3) for u in range(4)])
    with pytest.raises(UndefinedAgreement, match="at least two ratings"):
        fleiss_kappa([(0, u, u % 2) for u in range(4)])
    with pytest.raises(UndefinedAgreement, match="no ratings"):
        fleiss_kappa([])


def test_fleiss_duplicate_coder_in_unit_raises():
    with pytest.raises(ValueError, match="more than once"):
        fleiss_kappa([(0, 0, "a"), (0, 0, "b"), (0, 1, "a"), (1, 1, "b")])


def test_cohen_wikipedia_example():
    # Wikipedia "Cohen's kappa", simple example: 50 grant proposals, Yes/Yes 20,
    # Yes/No 5, No/Yes 10, No/No 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4.
    triples = table_triples([[20, 5], [10, 15]], ["Yes", "No"])
    assert cohen_kappa(triples) == pytest.approx(0.4, abs=1e-12)


def test_cohen_artstein_poesio_table_4():
    # Artstein & Poesio (2008), "Inter-coder agreement for computational
    # linguistics", Computational Linguistics 34(4), Table 4; the value 0.8013
    # is the one asserted in scikit-learn's test_cohen_kappa for these labels.
    y1 = [0] * 46 + [1] * 44 + [2] * 10
    y2 = [0] * 52 + [1] * 32 + [2] * 16
    assert round(cohen_kappa(pair_triples(y1, y2)), 4) == 0.8013


def test_cohen_weighted_scikit_learn_reference_values():
    # scikit-learn's test_cohen_kappa "Weighting example: none, linear,
    # quadratic" (sklearn/metrics/tests/test_classification.py): 0.9315,
    # 0.9412, 0.9541 -- reference values of another implementation, not a
    # publication.  Categories 0, 1, 2 are positions 0, 1, 2 in both.
    y1 = [0] * 46 + [1] * 44 + [2] * 10
    y2 = [0] * 50 + [1] * 40 + [2] * 10
    t = pair_triples(y1, y2)
    assert round(cohen_kappa(t), 4) == 0.9315
    assert round(cohen_kappa(t, weights="linear"), 4) == 0.9412
    assert round(cohen_kappa(t, weights="quadratic"), 4) == 0.9541


def test_cohen_quadratic_maple_essaytools_examples():
    # Maple help page EssayTools[QuadraticWeightedKappa], Examples 1 and 2
    # (Min and Max taken from the data, i.e. the integer scale 1..10):
    # 0.758620689655172 and 0.438095238095238.
    a = [9, 7, 8, 7, 6, 8, 3, 5, 10]
    b1 = [8, 8, 6, 6, 7, 6, 1, 4, 8]
    b2 = [3, 5, 6, 6, 7, 6, 1, 4, 8]
    scale = list(range(1, 11))
    assert cohen_kappa(pair_triples(a, b1), "quadratic", value_domain=scale) == pytest.approx(
        0.758620689655172, abs=1e-12
    )
    assert cohen_kappa(pair_triples(a, b2), "quadratic", value_domain=scale) == pytest.approx(
        0.438095238095238, abs=1e-12
    )


# Hand-derived 3x3 example (not from a publication).  Rows coder A, columns
# coder B, categories low < mid < high, N = 50:
#          low mid high | row
#   low     10   4   1  |  15
#   mid      3  12   2  |  17
#   high     1   3  14  |  18
#   col     14  19  17
# Unweighted: p_o = 36/50, p_e = (15*14 + 17*19 + 18*17)/2500 = 839/2500,
#   kappa = (36/50 - 839/2500) / (1 - 839/2500) = 961/1661 = 0.578567...
# Disagreement counts: |i-j| = 1 cells 4+3+2+3 = 12, |i-j| = 2 cells 1+1 = 2.
# Chance products: |i-j| = 1: 15*19 + 17*14 + 17*17 + 18*19 = 1154,
#                  |i-j| = 2: 15*17 + 18*14 = 507.
# Linear (w = 1/2, 1):     1 - (12/2 + 2)/50 / ((1154/2 + 507)/2500)
#                        = 1 - 400/1084 = 171/271 = 0.630996...
# Quadratic (w = 1/4, 1):  1 - (12/4 + 2)/50 / ((1154/4 + 507)/2500)
#                        = 1 - 250/795.5 = 1091/1591 = 0.685732...
HAND_TABLE = [[10, 4, 1], [3, 12, 2], [1, 3, 14]]
HAND_CATS = ["low", "mid", "high"]


def test_cohen_hand_derived_3x3():
    t = table_triples(HAND_TABLE, HAND_CATS)
    domain = HAND_CATS
    assert cohen_kappa(t) == pytest.approx(961 / 1661, abs=1e-12)
    assert cohen_kappa(t, "linear", value_domain=domain) == pytest.approx(171 / 271, abs=1e-12)
    assert cohen_kappa(t, "quadratic", value_domain=domain) == pytest.approx(1091 / 1591, abs=1e-12)
    assert round(cohen_kappa(t, "linear", value_domain=domain), 3) == 0.631
    assert round(cohen_kappa(t, "quadratic", value_domain=domain), 3) == 0.686


def test_cohen_quadratic_equals_moment_formula():
    # With positions x, y: quadratic kappa = 2 cov(x, y) / (var x + var y + (mean x - mean y)^2)
    # (population moments) -- an algebraic identity, checked on the hand table.
    xs, ys = [], []
    for i, row in enumerate(HAND_TABLE):
        for j, k in enumerate(row):
            xs += [i] * k
            ys += [j] * k
    n = len(xs)
    mx, my = Fraction(sum(xs), n), Fraction(sum(ys), n)
    vx = sum((x - mx) ** 2 for x in xs) / n
    vy = sum((y - my) ** 2 for y in ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / n
    expected = 2 * cov / (vx + vy + (mx - my) ** 2)
    t = table_triples(HAND_TABLE, HAND_CATS)
    assert cohen_kappa(t, "quadratic", value_domain=HAND_CATS) == pytest.approx(float(expected), abs=1e-12)


def test_cohen_two_categories_weights_coincide():
    t = table_triples([[20, 5], [10, 15]], [0, 1])
    assert cohen_kappa(t, "linear") == pytest.approx(cohen_kappa(t), abs=1e-12)
    assert cohen_kappa(t, "quadratic") == pytest.approx(cohen_kappa(t), abs=1e-12)


def test_cohen_units_rated_once_are_left_out():
    t = table_triples([[20, 5], [10, 15]], ["Yes", "No"])
    extra = t + [("A", "only-a", "Yes"), ("B", "only-b", "No"), ("A", "missing", None)]
    assert cohen_kappa(extra) == pytest.approx(0.4, abs=1e-12)


def test_cohen_errors():
    t = table_triples([[20, 5], [10, 15]], ["Yes", "No"])
    with pytest.raises(ValueError, match="exactly two coders"):
        cohen_kappa(t + [("C", 0, "Yes")])
    with pytest.raises(ValueError, match="exactly two coders"):
        cohen_kappa([("A", 0, "Yes"), ("A", 1, "No")])
    with pytest.raises(ValueError, match="unknown weights"):
        cohen_kappa(t, weights="cubic")
    with pytest.raises(ValueError, match="not in value_domain"):
        cohen_kappa(t, value_domain=["Yes"])
    with pytest.raises(UndefinedAgreement, match="no unit was rated by both"):
        cohen_kappa([("A", 0, "Yes"), ("B", 1, "No")])
    with pytest.raises(UndefinedAgreement, match="only one category"):
        cohen_kappa([("A", u, "Yes") for u in range(3)] + [("B", u, "Yes") for u in range(3)])
    with pytest.raises(UndefinedAgreement, match="only one category"):
        cohen_kappa(
            [("A", u, "Yes") for u in range(3)] + [("B", u, "Yes") for u in range(3)],
            weights="linear",
            value_domain=["Yes", "No"],
        )
    with pytest.raises(ValueError, match="value_domain"):
        cohen_kappa(pair_triples([1, "x"], ["x", 1]), weights="linear")


def test_cohen_disjoint_categories_is_defined():
    # A says only "x", B only "y": p_o = 0, p_e = 0 -> kappa = 0 (defined).
    assert cohen_kappa(pair_triples(["x"] * 4, ["y"] * 4)) == pytest.approx(0.0)
