"""Admiralty (NATO) grades as ordinal data for Krippendorff's alpha.

The Admiralty system rates a report on two separate scales:

* source reliability ``A`` (completely reliable) ... ``E`` (unreliable), and
  ``F`` = "reliability cannot be judged";
* information credibility ``1`` (confirmed) ... ``5`` (improbable), and
  ``6`` = "truth cannot be judged".

``F`` and ``6`` are **not points on the ordinal scale**: they do not lie
beyond ``E``/``5`` (they say that no judgement was made), so an ordinal
coefficient must not rank them.  For ordinal alpha they are treated as
*missing* ratings: :func:`admiralty_ratings` drops them (like an absent
triple), and the remaining grades are ordinal over
:data:`RELIABILITY_SCALE` (``A..E``) or :data:`CREDIBILITY_SCALE` (``1..5``).
Analyse the two scales separately; a combined code such as ``"B2"`` must be
split first.  (If "cannot be judged" should count as a category of its own,
use the raw ratings with ``level="nominal"`` instead.)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from .krippendorff import krippendorff_alpha

__all__ = [
    "RELIABILITY_SCALE",
    "CREDIBILITY_SCALE",
    "CANNOT_BE_JUDGED",
    "admiralty_ratings",
    "admiralty_alpha",
]

RELIABILITY_SCALE = ("A", "B", "C", "D", "E")
CREDIBILITY_SCALE = (1, 2, 3, 4, 5)
CANNOT_BE_JUDGED = ("F", 6)

_SCALES = {"reliability": RELIABILITY_SCALE, "credibility": CREDIBILITY_SCALE}


def _normalize(value) -> tuple[str, Hashable]:
    """-> (scale name, canonical grade); ValueError for anything else."""
    if isinstance(value, str):
        v = value.strip()
        if len(v) == 1 and v.upper() in "ABCDEF":
            return "reliability", v.upper()
        if len(v) == 1 and v in "123456":
            return "credibility", int(v)
    elif (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and float(value).is_integer()
        and 1 <= value <= 6
    ):
        return "credibility", int(value)
    raise ValueError(
        f"{value!r} is not an Admiralty grade (A-F or 1-6; split combined codes like 'B2' into two variables)"
    )


def admiralty_ratings(
    ratings: Iterable[tuple[Hashable, Hashable, Hashable]],
    scale: str | None = None,
) -> list[tuple[Hashable, Hashable, Hashable]]:
    """Canonical ordinal Admiralty ratings, with F / 6 dropped as missing.

    Grades are normalized to ``"A".."E"`` (letters, case-insensitive) or
    ``1..5`` (ints or digit strings).  ``scale`` is ``"reliability"``,
    ``"credibility"`` or ``None`` (inferred; mixing the two scales raises
    ValueError).  Triples with value ``None``/NaN are dropped as missing.
    """
    if scale is not None and scale not in _SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected 'reliability' or 'credibility'")
    out = []
    seen = scale
    for coder, unit, value in ratings:
        if value is None or (isinstance(value, float) and value != value):
            continue
        which, grade = _normalize(value)
        if seen is None:
            seen = which
        elif which != seen:
            raise ValueError(
                f"grade {value!r} belongs to the {which} scale but the ratings are on the "
                f"{seen} scale; analyse the two scales separately"
            )
        if grade in CANNOT_BE_JUDGED:
            continue
        out.append((coder, unit, grade))
    return out


def admiralty_alpha(
    ratings: Iterable[tuple[Hashable, Hashable, Hashable]],
    scale: str | None = None,
) -> float:
    """Ordinal Krippendorff's alpha of Admiralty grades (F / 6 as missing)."""
    cleaned = admiralty_ratings(ratings, scale)
    if scale is None:
        scale = "credibility" if cleaned and isinstance(cleaned[0][2], int) else "reliability"
    return krippendorff_alpha(cleaned, level="ordinal", value_domain=_SCALES[scale])
