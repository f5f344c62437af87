"""Krippendorff's alpha, vectorized with numpy.

Definitions follow K. Krippendorff (2011), "Computing Krippendorff's
Alpha-Reliability" (Annenberg School for Communication, University of
Pennsylvania):

* Only *pairable* values count: units with fewer than two values are dropped.
* The coincidence matrix is ``o_ck = sum_u (number of ordered pairs of values
  (c, k) in u, from different coders) / (m_u - 1)``; ``n_c = sum_k o_ck`` and
  ``n = sum_c n_c`` (the number of pairable values).
* ``alpha = 1 - D_o / D_e = 1 - (n - 1) * sum o_ck d_ck / sum n_c n_k d_ck``.
* Distances ``d_ck`` (already squared, the paper's delta^2):
  nominal ``[c != k]``; interval ``(c - k)^2``; ratio ``((c - k) / (c + k))^2``;
  ordinal ``(sum_{g=c..k} n_g - (n_c + n_k) / 2)^2`` with ``g`` running over
  the ranks of the ordered values (``value_domain`` when given, else the sorted
  observed values) and ``n_g`` the pairable-value frequencies.

Implementation notes (no ``V x V`` coincidence matrix is materialized):

* nominal: ``sum o_ck d_ck = sum_u (m_u - 2 * e_u / (m_u - 1))`` where ``e_u``
  is the number of unordered pairs of equal values in unit ``u``, and
  ``sum n_c n_k d_ck = n^2 - sum n_c^2``.
* interval: ``sum o_ck d_ck = sum_u 2 m_u SS_u / (m_u - 1)`` with ``SS_u`` the
  within-unit sum of squared deviations, ``sum n_c n_k d_ck = 2 n SS`` with
  ``SS`` the sum of squared deviations of all pairable values.  So a million
  distinct continuous values cost O(number of ratings).
* ordinal: with ``F_g = sum_{h<g} n_h + n_g / 2`` (a mid-rank), the ordinal
  distance equals ``(F_k - F_c)^2``, so ordinal alpha is the interval formula
  applied to ``F`` of every value.
* ratio: the observed part is summed over within-unit pairs (vectorized over
  units); the expected part needs ``sum n_c n_k d_ck`` over *distinct* values,
  computed in bounded-memory chunks but in O(V^2) time: fine for tens of
  thousands of distinct values, slow for millions.  Ratio data must be >= 0.

Two entry points share the same core: :func:`krippendorff_alpha` (triples) and
:func:`krippendorff_alpha_matrix` (a coders x units array with ``np.nan`` for
missing, the layout of the PyPI ``krippendorff`` package).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from ._ratings import UndefinedAgreement, check_single_rating, parse_ratings

__all__ = ["krippendorff_alpha", "krippendorff_alpha_matrix", "nominal_alpha_from_totals", "LEVELS"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Above this many distinct values ``np.searchsorted`` (random access into a
# large table) is slower than ``np.unique(..., return_inverse=True)``.
_SEARCHSORTED_MAX = 4096
# A dense (coders x units) matrix is used when it is at most this many times
# larger than the number of ratings (+ a constant); otherwise units are packed.
_DENSE_FACTOR = 2
_DENSE_SLACK = 1 << 16


def _check_level(level: str) -> None:
    if not isinstance(level, str) or level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}; expected one of {LEVELS}")


def _undefined(reason: str) -> UndefinedAgreement:
    return UndefinedAgreement(f"Krippendorff's alpha is undefined: {reason}")


# ---------------------------------------------------------------------------
# Blocks: 2-D float arrays (slots x units), np.nan = missing.
# ---------------------------------------------------------------------------


class _Block:
    """A (slots x units) value matrix restricted to pairable units."""

    __slots__ = ("x", "mask", "m")

    def __init__(self, x: np.ndarray, mask: np.ndarray | None, m: np.ndarray):
        self.x = x  # float64 (k, U)
        self.mask = mask  # bool (k, U) or None when there is no missing value
        self.m = m  # int64 (U,) values per unit, all >= 2

    @classmethod
    def from_matrix(cls, x: np.ndarray, nan_free: bool = False) -> _Block | None:
        if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] == 0:
            return None
        if nan_free:
            return cls(x, None, np.full(x.shape[1], x.shape[0], dtype=np.int64))
        mask = ~np.isnan(x)
        m = mask.sum(axis=0, dtype=np.int64)
        keep = m >= 2
        if not keep.all():
            if not keep.any():
                return None
            x = x[:, keep]
            mask = mask[:, keep]
            m = m[keep]
        if m.min() == x.shape[0]:
            mask = None
        return cls(x, mask, m)

    def values(self) -> np.ndarray:
        """All pairable values (row-major order)."""
        return self.x.ravel() if self.mask is None else self.x[self.mask]

    def with_values(self, flat: np.ndarray) -> _Block:
        """A block of the same shape holding ``flat`` (ordered like values())."""
        if self.mask is None:
            return _Block(flat.reshape(self.x.shape), None, self.m)
        y = np.full(self.x.shape, np.nan)
        y[self.mask] = flat
        return _Block(y, self.mask, self.m)


def _blocks_from_units(unit: np.ndarray, value: np.ndarray, n_units: int) -> list[_Block]:
    """Pack flat (unit, value) pairs into nan-free blocks, one per unit size."""
    m_all = np.bincount(unit, minlength=n_units)
    keep = m_all[unit] >= 2
    if not keep.all():
        unit, value = unit[keep], value[keep]
    if unit.size == 0:
        return []
    order = np.argsort(unit, kind="stable")
    us, vs = unit[order], value[order]
    starts = np.flatnonzero(np.r_[True, us[1:] != us[:-1]])
    sizes = m_all[us[starts]]
    blocks = []
    for k in np.unique(sizes).tolist():
        st = starts[sizes == k]
        idx = st[None, :] + np.arange(k)[:, None]
        blk = _Block.from_matrix(vs[idx], nan_free=True)
        if blk is not None:
            blocks.append(blk)
    return blocks


def _blocks_from_parsed(
    coder: np.ndarray, unit: np.ndarray, value: np.ndarray, n_coders: int, n_units: int
) -> list[_Block]:
    value = value.astype(np.float64, copy=False)
    n = unit.size
    if n_coders * n_units <= _DENSE_FACTOR * n + _DENSE_SLACK:
        x = np.full((n_coders, n_units), np.nan)
        x[coder, unit] = value
        blk = _Block.from_matrix(x)
        return [] if blk is None else [blk]
    return _blocks_from_units(unit, value, n_units)


# ---------------------------------------------------------------------------
# Per-level pieces
# ---------------------------------------------------------------------------


def _equal_pairs(x: np.ndarray) -> np.ndarray:
    """Per column: number of unordered pairs of equal (non-NaN) entries."""
    k, u = x.shape
    eq = np.zeros(u, dtype=np.int64)
    if k <= 8:
        for i in range(k - 1):
            xi = x[i]
            for j in range(i + 1, k):
                eq += xi == x[j]
        return eq
    s = np.sort(x, axis=0)  # NaN sorts last and never compares equal
    run = np.zeros(u, dtype=np.int64)
    for r in range(1, k):
        same = s[r] == s[r - 1]
        run += 1
        run *= same
        eq += run
    return eq


def _nominal_do_units(blk: _Block) -> np.ndarray:
    m = blk.m
    return m - 2.0 * _equal_pairs(blk.x) / (m - 1)


def _interval_do_units(blk: _Block) -> np.ndarray:
    x, mask, m = blk.x, blk.mask, blk.m
    if mask is None:
        dev = x - x.mean(axis=0)
    else:
        mean = np.where(mask, x, 0.0).sum(axis=0) / m
        dev = np.where(mask, x - mean, 0.0)
    ss = np.einsum("ij,ij->j", dev, dev)
    return 2.0 * m * ss / (m - 1)


def _ratio_pair_term(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        q = (a - b) / s
    q = q * q
    # s == 0 only when a == b == 0 (values are >= 0): distance 0.  Missing
    # entries give NaN: no pair.
    q[np.isnan(q)] = 0.0
    return q


def _ratio_do_units(blk: _Block) -> np.ndarray:
    x, m = blk.x, blk.m
    k, u = x.shape
    tot = np.zeros(u)
    for i in range(k - 1):
        tot += _ratio_pair_term(x[i][None, :], x[i + 1 :]).sum(axis=0)
    return 2.0 * tot / (m - 1)


def _ratio_de(vals: np.ndarray, counts: np.ndarray) -> float:
    """sum_{c,k} n_c n_k ((c - k) / (c + k))^2 over distinct values (chunked)."""
    v = len(vals)
    step = max(1, (1 << 21) // max(v, 1))
    w = counts.astype(np.float64)
    total = 0.0
    for s in range(0, v, step):
        d = _ratio_pair_term(vals[s : s + step, None], vals[None, :])
        total += float(w[s : s + step] @ d @ w)
    return total


def _value_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.unique(values, return_counts=True)


def _midranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map each value to F_g = sum_{h<g} n_h + n_g/2; also return distinct values."""
    uniq, counts = np.unique(values, return_counts=True)
    f = np.cumsum(counts, dtype=np.float64) - counts / 2.0
    if len(uniq) <= _SEARCHSORTED_MAX:
        return f[np.searchsorted(uniq, values)], uniq
    order = np.argsort(values)
    srt = values[order]
    group = np.cumsum(np.r_[False, srt[1:] != srt[:-1]])
    out = np.empty(values.size)
    out[order] = f[group]
    return out, uniq


