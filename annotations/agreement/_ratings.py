"""Shared input handling for the agreement coefficients (internal module).

Ratings are iterables of ``(coder, unit, value)`` triples.  A missing rating is
an absent triple; for convenience a triple whose value is ``None`` or a float
NaN is treated exactly like an absent triple (this matches the ``np.nan``
convention of the reliability-matrix API).  Coders, units and values may be
any hashable objects.  A coder may rate a unit at most once; a repeated
``(coder, unit)`` pair raises :class:`ValueError`.

Everything here is plain Python + numpy; nothing outside
``annotations.agreement`` is imported.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

__all__ = ["UndefinedAgreement", "ParsedRatings", "parse_ratings", "check_single_rating"]


class UndefinedAgreement(ValueError):
    """The requested agreement coefficient is mathematically undefined.

    Raised, with a message saying why, when e.g. no unit has two pairable
    values, or only one category was used so that the expected disagreement
    (or ``1 - P_e``) is zero.  Subclass of :class:`ValueError`.
    """


@dataclass(frozen=True)
class ParsedRatings:
    """Integer-coded ratings (one entry per non-missing rating)."""

    coder: np.ndarray  # int64 codes 0..n_coders-1
    unit: np.ndarray  # int64 codes 0..n_units-1
    value: np.ndarray  # int64 category codes, or float64 numbers (numeric=True)
    n_coders: int
    n_units: int
    coders: Sequence[Hashable]  # code -> original coder
    units: Sequence[Hashable]  # code -> original unit
    categories: Sequence[Hashable] | None  # code -> original value (None if numeric)

    @property
    def size(self) -> int:
        return int(self.unit.size)


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return math.isnan(v)
    return False


_NUMBER_TYPES = (int, float, np.integer, np.floating, np.bool_)


def _numeric_array(seq: Sequence[Any]) -> np.ndarray | None:
    """``np.asarray(seq)`` if that is a faithful 1-D bool/int/float array, else None.

    String and object results are rejected on purpose: numpy silently turns
    ``[1, "1"]`` into ``["1", "1"]``, which would merge distinct hashables.
    """
    if len(seq) == 0 or not isinstance(seq[0], _NUMBER_TYPES):
        return None  # cheap pre-check: e.g. a list of strings is not tried
    try:
        arr = np.asarray(seq)
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.ndim != 1 or arr.dtype.kind not in "biuf":
        return None
    return arr


def _factorize(
    seq: Sequence[Hashable], arr: np.ndarray | None = None, index: dict | None = None
) -> tuple[np.ndarray, Sequence]:
    """Map hashables to dense int64 codes; returns ``(codes, uniques)``.

    ``index`` may be ``dict.fromkeys(seq)`` when the caller already has it.
    """
    n = len(seq)
    if arr is None:
        arr = _numeric_array(seq)
    if arr is not None and arr.dtype.kind in "biu":
        if arr.dtype.kind == "b":
            arr = arr.astype(np.int64)
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo <= 4 * n + 1024:
            shifted = (arr - lo).astype(np.int64, copy=False)
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[shifted] = True
            if present.all():
                return shifted, range(lo, hi + 1)
            remap = np.cumsum(present, dtype=np.int64) - 1
            codes = remap[shifted]
            uniques = (np.flatnonzero(present) + lo).tolist()
            return codes, uniques
        uniq, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.int64, copy=False).ravel(), uniq.tolist()
    if arr is not None and arr.dtype.kind == "f":
        if arr.size and np.abs(arr).max() < 2**52:
            as_int = arr.astype(np.int64)
            if np.array_equal(as_int, arr):
                codes, ints = _factorize(seq, as_int)
                return codes, [float(x) for x in ints]
        uniq, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.int64, copy=False).ravel(), uniq.tolist()
    if index is None:
        index = dict.fromkeys(seq)
    for i, k in enumerate(index):
        index[k] = i
    codes = np.fromiter(map(index.__getitem__, seq), dtype=np.int64, count=n)
    return codes, list(index)


def _split(ratings: Iterable) -> tuple[list, list, list]:
    if isinstance(ratings, np.ndarray):
        ratings = ratings.tolist()
    rows = ratings if isinstance(ratings, (list, tuple)) else list(ratings)
    try:
        coders = [c for c, _u, _v in rows]
    except (TypeError, ValueError) as exc:
        raise ValueError("ratings must be an iterable of (coder, unit, value) triples") from exc
    units = list(map(itemgetter(1), rows))
    values = list(map(itemgetter(2), rows))
    return coders, units, values


def _compress(seq: list, keep: np.ndarray) -> list:
    return [x for x, k in zip(seq, keep.tolist(), strict=True) if k]


def parse_ratings(
    ratings: Iterable,
    *,
    kind: str = "codes",
    ordered: bool = False,
    value_domain: Sequence[Hashable] | None = None,
    what: str = "this coefficient",
) -> ParsedRatings:
    """Split and integer-code ``(coder, unit, value)`` triples.

    ``kind`` chooses the representation of the values:

    * ``"codes"``: int64 category codes; ``categories[code]`` is the value.
    * ``"numeric"``: float64 numbers (interval/ratio data); non-numbers raise.
    * ``"any"``: float64 numbers when every value is a number (and no
      ordinal ``value_domain`` has to be applied), otherwise int64 codes.

    With ``ordered=True`` codes are ranks: positions in ``value_domain`` when
    given, else in the sorted observed values.  When ``value_domain`` is
    given, every observed value must belong to it (else ValueError), and codes
    are positions in it.
    """
    if kind not in ("codes", "numeric", "any"):
        raise ValueError(f"unknown kind {kind!r}")
    coders, units, values = _split(ratings)

    # -- drop missing values (None / NaN) ---------------------------------
    varr = _numeric_array(values)
    if varr is not None and varr.dtype.kind == "f":
        ok = ~np.isnan(varr)
        if not ok.all():
            coders, units, values = (_compress(s, ok) for s in (coders, units, values))
            varr = varr[ok]
        if varr.size == 0:
            varr = None
    value_index = None
    if varr is None:
        # Distinct values first (needed for coding anyway): the missing-value
        # test then runs over the few distinct values, not every rating.
        value_index = dict.fromkeys(values)
        if any(map(_is_missing, value_index)):
            ok = np.fromiter((not _is_missing(v) for v in values), dtype=bool, count=len(values))
            coders, units, values = (_compress(s, ok) for s in (coders, units, values))
            varr = _numeric_array(values)  # e.g. numbers with a few None
            value_index = None if varr is not None else dict.fromkeys(values)

    coder_codes, coder_uniques = _factorize(coders)
    unit_codes, unit_uniques = _factorize(units)

    domain: list | None = None
    domain_index: dict | None = None
    if value_domain is not None:
        domain = list(value_domain)
        try:
            domain_index = {v: i for i, v in enumerate(domain)}
        except TypeError as exc:
            raise ValueError("value_domain entries must be hashable") from exc
        if len(domain_index) != len(domain):
            raise ValueError("value_domain contains duplicate values")

    categories: Sequence[Hashable] | None = None
    use_numbers = kind == "numeric" or (
        kind == "any" and varr is not None and not (ordered and domain_index is not None)
    )
    if use_numbers:
        if varr is not None:
            val = varr.astype(np.float64)
        else:
            for v in values:
                if isinstance(v, (str, bytes)) or not _is_number(v):
                    raise ValueError(f"{what} needs numeric values; got {v!r} of type {type(v).__name__}")
            val = np.array([float(v) for v in values], dtype=np.float64)
        if not np.isfinite(val).all():
            raise ValueError(f"{what} needs finite numeric values (got infinity)")
        if domain_index is not None and val.size:
            for v in np.unique(val).tolist():
                if v not in domain_index:
                    raise ValueError(f"value {v!r} is not in value_domain")
    else:
        codes, uniques = _factorize(values, varr, value_index)
        if domain_index is not None:
            try:
                pos = [domain_index[u] for u in uniques]
            except KeyError as exc:
                raise ValueError(f"value {exc.args[0]!r} is not in value_domain") from None
            val = np.asarray(pos, dtype=np.int64)[codes] if pos else codes
            categories = domain
        elif ordered and len(uniques) > 1:
            try:
                order = sorted(range(len(uniques)), key=uniques.__getitem__)
            except TypeError as exc:
                raise ValueError("ordinal values cannot be sorted; pass value_domain with their order") from exc
            rank = np.empty(len(order), dtype=np.int64)
            rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
            val = rank[codes]
            categories = [uniques[i] for i in order]
        else:
            val = codes
            categories = uniques

    return ParsedRatings(
        coder=coder_codes,
        unit=unit_codes,
        value=val,
        n_coders=len(coder_uniques),
        n_units=len(unit_uniques),
        coders=coder_uniques,
        units=unit_uniques,
        categories=categories,
    )


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return not isinstance(v, complex)


def check_single_rating(p: ParsedRatings) -> None:
    """Raise ValueError if some coder rated some unit more than once."""
    n = p.size
    if n < 2:
        return
    total = p.n_coders * p.n_units
    key = p.coder * p.n_units + p.unit
    if total <= 4 * n + (1 << 20):
        counts = np.bincount(key, minlength=total)
        if counts.max() <= 1:
            return
        dup = int(np.argmax(counts))
    else:
        s = np.sort(key)
        same = np.flatnonzero(s[1:] == s[:-1])
        if same.size == 0:
            return
        dup = int(s[same[0]])
    c, u = divmod(dup, p.n_units)
    raise ValueError(
        f"coder {p.coders[c]!r} rated unit {p.units[u]!r} more than once; "
        "each (coder, unit) pair may occur at most once"
    )
