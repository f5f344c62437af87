"""Property tests: the vectorized code against plain reference implementations.

The references below are written with Python loops and exact rational
arithmetic (``fractions.Fraction``) straight from the definitions:

* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
  pairable values, coincidence matrix ``o_ck``, ``n_c``, the level's
  ``delta^2`` and ``alpha = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck``.
* Fleiss (1971) for Fleiss' kappa; Cohen (1960, 1968) for (weighted) kappa.
* Span F1: maximum one-to-one matching by exhaustive search.

Both sides must agree to 1e-9 and raise UndefinedAgreement on the same input.
"""

from __future__ import annotations

import math
from collections import defaultdict
from contextlib import contextmanager
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.agreement import (
    UndefinedAgreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    krippendorff_alpha_matrix,
    span_f1,
)
from annotations.agreement import krippendorff as kmod

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------
# Reference implementations
# ---------------------------------------------------------------------------


def ref_alpha(triples, level, value_domain=None):
    by_unit = defaultdict(list)
    for _coder, unit, value in triples:
        by_unit[unit].append(value)
    pairable = [vals for vals in by_unit.values() if len(vals) >= 2]
    if not pairable:
        raise UndefinedAgreement("no pairable values")
    # Coincidence matrix: every ordered pair of values from different coders
    # in a unit adds 1/(m_u - 1).
    o = defaultdict(Fraction)
    for vals in pairable:
        m = len(vals)
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[(vals[i], vals[j])] += Fraction(1, m - 1)
    values = list(dict.fromkeys(v for vals in pairable for v in vals))
    if level != "nominal":  # order matters only for the ordinal metric
        values.sort(key=value_domain.index if value_domain is not None else None)
    n_c = {c: sum((o[(c, k)] for k in values), Fraction(0)) for c in values}
    n = sum(n_c.values())

    rank = {v: g for g, v in enumerate(values)}
    prefix = [Fraction(0)]  # prefix[g] = sum of n_h for ranks h < g
    for v in values:
        prefix.append(prefix[-1] + n_c[v])

    def delta(c, k):
        if level == "nominal":
            return Fraction(int(c != k))
        if level == "ordinal":
            i, j = sorted((rank[c], rank[k]))
            between = prefix[j + 1] - prefix[i]  # sum_{g=i..j} n_g
            return (between - (n_c[c] + n_c[k]) / 2) ** 2
        # Fraction(repr(x)): the shortest decimal that round-trips to x (exact
        # for the decimal-grid floats generated below; keeps Fractions small).
        fc, fk = Fraction(repr(c)), Fraction(repr(k))
        if level == "interval":
            return (fc - fk) ** 2
        if level == "ratio":
            return ((fc - fk) / (fc + fk)) ** 2 if fc + fk else Fraction(0)
        raise AssertionError(level)

    d_o = sum(o_ck * delta(c, k) for (c, k), o_ck in o.items())
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values)
    if d_e == 0:
        raise UndefinedAgreement("expected disagreement is 0")
    return float(1 - (n - 1) * d_o / d_e)


def ref_fleiss(counts):
    """counts: list of per-unit category-count rows (equal row sums)."""
    N = len(counts)
    n = sum(counts[0])
    k = len(counts[0])
    p_bar = sum(Fraction(sum(x * x for x in row) - n, n * (n - 1)) for row in counts) / N
    pj = [Fraction(sum(row[j] for row in counts), N * n) for j in range(k)]
    p_e = sum(p * p for p in pj)
    if p_e == 1:
        raise UndefinedAgreement("P_e = 1")
    return float((p_bar - p_e) / (1 - p_e))


def ref_cohen(pairs, weights=None, value_domain=None):
    """pairs: list of (value_A, value_B) for the units both coders rated."""
    if not pairs:
        raise UndefinedAgreement("no pairs")
    cats = list(value_domain) if value_domain is not None else sorted({v for p in pairs for v in p})
    k = len(cats)
    if k < 2:
        raise UndefinedAgreement("one category: no disagreement is possible")
    N = len(pairs)
    observed = [[Fraction(0)] * k for _ in range(k)]
    for a, b in pairs:
        observed[cats.index(a)][cats.index(b)] += Fraction(1, N)
    row = [sum(observed[i]) for i in range(k)]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def w(i, j):
        if weights is None:
            return Fraction(int(i != j))
        if weights == "linear":
            return Fraction(abs(i - j), k - 1)
        return Fraction((i - j) ** 2, (k - 1) ** 2)

    num = sum(w(i, j) * observed[i][j] for i in range(k) for j in range(k))
    den = sum(w(i, j) * row[i] * col[j] for i in range(k) for j in range(k))
    if den == 0:
        raise UndefinedAgreement("chance disagreement 0")
    return float(1 - num / den)