def nominal_alpha_from_totals(n: int, do: float, counts) -> float:
    """Nominal alpha from its sufficient statistics, which add up over units (and so over documents):
    ``n`` pairable values, the observed disagreement ``do = sum_u (m_u - 2 e_u / (m_u - 1))`` (``e_u``
    the unordered pairs of equal values in unit ``u``) and ``counts``, the pairable values of each
    category (zeros allowed).  The same arithmetic as :func:`krippendorff_alpha` at the nominal level,
    so the same data give the same value.  Raises :class:`UndefinedAgreement` as it does."""
    counts = np.asarray(counts)
    if n == 0:
        raise _undefined("no unit has two or more pairable values")
    if np.count_nonzero(counts) < 2:
        raise _undefined("only one category was used, so expected disagreement is 0")
    de = float(n) * n - float(np.dot(counts.astype(np.float64), counts))
    return 1.0 - (n - 1) * do / de


def _alpha_from_blocks(blocks: list[_Block], level: str) -> float:
    """Core computation: alpha from pairable-unit blocks of numeric values."""
    blocks = [b for b in blocks if b is not None]
    if not blocks:
        raise _undefined("no unit has two or more pairable values")
    vals = [b.values() for b in blocks]
    allv = vals[0] if len(vals) == 1 else np.concatenate(vals)
    n = allv.size
    if level == "ratio" and allv.min() < 0:
        raise ValueError("ratio alpha needs non-negative values (a ratio scale has an absolute zero)")

    if level == "ordinal":
        f, uniq = _midranks(allv)
        if len(uniq) < 2:
            raise _undefined("only one category was used, so expected disagreement is 0")
        splits = np.cumsum([v.size for v in vals])[:-1]
        blocks = [b.with_values(part) for b, part in zip(blocks, np.split(f, splits), strict=True)]
        allv = f
        level = "interval"
        n_distinct = len(uniq)
    else:
        n_distinct = None

    if level == "nominal":
        _uniq, counts = _value_counts(allv)
        if len(counts) < 2:
            raise _undefined("only one category was used, so expected disagreement is 0")
        return nominal_alpha_from_totals(n, sum(float(_nominal_do_units(b).sum()) for b in blocks), counts)
    elif level == "interval":
        if n_distinct is None and allv.min() == allv.max():
            raise _undefined("only one value was used, so expected disagreement is 0")
        do = sum(float(_interval_do_units(b).sum()) for b in blocks)
        dev = allv - allv.mean()
        de = 2.0 * n * float(np.dot(dev, dev))
    else:  # ratio
        uniq, counts = _value_counts(allv)
        if len(uniq) < 2:
            raise _undefined("only one value was used, so expected disagreement is 0")
        do = sum(float(_ratio_do_units(b).sum()) for b in blocks)
        de = _ratio_de(uniq, counts)
    return 1.0 - (n - 1) * do / de


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def krippendorff_alpha(
    ratings: Iterable[tuple[Hashable, Hashable, Hashable]],
    level: str = "nominal",
    value_domain: Sequence[Hashable] | None = None,
) -> float:
    """Krippendorff's alpha from ``(coder, unit, value)`` triples.

    ``level`` is ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``
    (interval/ratio values must be numbers; ratio values >= 0).  For ordinal
    data ``value_domain`` (an ordered list of the possible values) fixes the
    order; without it the observed values are sorted.  For other levels a
    given ``value_domain`` only validates the values.  Missing ratings are
    absent triples (a value of ``None``/NaN counts as absent); units with
    fewer than two values are dropped.  A coder may rate a unit at most once.

    Raises :class:`UndefinedAgreement` when alpha is undefined and
    :class:`ValueError` for invalid input.
    """
    _check_level(level)
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
    return _alpha_from_blocks(blocks, level)


