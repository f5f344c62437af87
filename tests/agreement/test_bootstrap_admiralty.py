"""alpha_bootstrap_ci and the Admiralty-grade helpers."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.agreement import (
    CREDIBILITY_SCALE,
    RELIABILITY_SCALE,
    AlphaBootstrapCI,
    UndefinedAgreement,
    admiralty_alpha,
    admiralty_ratings,
    alpha_bootstrap_ci,
    krippendorff_alpha,
)
from annotations.agreement import bootstrap as bmod
from annotations.agreement import krippendorff as kmod

from .test_krippendorff import PAPER_4x12, to_triples

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_estimate_and_determinism(level):
    t = to_triples(PAPER_4x12)
    ci = alpha_bootstrap_ci(t, level=level, n_boot=300, seed=42)
    assert isinstance(ci, AlphaBootstrapCI)
    assert ci.estimate == krippendorff_alpha(t, level)
    assert ci.low <= ci.high <= 1.0
    assert ci.interval == (ci.low, ci.high)
    assert ci.n_boot == 300 and ci.confidence == 0.95
    again = alpha_bootstrap_ci(t, level=level, n_boot=300, seed=42)
    assert again == ci
    other = alpha_bootstrap_ci(t, level=level, n_boot=300, seed=43)
    assert (other.low, other.high) != (ci.low, ci.high)


def test_bootstrap_narrows_with_more_units():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 2000)
    t = [
        (c, u, int(truth[u]) if rng.random() < 0.8 else int(rng.integers(0, 4))) for c in range(3) for u in range(2000)
    ]
    ci = alpha_bootstrap_ci(t, n_boot=200, seed=1)
    assert ci.low < ci.estimate < ci.high
    assert ci.high - ci.low < 0.06


@pytest.mark.parametrize("level", LEVELS)
def test_weighted_replicate_equals_alpha_of_resampled_data(level):
    # The replicate formula with unit weights w must equal alpha computed from
    # scratch on data where unit u is repeated w[u] times.
    t = to_triples(PAPER_4x12)
    p = kmod.parse_ratings(t, kind="numeric" if level in ("interval", "ratio") else "any", ordered=level == "ordinal")
    blocks = kmod._blocks_from_parsed(p.coder, p.unit, p.value, p.n_coders, p.n_units)
    stats = bmod._UnitStats(blocks, level)
    # Pairable units in block order: reconstruct their values.
    units = []
    for b in blocks:
        for j in range(b.x.shape[1]):
            col = b.x[:, j]
            units.append([v for v in col.tolist() if v == v])
    rng = np.random.default_rng(9)
    for _ in range(20):
        w = np.bincount(rng.integers(0, len(units), len(units)), minlength=len(units)).astype(float)
        resampled = [
            (slot, f"{u}-{copy}", v)
            for u, vals in enumerate(units)
            for copy in range(int(w[u]))
            for slot, v in enumerate(vals)
        ]
        got = stats.alpha(w, level)
        try:
            want = krippendorff_alpha(resampled, level)
        except UndefinedAgreement:
            assert np.isnan(got)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_bootstrap_errors_and_undefined():
    t = to_triples(PAPER_4x12)
    with pytest.raises(ValueError, match="n_boot"):
        alpha_bootstrap_ci(t, n_boot=0)
    with pytest.raises(ValueError, match="confidence"):
        alpha_bootstrap_ci(t, confidence=1.0)
    with pytest.raises(ValueError, match="unknown level"):
        alpha_bootstrap_ci(t, level="nope")
    with pytest.raises(UndefinedAgreement):
        alpha_bootstrap_ci([("a", 1, 1), ("b", 1, 1)])
    # One informative unit among constant ones: many replicates are undefined.
    t = [("a", 0, 1), ("b", 0, 2)] + [(c, u, 1) for c in "ab" for u in range(1, 4)]
    ci = alpha_bootstrap_ci(t, n_boot=200, seed=0)
    assert 0 < ci.n_undefined < 200


def test_admiralty_drops_cannot_be_judged_grades():
    ratings = [
        ("a", 1, "B"),
        ("b", 1, "b"),
        ("c", 1, "F"),
        ("a", 2, "C"),
        ("b", 2, "D"),
        ("c", 2, "f"),
        ("a", 3, "A"),
        ("b", 3, None),
    ]
    assert admiralty_ratings(ratings) == [
        ("a", 1, "B"),
        ("b", 1, "B"),
        ("a", 2, "C"),
        ("b", 2, "D"),
        ("a", 3, "A"),
    ]
    cred = [("a", 1, 2), ("b", 1, "2"), ("c", 1, 6), ("a", 2, "6"), ("b", 2, 5.0)]
    assert admiralty_ratings(cred) == [("a", 1, 2), ("b", 1, 2), ("b", 2, 5)]


def test_admiralty_alpha_is_ordinal_alpha_without_f_and_6():
    ratings = [(c, u, v) for c, u, v in to_triples(PAPER_4x12)]
    letters = [(c, u, "ABCDE"[v - 1]) for c, u, v in ratings]
    noisy = letters + [("E", u, "F") for u in range(1, 13)]
    assert round(admiralty_alpha(noisy), 3) == 0.815
    assert admiralty_alpha(noisy) == pytest.approx(
        krippendorff_alpha(letters, "ordinal", value_domain=RELIABILITY_SCALE)
    )
    nums = ratings + [("E", u, 6) for u in range(1, 13)]
    assert round(admiralty_alpha(nums, scale="credibility"), 3) == 0.815
    assert CREDIBILITY_SCALE == (1, 2, 3, 4, 5)


def test_admiralty_rejects_bad_grades_and_mixed_scales():
    with pytest.raises(ValueError, match="not an Admiralty grade"):
        admiralty_ratings([("a", 1, "B2")])
    with pytest.raises(ValueError, match="not an Admiralty grade"):
        admiralty_ratings([("a", 1, 7)])
    with pytest.raises(ValueError, match="separately"):
        admiralty_ratings([("a", 1, "B"), ("b", 1, 2)])
    with pytest.raises(ValueError, match="unknown scale"):
        admiralty_ratings([], scale="both")