def ref_max_matching(a, b, ok):
    """Maximum one-to-one matching by exhaustive search (small inputs)."""
    best = 0

    def rec(i, used, count):
        nonlocal best
        if count + (len(a) - i) <= best:
            return
        if i == len(a):
            best = max(best, count)
            return
        for j in range(len(b)):
            if j not in used and ok(a[i], b[j]):
                rec(i + 1, used | {j}, count + 1)
        rec(i + 1, used, count)

    rec(0, frozenset(), 0)
    return best


def ref_span_f1(a, b, match):
    if not a and not b:
        raise UndefinedAgreement("both empty")
    if match == "exact":
        ok = lambda x, y: x == y  # noqa: E731
    else:
        # Half-open intervals intersect iff max(starts) < min(ends).
        ok = lambda x, y: x[2] == y[2] and max(x[0], y[0]) < min(x[1], y[1])  # noqa: E731
    labels = {s[2] for s in a} | {s[2] for s in b}
    per = {}
    for lab in labels:
        la = [s for s in a if s[2] == lab]
        lb = [s for s in b if s[2] == lab]
        per[lab] = (ref_max_matching(la, lb, ok), len(la), len(lb))
    matched = sum(m for m, _, _ in per.values())
    f1 = 2 * matched / (len(a) + len(b))
    macro = sum(2 * m / (x + y) for m, x, y in per.values()) / len(per)
    return matched, f1, per, macro


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------


@st.composite
def ratings(draw, values, max_coders=6, max_units=40):
    n_coders = draw(st.integers(2, max_coders))
    n_units = draw(st.integers(1, max_units))
    cells = draw(st.lists(st.one_of(st.none(), values), min_size=n_coders * n_units, max_size=n_coders * n_units))
    return [
        (f"c{c}", u, cells[c * n_units + u])
        for c in range(n_coders)
        for u in range(n_units)
        if cells[c * n_units + u] is not None
    ]


NOMINAL_VALUES = st.one_of(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 3))
SMALL_INTS = st.integers(0, 4)
GRID_FLOATS = st.integers(-40, 40).map(lambda i: i / 4)
ROUGH_FLOATS = st.floats(min_value=-50, max_value=50, allow_nan=False).map(lambda x: round(x, 3))
NONNEG_FLOATS = st.integers(0, 40).map(lambda i: i / 4)


@contextmanager
def packed_units(enabled):
    """Force the sparse (units packed by size) code path."""
    if not enabled:
        yield
        return
    old = kmod._DENSE_FACTOR, kmod._DENSE_SLACK
    kmod._DENSE_FACTOR, kmod._DENSE_SLACK = 0, 0
    try:
        yield
    finally:
        kmod._DENSE_FACTOR, kmod._DENSE_SLACK = old


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except UndefinedAgreement:
        return "undefined"


def assert_same(got, want):
    if want == "undefined" or got == "undefined":
        assert got == want
    else:
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (got, want)


def to_matrix(triples):
    coders = sorted({c for c, _, _ in triples})
    units = sorted({u for _, u, _ in triples})
    mat = np.full((max(len(coders), 1), max(len(units), 1)), np.nan)
    for c, u, v in triples:
        mat[coders.index(c), units.index(u)] = v
    return mat


# ---------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------


@SETTINGS
@given(ratings(NOMINAL_VALUES), st.booleans())
def test_alpha_nominal_matches_reference(triples, packed):
    with packed_units(packed):
        assert_same(outcome(krippendorff_alpha, triples, "nominal"), outcome(ref_alpha, triples, "nominal"))


@SETTINGS
@given(ratings(SMALL_INTS), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]), st.booleans())
def test_alpha_all_levels_small_ints_triples_and_matrix(triples, level, packed):
    want = outcome(ref_alpha, triples, level)
    with packed_units(packed):
        assert_same(outcome(krippendorff_alpha, triples, level), want)
    assert_same(outcome(krippendorff_alpha_matrix, to_matrix(triples), level), want)


@SETTINGS
@given(ratings(st.sampled_from(["lo", "mid", "hi", "max"])), st.booleans())
def test_alpha_ordinal_with_value_domain(triples, packed):
    domain = ["none", "lo", "mid", "hi", "max", "beyond"]  # includes unobserved values
    want = outcome(ref_alpha, triples, "ordinal", value_domain=domain)
    with packed_units(packed):
        assert_same(outcome(krippendorff_alpha, triples, "ordinal", value_domain=domain), want)


@SETTINGS
@given(
    ratings(st.one_of(GRID_FLOATS, ROUGH_FLOATS), max_units=25),
    st.sampled_from(["interval", "ordinal"]),
    st.booleans(),
)
def test_alpha_interval_and_ordinal_floats(triples, level, packed):
    want = outcome(ref_alpha, triples, level)
    with packed_units(packed):
        assert_same(outcome(krippendorff_alpha, triples, level), want)
    assert_same(outcome(krippendorff_alpha_matrix, to_matrix(triples), level), want)


