"""Span-level F1 agreement between two annotators.

Spans are ``(start, end, label)`` with half-open offsets ``[start, end)``.

* ``match="exact"``: a pair matches when start, end and label are equal.
  Duplicated spans are a multiset: the number of matches for a span is the
  smaller of its two multiplicities (multiset intersection).
* ``match="overlap"``: a pair matches when the labels are equal and the
  intervals intersect (``a.start < b.end and b.start < a.end``); empty spans
  (``start == end``) therefore never overlap anything.

Every span is matched at most once and the number of matched pairs is a
*maximum* one-to-one matching.  For overlap matching this is a maximum
bipartite matching in the overlap graph of each label, found with a greedy
sweep that is exact for interval graphs:

    Repeatedly take the remaining interval ``x`` (either side) with the
    smallest end.  Every remaining opposite-side interval that overlaps ``x``
    is one starting before ``x.end``; match ``x`` to such an interval ``y``
    with the smallest end, or drop ``x`` if there is none.

Exchange argument: if an optimal matching pairs ``x`` with ``y'`` and ``y``
with ``x''``, then ``x''`` also overlaps ``y'`` (``x''.start < y.end <= y'.end``
and ``y'.start < x.end <= x''.end``), so swapping to ``x-y, x''-y'`` keeps it
optimal; the other cases are simpler.  (The test suite checks it against
exhaustive search.)

Scores: ``spans_a`` is treated as the reference and ``spans_b`` as the
response, so ``precision = matched / n_b`` and ``recall = matched / n_a``;
``f1 = 2 * matched / (n_a + n_b)`` is symmetric.  A ratio with a zero
denominator is reported as 0.0.  Per-label scores are in ``per_label`` (labels
present in either list); ``macro_f1`` is their unweighted mean, and the
top-level ``f1`` / ``precision`` / ``recall`` are micro-averaged.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from ._ratings import UndefinedAgreement

__all__ = ["span_f1", "SpanF1Result", "LabelF1"]

_MATCH_MODES = ("exact", "overlap")
# Above this many intervals of one label the heap-based sweep is used.
_SCAN_LIMIT = 256
_label_of = itemgetter(2)


class _ItemAccess:
    """``result["f1"]`` works as well as ``result.f1``."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str):
            raise TypeError("result fields are accessed by name, e.g. result['f1']")
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


@dataclass(frozen=True, slots=True)
class LabelF1(_ItemAccess):
    """Span agreement restricted to one label."""

    f1: float
    precision: float
    recall: float
    matched: int
    n_a: int
    n_b: int


@dataclass(frozen=True, slots=True)
class SpanF1Result(_ItemAccess):
    """Micro-averaged span F1 plus per-label scores and macro F1."""

    f1: float
    precision: float
    recall: float
    matched: int
    n_a: int
    n_b: int
    per_label: Mapping[Hashable, LabelF1] = field(default_factory=dict, hash=False)
    macro_f1: float = 0.0


def _score(matched: int, n_a: int, n_b: int) -> tuple[float, float, float]:
    return (
        2.0 * matched / (n_a + n_b) if n_a + n_b else 0.0,
        matched / n_b if n_b else 0.0,
        matched / n_a if n_a else 0.0,
    )


def _as_list(spans: Iterable) -> list:
    return spans if type(spans) is list else list(spans)


def _validate(spans: list) -> None:
    try:
        bad = [(s, e, lab) for s, e, lab in spans if not s <= e]
    except (TypeError, ValueError) as exc:
        bad_shape = next((x for x in spans if not isinstance(x, (tuple, list)) or len(x) != 3), None)
        shown = f"; got {bad_shape!r}" if bad_shape is not None else ""
        raise ValueError(f"a span must be (start, end, label) with comparable offsets{shown}") from exc
    if bad:
        raise ValueError(f"span start must not exceed its end; got {bad[0]!r}")


def _max_overlap_matching(a: list, b: list) -> int:
    """Maximum one-to-one matching of two interval lists by overlap.

    ``a`` and ``b`` hold ``(start, end, ...)`` sequences sorted by ``end``.
    Implements the greedy sweep described in the module docstring.
    """
    na, nb = len(a), len(b)
    if na + nb > _SCAN_LIMIT:
        return _max_overlap_matching_heap(a, b)
    used_a, used_b = bytearray(na), bytearray(nb)
    ia = ib = matched = 0
    while ia < na and ib < nb:
        xa, xb = a[ia], b[ib]
        if xa[1] <= xb[1]:
            # x = xa has the smallest end; candidates start before xa's end.
            ia += 1
            while ia < na and used_a[ia]:
                ia += 1
            xs, xe = xa[0], xa[1]
            if xs >= xe:
                continue  # empty span overlaps nothing
            if xb[0] < xe:  # the head of b is the first candidate
                ib += 1
                while ib < nb and used_b[ib]:
                    ib += 1
                matched += 1
                continue
            for k in range(ib + 1, nb):
                if not used_b[k] and b[k][0] < xe:
                    used_b[k] = 1
                    matched += 1
                    break
        else:
            ib += 1
            while ib < nb and used_b[ib]:
                ib += 1
            xs, xe = xb[0], xb[1]
            if xs >= xe:
                continue
            if xa[0] < xe:
                ia += 1
                while ia < na and used_a[ia]:
                    ia += 1
                matched += 1
                continue
            for k in range(ia + 1, na):
                if not used_a[k] and a[k][0] < xe:
                    used_a[k] = 1
                    matched += 1
                    break
    return matched


