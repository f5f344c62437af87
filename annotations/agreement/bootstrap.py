"""Bootstrap confidence interval for Krippendorff's alpha.

Units are resampled with replacement (a nonparametric bootstrap over units,
percentile interval).  Only *pairable* units -- those with at least two
values, the only ones alpha uses -- are resampled, so every replicate has as
many pairable units as the data.  A replicate in which alpha is undefined
(e.g. all drawn units use one single category) is left out of the percentiles
and counted in ``n_undefined``.

This is not Krippendorff's own bootstrap (which resamples pairs of values to
approximate the sampling distribution of alpha under his assumptions); it is
the usual unit-level bootstrap, appropriate when units are the sampled
entities (e.g. documents or sentences).

Each replicate is computed from per-unit sufficient statistics weighted by
how often the unit was drawn (no data are copied), so a replicate costs
O(units) -- O(units x categories) for ordinal, O(categories^2) extra for
ratio.  Results are deterministic for a given ``seed`` (numpy
``default_rng``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

import numpy as np

from ._ratings import UndefinedAgreement, check_single_rating, parse_ratings
from .krippendorff import (
    _DENSE_FACTOR,
    _DENSE_SLACK,
    _alpha_from_blocks,
    _blocks_from_parsed,
    _check_level,
    _interval_do_units,
    _nominal_do_units,
    _ratio_de,
    _ratio_do_units,
    _ratio_pair_term,
    _undefined,
)

__all__ = ["alpha_bootstrap_ci", "nominal_bootstrap_ci_from_counts", "AlphaBootstrapCI"]

_DENSE_CELLS = 20_000_000  # units x categories above which counts use bincount
_RATIO_MATRIX_MAX = 2048  # distinct values up to which the ratio distance matrix is kept


class AlphaBootstrapCI(NamedTuple):
    """Point estimate and percentile bootstrap interval of alpha."""

    estimate: float
    low: float
    high: float
    confidence: float
    n_boot: int
    n_undefined: int

    @property
    def interval(self) -> tuple[float, float]:
        return (self.low, self.high)


class _UnitStats:
    """Per-unit sufficient statistics of the pairable units."""

    def __init__(self, blocks, level: str):
        ms, dos, vals, uidx, umin, umax = [], [], [], [], [], []
        offset = 0
        for b in blocks:
            k, u = b.x.shape
            ms.append(b.m)
            vals.append(b.values())
            if b.mask is None:
                cols = np.tile(np.arange(u), k)
            else:
                cols = np.nonzero(b.mask)[1]
            uidx.append(cols + offset)
            offset += u
            if level == "nominal":
                dos.append(_nominal_do_units(b))
            elif level == "interval":
                dos.append(_interval_do_units(b))
                umin.append(np.nanmin(b.x, axis=0))
                umax.append(np.nanmax(b.x, axis=0))
            elif level == "ratio":
                dos.append(_ratio_do_units(b))
        self.n_units = offset
        self.m = np.concatenate(ms).astype(np.float64)
        self.do = np.concatenate(dos) if dos else None
        self.values = np.concatenate(vals)
        self.uidx = np.concatenate(uidx)
        self.uniq, code = np.unique(self.values, return_inverse=True)
        self.code = code.ravel()
        self.n_cat = len(self.uniq)
        if umin:
            self.umin, self.umax = np.concatenate(umin), np.concatenate(umax)
        self.dense = None
        if level in ("nominal", "ordinal", "ratio") and self.n_units * self.n_cat <= _DENSE_CELLS:
            flat = self.uidx * self.n_cat + self.code
            dense = np.bincount(flat, minlength=self.n_units * self.n_cat)
            self.dense = dense.reshape(self.n_units, self.n_cat).astype(np.float64)
        if level == "interval":
            xc = self.values - self.values.mean()
            self.s1 = np.bincount(self.uidx, xc, minlength=self.n_units)
            self.s2 = np.bincount(self.uidx, xc * xc, minlength=self.n_units)
        if level == "ratio" and self.n_cat <= _RATIO_MATRIX_MAX:
            self.ratio_d = _ratio_pair_term(self.uniq[:, None], self.uniq[None, :])
        else:
            self.ratio_d = None

    def category_counts(self, w: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return w @ self.dense
        return np.bincount(self.code, weights=w[self.uidx], minlength=self.n_cat)

    def per_unit_sums(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per unit: sum of f[value] and of f[value]^2."""
        if self.dense is not None:
            return self.dense @ f, self.dense @ (f * f)
        fv = f[self.code]
        return (
            np.bincount(self.uidx, fv, minlength=self.n_units),
            np.bincount(self.uidx, fv * fv, minlength=self.n_units),
        )

    def alpha(self, w: np.ndarray, level: str) -> float:
        """Alpha with unit weights ``w`` (NaN when undefined)."""
        n = float(w @ self.m)
        if level == "interval":
            sel = w > 0
            if self.umax[sel].max() == self.umin[sel].min():
                return np.nan
            s1, s2 = float(w @ self.s1), float(w @ self.s2)
            de = 2.0 * (n * s2 - s1 * s1)
            do = float(w @ self.do)
        else:
            nc = self.category_counts(w)
            if np.count_nonzero(nc) < 2:
                return np.nan
            if level == "nominal":
                do = float(w @ self.do)
                de = n * n - float(nc @ nc)
            elif level == "ratio":
                do = float(w @ self.do)
                if self.ratio_d is not None:
                    de = float(nc @ self.ratio_d @ nc)
                else:
                    de = _ratio_de(self.uniq, nc)
            else:  # ordinal: mid-ranks from this replicate's frequencies
                f = np.cumsum(nc) - nc / 2.0
                s1, s2 = self.per_unit_sums(f)
                do_u = 2.0 * (self.m * s2 - s1 * s1) / (self.m - 1)
                do = float(w @ do_u)
                fw = float(nc @ f)
                de = 2.0 * (n * float(nc @ (f * f)) - fw * fw)
        return 1.0 - (n - 1.0) * do / de