@SETTINGS
@given(ratings(NONNEG_FLOATS, max_units=25), st.booleans())
def test_alpha_ratio_floats(triples, packed):
    want = outcome(ref_alpha, triples, "ratio")
    with packed_units(packed):
        assert_same(outcome(krippendorff_alpha, triples, "ratio"), want)
    assert_same(outcome(krippendorff_alpha_matrix, to_matrix(triples), "ratio"), want)


@settings(max_examples=60, deadline=None)
@given(ratings(SMALL_INTS, max_coders=14, max_units=8), st.sampled_from(["nominal", "ratio", "ordinal"]))
def test_alpha_many_coders(triples, level):
    # > 8 coders exercises the sort-based equal-pair count.
    assert_same(outcome(krippendorff_alpha, triples, level), outcome(ref_alpha, triples, level))


# ---------------------------------------------------------------------------
# Fleiss' kappa
# ---------------------------------------------------------------------------


@st.composite
def fleiss_data(draw):
    n = draw(st.integers(2, 7))
    k = draw(st.integers(1, 4))
    n_units = draw(st.integers(1, 30))
    rows = [draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)) for _ in range(n_units)]
    triples = [(r, u, f"cat{v}") for u, row in enumerate(rows) for r, v in enumerate(row)]
    counts = [[row.count(j) for j in range(k)] for row in rows]
    return triples, counts


@SETTINGS
@given(fleiss_data())
def test_fleiss_matches_reference(data):
    triples, counts = data
    assert_same(outcome(fleiss_kappa, triples), outcome(ref_fleiss, counts))


# ---------------------------------------------------------------------------
# Cohen's kappa
# ---------------------------------------------------------------------------


@st.composite
def cohen_data(draw):
    n_units = draw(st.integers(1, 40))
    values = st.one_of(st.none(), st.integers(0, 4))
    a = draw(st.lists(values, min_size=n_units, max_size=n_units))
    b = draw(st.lists(values, min_size=n_units, max_size=n_units))
    triples = [("A", u, v) for u, v in enumerate(a) if v is not None]
    triples += [("B", u, v) for u, v in enumerate(b) if v is not None]
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    return triples, pairs, {c for c, _, _ in triples}


@SETTINGS
@given(cohen_data(), st.sampled_from([None, "linear", "quadratic"]), st.booleans())
def test_cohen_matches_reference(data, weights, with_domain):
    triples, pairs, coders = data
    domain = [0, 1, 2, 3, 4, 5] if with_domain else None
    if len(coders) != 2:
        with pytest.raises(ValueError, match="exactly two coders"):
            cohen_kappa(triples, weights=weights, value_domain=domain)
        return
    got = outcome(cohen_kappa, triples, weights=weights, value_domain=domain)
    assert_same(got, outcome(ref_cohen, pairs, weights, domain))


# ---------------------------------------------------------------------------
# Span F1
# ---------------------------------------------------------------------------

SPAN = st.builds(
    lambda s, length, lab: (s, s + length, lab),
    st.integers(0, 20),
    st.integers(0, 6),
    st.sampled_from(["PER", "LOC"]),
)


@SETTINGS
@given(st.lists(SPAN, max_size=7), st.lists(SPAN, max_size=7), st.sampled_from(["exact", "overlap"]))
def test_span_f1_matches_brute_force(a, b, match):
    want = outcome(ref_span_f1, a, b, match)
    got = outcome(span_f1, a, b, match)
    if want == "undefined":
        assert got == "undefined"
        return
    matched, f1, per, macro = want
    assert got.matched == matched
    assert math.isclose(got.f1, f1, abs_tol=1e-12)
    assert math.isclose(got.macro_f1, macro, abs_tol=1e-12)
    assert {lab: (r.matched, r.n_a, r.n_b) for lab, r in got.per_label.items()} == per
    # F1 is symmetric; precision and recall swap.
    rev = span_f1(b, a, match)
    assert rev.matched == got.matched
    assert math.isclose(rev.precision, got.recall) and math.isclose(rev.recall, got.precision)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=9),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=9),
)
def test_overlap_sweeps_match_brute_force(a_raw, b_raw):
    from annotations.agreement import spans as spans_mod

    a = sorted(((s, s + n) for s, n in a_raw), key=lambda x: x[1])
    b = sorted(((s, s + n) for s, n in b_raw), key=lambda x: x[1])
    want = ref_max_matching(a, b, lambda x, y: max(x[0], y[0]) < min(x[1], y[1]))
    assert spans_mod._max_overlap_matching_heap(list(a), list(b)) == want
    assert spans_mod._max_overlap_matching(list(a), list(b)) == want