def _max_overlap_matching_heap(a: list, b: list) -> int:
    """Same greedy as :func:`_max_overlap_matching` in O(n log n) worst case.

    The linear-scan version can degrade to O(n_a * n_b) on adversarial input;
    here the candidates (opposite-side intervals starting before the current
    end) live in a heap keyed by end, with lazy deletion.
    """
    sides = (a, b)
    by_start = (
        sorted(range(len(a)), key=lambda i: a[i][0]),
        sorted(range(len(b)), key=lambda i: b[i][0]),
    )
    done = (bytearray(len(a)), bytearray(len(b)))
    heaps: tuple[list, list] = ([], [])
    ptr = [0, 0]
    events = sorted([(x[1], 0, i) for i, x in enumerate(a)] + [(x[1], 1, i) for i, x in enumerate(b)])
    matched = 0
    for end, side, i in events:
        if done[side][i]:
            continue
        done[side][i] = 1
        if sides[side][i][0] >= end:
            continue  # empty span
        o = 1 - side
        other, order, heap, odone = sides[o], by_start[o], heaps[o], done[o]
        p = ptr[o]
        while p < len(order) and other[order[p]][0] < end:
            j = order[p]
            heapq.heappush(heap, (other[j][1], j))
            p += 1
        ptr[o] = p
        while heap and odone[heap[0][1]]:
            heapq.heappop(heap)
        if heap:
            _, j = heapq.heappop(heap)
            odone[j] = 1
            matched += 1
    return matched


def _group_by_label(spans: list, labels) -> dict:
    """{label: spans sorted by end} for the given labels."""
    groups: dict = {lab: [] for lab in labels}
    get = groups.get
    for sp in sorted(spans, key=_end):
        g = get(sp[2])
        if g is not None:
            g.append(sp)
    return groups


_end = itemgetter(1)


def span_f1(
    spans_a: Iterable[tuple[int, int, Hashable]],
    spans_b: Iterable[tuple[int, int, Hashable]],
    match: str = "exact",
) -> SpanF1Result:
    """Span F1 between two annotators; see the module docstring.

    Returns a :class:`SpanF1Result` (``.f1`` is the micro F1).  Raises
    :class:`UndefinedAgreement` when both span lists are empty and ValueError
    for an unknown ``match`` or malformed spans.
    """
    if match not in _MATCH_MODES:
        raise ValueError(f"unknown match {match!r}; expected 'exact' or 'overlap'")
    a = _as_list(spans_a)
    b = _as_list(spans_b)
    n_a, n_b = len(a), len(b)
    if n_a + n_b == 0:
        raise UndefinedAgreement("span F1 is undefined: both span lists are empty")
    _validate(a)
    _validate(b)

    count_a = Counter(map(_label_of, a))
    count_b = Counter(map(_label_of, b))
    if match == "exact":
        try:
            set_a, set_b = set(a), set(b)
        except TypeError:  # spans given as lists
            a, b = list(map(tuple, a)), list(map(tuple, b))
            set_a, set_b = set(a), set(b)
        if len(set_a) == n_a and len(set_b) == n_b:
            common = set_a & set_b
        else:  # duplicated spans: multiset intersection
            common = (Counter(a) & Counter(b)).elements()
        matched_by_label = Counter(map(_label_of, common))
    else:
        shared = count_a.keys() & count_b.keys()
        matched_by_label = {}
        if shared:
            ga = _group_by_label(a, shared)
            gb = _group_by_label(b, shared)
            for lab in shared:
                got = _max_overlap_matching(ga[lab], gb[lab])
                if got:
                    matched_by_label[lab] = got

    per_label = {}
    total_f1 = 0.0
    get_m, get_a, get_b = matched_by_label.get, count_a.get, count_b.get
    for lab in count_a.keys() | count_b.keys():
        la, lb = get_a(lab, 0), get_b(lab, 0)
        mt = get_m(lab, 0)
        f1 = 2.0 * mt / (la + lb)
        total_f1 += f1
        per_label[lab] = LabelF1(f1, mt / lb if lb else 0.0, mt / la if la else 0.0, mt, la, lb)
    matched = sum(matched_by_label.values())
    f1, prec, rec = _score(matched, n_a, n_b)
    return SpanF1Result(f1, prec, rec, matched, n_a, n_b, MappingProxyType(per_label), total_f1 / len(per_label))
