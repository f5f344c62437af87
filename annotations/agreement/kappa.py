"""Fleiss' kappa and Cohen's (optionally weighted) kappa from rating triples.

Both take ``(coder, unit, value)`` triples like the rest of the package; a
missing rating is an absent triple (a value of ``None``/NaN counts as absent)
and a coder may rate a unit at most once.

* Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
  Psychological Bulletin 76(5), 378-382.  Every unit must have the same number
  ``n >= 2`` of ratings; coder identities need not be the same across units.
* Cohen, J. (1960). A coefficient of agreement for nominal scales; Cohen, J.
  (1968). Weighted kappa.  Exactly two coders; units rated by only one of them
  are left out.  With ``weights`` ``"linear"`` or ``"quadratic"`` the
  disagreement weights are ``|i - j| / (k - 1)`` and ``((i - j) / (k - 1))^2``
  over the positions ``i, j`` of the ordered categories (``value_domain``
  when given, else the sorted values the two coders used on the units they
  both rated), and ``kappa_w = 1 - sum(w * O) / sum(w * E)`` with ``O`` the
  observed and ``E`` the chance (product of marginals) proportions.
  Unweighted kappa is the same formula with ``w = 1 - I``, i.e.
  ``(p_o - p_e) / (1 - p_e)``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from ._ratings import UndefinedAgreement, check_single_rating, parse_ratings
from .krippendorff import _equal_pairs

__all__ = ["fleiss_kappa", "cohen_kappa"]

_WEIGHTS = (None, "linear", "quadratic")


def fleiss_kappa(ratings: Iterable[tuple[Hashable, Hashable, Hashable]]) -> float:
    """Fleiss' kappa for nominal ratings where every unit has ``n`` ratings.

    ``P_i = (sum_j n_ij^2 - n) / (n (n - 1))``, ``P = mean(P_i)``,
    ``p_j = sum_i n_ij / (N n)``, ``P_e = sum_j p_j^2``,
    ``kappa = (P - P_e) / (1 - P_e)``.

    Raises ValueError when units have different numbers of ratings, and
    :class:`UndefinedAgreement` when there are no ratings, when ``n < 2``, or
    when only one category was used (``P_e = 1``).
    """
    p = parse_ratings(ratings, kind="codes", what="Fleiss' kappa")
    check_single_rating(p)
    if p.size == 0:
        raise UndefinedAgreement("Fleiss' kappa is undefined: there are no ratings")
    per_unit = np.bincount(p.unit, minlength=p.n_units)
    lo, hi = int(per_unit.min()), int(per_unit.max())
    if lo != hi:
        raise ValueError(
            "Fleiss' kappa requires every unit to be rated by the same number of "
            f"coders; units have between {lo} and {hi} ratings"
        )
    n = hi
    if n < 2:
        raise UndefinedAgreement("Fleiss' kappa is undefined: each unit needs at least two ratings")
    n_units = p.n_units
    cat_counts = np.bincount(p.value)
    if np.count_nonzero(cat_counts) < 2:
        raise UndefinedAgreement("Fleiss' kappa is undefined: only one category was used, so P_e = 1")
    # Units as columns of an (n x N) matrix of category codes.
    order = np.argsort(p.unit, kind="stable")
    x = p.value[order].reshape(n_units, n).T
    eq = _equal_pairs(x.astype(np.float64))  # sum_j C(n_ij, 2) per unit
    p_bar = float(np.sum(2.0 * eq)) / (n_units * n * (n - 1))
    pj = cat_counts / float(n_units * n)
    p_e = float(np.dot(pj, pj))
    return (p_bar - p_e) / (1.0 - p_e)


def cohen_kappa(
    ratings: Iterable[tuple[Hashable, Hashable, Hashable]],
    weights: str | None = None,
    value_domain: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's kappa for exactly two coders, optionally weighted.

    ``weights``: ``None`` (unweighted), ``"linear"`` or ``"quadratic"``.
    Units rated by only one coder are left out.  Categories are ordered by
    ``value_domain`` when given (values outside it raise ValueError), else by
    sorting the values the coders used on the units both rated (weighted kappa
    needs sortable values in that case).

    Raises ValueError unless there are exactly two coders, and
    :class:`UndefinedAgreement` when no unit was rated by both or when both
    coders used one and the same single category (chance agreement 1).
    """
    if weights not in _WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}; expected None, 'linear' or 'quadratic'")
    p = parse_ratings(ratings, kind="codes", value_domain=value_domain, what="Cohen's kappa")
    check_single_rating(p)
    if p.n_coders != 2:
        names = ", ".join(repr(c) for c in list(p.coders)[:5])
        raise ValueError(
            f"Cohen's kappa needs exactly two coders; got {p.n_coders}"
            + (f" ({names}{', ...' if p.n_coders > 5 else ''})" if p.n_coders else "")
        )
    first = np.full(p.n_units, -1, dtype=np.int64)
    second = np.full(p.n_units, -1, dtype=np.int64)
    sel = p.coder == 0
    first[p.unit[sel]] = p.value[sel]
    second[p.unit[~sel]] = p.value[~sel]
    both = (first >= 0) & (second >= 0)
    if not both.any():
        raise UndefinedAgreement("Cohen's kappa is undefined: no unit was rated by both coders")
    a, b = first[both], second[both]

    used = np.unique(np.concatenate([a, b]))
    if used.size < 2:
        raise UndefinedAgreement(
            "Cohen's kappa is undefined: both coders used only one category, so chance agreement is 1"
        )
    if value_domain is not None:
        k = len(p.categories)  # codes are positions in value_domain
    else:
        # Positions among the sorted values used on the paired units.
        cats = [p.categories[c] for c in used.tolist()]
        if weights is None:
            order = list(range(len(cats)))
        else:
            try:
                order = sorted(range(len(cats)), key=cats.__getitem__)
            except TypeError as exc:
                raise ValueError(
                    "weighted kappa needs ordered categories: the values cannot be sorted, pass value_domain"
                ) from exc
        pos = np.empty(len(order), dtype=np.int64)
        pos[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        remap = np.zeros(int(used.max()) + 1, dtype=np.int64)
        remap[used] = pos
        a, b = remap[a], remap[b]
        k = len(cats)

    total = float(a.size)
    observed = np.bincount(a * k + b, minlength=k * k).reshape(k, k) / total
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    idx = np.arange(k)
    diff = np.abs(idx[:, None] - idx[None, :]).astype(np.float64)
    if weights is None:
        w = (diff > 0).astype(np.float64)
    elif weights == "linear":
        w = diff / (k - 1)
    else:
        w = (diff / (k - 1)) ** 2
    return 1.0 - float((w * observed).sum()) / float((w * expected).sum())