def _check_boot(n_boot, confidence) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError("n_boot must be a positive integer")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError("confidence must be strictly between 0 and 1")


def _percentile_ci(estimate: float, reps: np.ndarray, confidence: float, n_boot: int) -> AlphaBootstrapCI:
    ok = ~np.isnan(reps)
    if not ok.any():
        raise UndefinedAgreement("Krippendorff's alpha is undefined in every bootstrap replicate")
    tail = (1.0 - float(confidence)) / 2.0
    low, high = np.quantile(reps[ok], [tail, 1.0 - tail])
    return AlphaBootstrapCI(
        float(estimate),
        float(low),
        float(high),
        float(confidence),
        int(n_boot),
        int(np.count_nonzero(~ok)),
    )


def alpha_bootstrap_ci(
    ratings: Iterable[tuple[Hashable, Hashable, Hashable]],
    level: str = "nominal",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    value_domain: Sequence[Hashable] | None = None,
) -> AlphaBootstrapCI:
    """Percentile bootstrap CI of Krippendorff's alpha, resampling units.

    Returns :class:`AlphaBootstrapCI` ``(estimate, low, high, confidence,
    n_boot, n_undefined)``; ``estimate`` equals
    ``krippendorff_alpha(ratings, level, value_domain)``.  Deterministic for a
    given ``seed``.  Raises :class:`UndefinedAgreement` if alpha itself (or
    every replicate) is undefined.
    """
    _check_level(level)
    _check_boot(n_boot, confidence)
    kind = "numeric" if level in ("interval", "ratio") else "any"
    p = parse_ratings(
        ratings,
        kind=kind,
        ordered=level == "ordinal",
        value_domain=value_domain,
        what=f"{level} alpha",
    )
    check_single_rating(p)
    blocks = _blocks_from_parsed(p.coder, p.unit, p.value, p.n_coders, p.n_units)
    estimate = _alpha_from_blocks(blocks, level)

    stats = _UnitStats(blocks, level)
    rng = np.random.default_rng(seed)
    n_units = stats.n_units
    reps = np.empty(int(n_boot))
    for r in range(int(n_boot)):
        draw = rng.integers(0, n_units, size=n_units)
        w = np.bincount(draw, minlength=n_units).astype(np.float64)
        reps[r] = stats.alpha(w, level)
    return _percentile_ci(estimate, reps, confidence, n_boot)


