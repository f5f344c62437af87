"""Token-level Krippendorff's alpha for span annotations.

The tokenizer is not part of this module: tokens are passed in as
``(start, end)`` code-point offsets (half-open ``[start, end)``), e.g. from
the project's text module.  Each coder's spans are ``(start, end, label)``.

Token value per coder (:func:`token_values`):

* A span *covers* a token when they share at least one code point
  (``span.start < token.end and token.start < span.end``).  Overlap rather
  than containment is used on purpose: in Arabic, clitics such as the
  conjunction "wa-" or the article "al-" are written attached to the word, and
  annotators routinely start an entity inside a whitespace token.
* If several spans cover a token, the winner is the one with (1) the largest
  overlap with the token, then (2) the shortest span (the innermost of nested
  spans), then (3) the smallest label by ``str(label)``, then (4) the
  smallest ``repr(label)``.  This makes the result independent of span order.
* A token covered by no span gets the value ``"O"`` (``outside``); a label
  literally called ``"O"`` is therefore indistinguishable from no span.

:func:`token_alpha` then computes Krippendorff's alpha (nominal by default)
with coders as coders and tokens as units; every coder gives a value for
every token, so there is no missing data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence

from .krippendorff import krippendorff_alpha

__all__ = ["token_alpha", "token_values", "OUTSIDE"]

OUTSIDE = "O"


def _coder_items(annotations) -> list[tuple[Hashable, list]]:
    if isinstance(annotations, Mapping):
        return [(coder, list(spans)) for coder, spans in annotations.items()]
    return [(i, list(spans)) for i, spans in enumerate(annotations)]


def token_values(
    tokens: Sequence[tuple[int, int]],
    spans: Iterable[tuple[int, int, Hashable]],
    outside: Hashable = OUTSIDE,
) -> list[Hashable]:
    """The value of every token for one coder (see the module docstring)."""
    toks = [(int(s), int(e)) for s, e in tokens]
    for s, e in toks:
        if not s < e:
            raise ValueError(f"a token must have start < end; got {(s, e)!r}")
    n = len(toks)
    best: list = [None] * n  # (-overlap, length, str(label), repr(label), label)
    # Fast path: tokens sorted by start with non-decreasing ends, so the tokens
    # overlapping a span form a contiguous index range found by bisection.
    starts = [s for s, _ in toks]
    ends = [e for _, e in toks]
    monotone = all(starts[i] <= starts[i + 1] and ends[i] <= ends[i + 1] for i in range(n - 1))
    for sp in spans:
        if len(sp) != 3:
            raise ValueError(f"a span must be (start, end, label); got {sp!r}")
        s, e, label = sp
        if s > e:
            raise ValueError(f"span start must not exceed its end; got {sp!r}")
        if s == e:
            continue  # an empty span covers nothing
        if monotone:
            lo = bisect_right(ends, s)  # first token with end > s
            hi = bisect_left(starts, e)  # first token with start >= e
            candidates = range(lo, hi)
        else:
            candidates = range(n)
        key_tail = None
        for i in candidates:
            ts, te = toks[i]
            ov = min(e, te) - max(s, ts)
            if ov <= 0:
                continue
            if key_tail is None:
                key_tail = (e - s, str(label), repr(label))
            key = (-ov,) + key_tail
            cur = best[i]
            if cur is None or key < cur[0]:
                best[i] = (key, label)
    return [outside if b is None else b[1] for b in best]


def token_alpha(
    text_tokens: Sequence[tuple[int, int]],
    annotations: Mapping[Hashable, Iterable] | Sequence[Iterable],
    level: str = "nominal",
    value_domain: Sequence[Hashable] | None = None,
    outside: Hashable = OUTSIDE,
) -> float:
    """Krippendorff's alpha over coders x tokens.

    ``text_tokens``: ``(start, end)`` code-point offsets of the tokens (units).
    ``annotations``: ``{coder: [(start, end, label), ...]}`` or a sequence of
    per-coder span lists (coders are then 0, 1, ...).  Each token's value for
    a coder is given by :func:`token_values` (``outside``, default ``"O"``,
    when no span covers it).  ``level``/``value_domain`` are passed to
    :func:`krippendorff_alpha`; nominal is the natural choice.
    """
    coders = _coder_items(annotations)
    if len(coders) < 2:
        raise ValueError("token_alpha needs span lists from at least two coders")
    ratings = []
    for coder, spans in coders:
        vals = token_values(text_tokens, spans, outside)
        ratings.extend((coder, i, v) for i, v in enumerate(vals))
    return krippendorff_alpha(ratings, level=level, value_domain=value_domain)