def _matrix_to_float(data: np.ndarray, level: str, value_domain) -> np.ndarray:
    """Object/string matrix -> float codes (NaN missing) via the triple parser."""
    flat = data.ravel().tolist()
    string_kind = data.dtype.kind in "US"
    n_units = data.shape[1]
    triples = []
    for i, v in enumerate(flat):
        if v is None or (isinstance(v, float) and v != v) or (string_kind and v == "nan"):
            continue
        triples.append(divmod(i, n_units) + (v,))
    kind = "numeric" if level in ("interval", "ratio") else "codes"
    p = parse_ratings(
        triples,
        kind=kind,
        ordered=level == "ordinal",
        value_domain=value_domain,
        what=f"{level} alpha",
    )
    out = np.full(data.shape, np.nan)
    rows = np.asarray(p.coders, dtype=np.int64)[p.coder]
    cols = np.asarray(p.units, dtype=np.int64)[p.unit]
    out[rows, cols] = p.value
    return out


def krippendorff_alpha_matrix(
    reliability_data,
    level: str = "nominal",
    value_domain: Sequence[Hashable] | None = None,
) -> float:
    """Krippendorff's alpha from a coders x units matrix (``np.nan`` = missing).

    This is the layout of the PyPI ``krippendorff`` package's
    ``reliability_data`` and the fast path: numeric arrays are processed
    without any Python-level loop.  String/object arrays are accepted too
    (``None``, float NaN, or for numpy string arrays the string ``"nan"``,
    count as missing) but go through the slower triple parser.  ``level`` and
    ``value_domain`` are as in :func:`krippendorff_alpha`.
    """
    _check_level(level)
    data = np.asarray(reliability_data)
    if data.ndim != 2:
        raise ValueError("reliability_data must be a 2-D (coders x units) array")
    if data.dtype.kind in "biuf":
        x = data.astype(np.float64, copy=False)
        if np.isinf(x).any():
            raise ValueError("reliability_data contains infinite values")
        if value_domain is not None:
            x = _apply_numeric_domain(x, level, value_domain)
    elif data.dtype.kind in "USO":
        x = _matrix_to_float(data, level, value_domain)
    else:
        raise ValueError(f"unsupported dtype {data.dtype} for reliability_data")
    blk = _Block.from_matrix(x)
    return _alpha_from_blocks([] if blk is None else [blk], level)


def _apply_numeric_domain(x: np.ndarray, level: str, value_domain) -> np.ndarray:
    domain = list(value_domain)
    try:
        index = {v: i for i, v in enumerate(domain)}
    except TypeError as exc:
        raise ValueError("value_domain entries must be hashable") from exc
    if len(index) != len(domain):
        raise ValueError("value_domain contains duplicate values")
    mask = ~np.isnan(x)
    observed = x[mask]
    uniq = np.unique(observed)
    pos = []
    for v in uniq.tolist():
        if v not in index:
            raise ValueError(f"value {v!r} is not in value_domain")
        pos.append(index[v])
    if level != "ordinal":
        return x
    # Ordinal: replace values by their positions in value_domain.
    pos_arr = np.asarray(pos, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    out[mask] = pos_arr[np.searchsorted(uniq, observed)]
    return out