def _distinct_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `counts` and each row's index among them (np.unique(axis=0), faster when a
    row fits one integer: its counts as the digits of a number in base max + 1)."""
    base = int(counts.max()) + 1 if counts.size else 1
    if base ** counts.shape[1] < 2**62:
        key = counts @ (base ** np.arange(counts.shape[1], dtype=np.int64))
        _, first, pattern = np.unique(key, return_index=True, return_inverse=True)
        return counts[first], pattern.ravel()
    rows, pattern = np.unique(counts, axis=0, return_inverse=True)
    return rows, pattern.ravel()


def nominal_bootstrap_ci_from_counts(
    counts: np.ndarray,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    n_coders: int | None = None,
) -> AlphaBootstrapCI:
    """:func:`alpha_bootstrap_ci` at the nominal level, from per-unit category counts.

    ``counts[u, c]`` is how many values of category ``c`` unit ``u`` holds (a units x categories array
    of non-negative integers, units in the order the triples would number them).  Units with fewer
    than two values are left out, as there.  With ``n_coders`` (the coders of those triples) the
    units are also ordered as there: by number of values when a coders x units matrix would be
    mostly empty (see ``_blocks_from_parsed``).  The replicates draw the same units with the same
    generator, so the interval equals the one of the same data given as triples (up to the order of
    floating-point sums); but no triple is built, and units with the same counts share their
    statistics: a replicate costs one draw and one ``bincount`` over the distinct count rows.
    """
    _check_boot(n_boot, confidence)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2:
        raise ValueError("counts must be a 2-D (units x categories) array")
    m = counts.sum(axis=1)
    packed = n_coders is not None and n_coders * len(m) > _DENSE_FACTOR * int(m.sum()) + _DENSE_SLACK
    if (m < 2).any():
        counts, m = counts[m >= 2], m[m >= 2]
    n_units = counts.shape[0]
    if n_units == 0:
        raise _undefined("no unit has two or more pairable values")
    if packed:
        order = np.argsort(m, kind="stable")  # _blocks_from_units: one block per unit size
        counts = counts[order]
    # Per distinct row of counts ("pattern"): its values, its categories and its observed disagreement
    # m - 2 e / (m - 1), e the pairs of equal values (what _nominal_do_units gives each unit).
    rows, pattern = _distinct_rows(counts)
    m_p = rows.sum(axis=1).astype(np.float64)
    e_p = (rows * (rows - 1) // 2).sum(axis=1)
    do_p = m_p - 2.0 * e_p / (m_p - 1)
    rows_f = rows.astype(np.float64)
    uses = np.bincount(pattern, minlength=len(rows))
    total = uses @ rows
    if np.count_nonzero(total) < 2:
        raise _undefined("only one category was used, so expected disagreement is 0")
    n_all = int(uses @ rows.sum(axis=1))
    estimate = 1.0 - (n_all - 1) * float(uses @ do_p) / (float(n_all) * n_all - float(total @ total))

    rng = np.random.default_rng(seed)
    reps = np.empty(int(n_boot))
    for r in range(int(n_boot)):
        draw = rng.integers(0, n_units, size=n_units)
        w = np.bincount(pattern[draw], minlength=len(rows)).astype(np.float64)
        nc = w @ rows_f
        if np.count_nonzero(nc) < 2:
            reps[r] = np.nan
            continue
        n = float(w @ m_p)
        reps[r] = 1.0 - (n - 1.0) * float(w @ do_p) / (n * n - float(nc @ nc))
    return _percentile_ci(estimate, reps, confidence, n_boot)
