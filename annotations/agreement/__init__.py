"""Inter-annotator agreement coefficients (pure Python + numpy, no Django).

Ratings are iterables of ``(coder, unit, value)`` triples; a missing rating is
an absent triple.  See the submodules for definitions and sources:

* :mod:`.krippendorff` -- :func:`krippendorff_alpha` (triples) and
  :func:`krippendorff_alpha_matrix` (coders x units array, ``np.nan`` missing)
* :mod:`.kappa` -- :func:`fleiss_kappa`, :func:`cohen_kappa`
* :mod:`.spans` -- :func:`span_f1` / :class:`SpanF1Result`
* :mod:`.tokens` -- :func:`token_alpha` (token-level alpha of span annotations)
* :mod:`.bootstrap` -- :func:`alpha_bootstrap_ci`
* :mod:`.admiralty` -- Admiralty grades (F / 6 are missing for ordinal alpha)

* :mod:`.report` -- :func:`agreement_report`, the whole report of a project's run
  (plain input, typed result)
* :mod:`.pieces` -- each document's part of the report (its sufficient statistics), computed for
  many documents at once and cached between runs by the caller

Undefined coefficients raise :class:`UndefinedAgreement` (a ValueError).

Keep this package pure (no Django, no database): every coefficient is tested against published
values, and tests/agreement/test_purity.py fails if it imports anything but the stdlib and numpy.
"""

from ._ratings import UndefinedAgreement
from .admiralty import (
    CREDIBILITY_SCALE,
    RELIABILITY_SCALE,
    admiralty_alpha,
    admiralty_ratings,
)
from .bootstrap import AlphaBootstrapCI, alpha_bootstrap_ci
from .kappa import cohen_kappa, fleiss_kappa
from .krippendorff import krippendorff_alpha, krippendorff_alpha_matrix
from .spans import LabelF1, SpanF1Result, span_f1
from .tokens import token_alpha, token_values

__all__ = [
    "UndefinedAgreement",
    "krippendorff_alpha",
    "krippendorff_alpha_matrix",
    "fleiss_kappa",
    "cohen_kappa",
    "span_f1",
    "SpanF1Result",
    "LabelF1",
    "token_alpha",
    "token_values",
    "alpha_bootstrap_ci",
    "AlphaBootstrapCI",
    "admiralty_ratings",
    "admiralty_alpha",
    "RELIABILITY_SCALE",
    "CREDIBILITY_SCALE",
]
