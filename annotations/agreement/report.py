"""The agreement report of one project: plain input in (`ReportInput`), one typed result out
(`AgreementReport`). Pure: no Django, no database; the selectors build the input, the service stores the
result on the run's row (`AgreementRun.results`) and every reader uses the TypedDicts below.

Every object holding coefficients has a `reasons` map saying why a null coefficient is undefined:

* `summary`: the headline figures (kept for the trend line over runs);
* `project`: token-level nominal alpha over all documents (+ bootstrap CI), span F1 exact/overlap
  (`micro` and `macro` averaged over reviewer pairs, `pooled` over every comparison);
* `labels`: per label, token alpha of "this label vs anything else" and exact/overlap F1;
* `pairs`: per reviewer pair, overlap and exact F1 over their shared documents and token alpha;
* `documents`: per document, token alpha and overlap F1 among its reviewers (adjudication order);
* `reliability`: ordinal alpha of outlet grades, source reliability A-E and credibility 1-5;
  F and 6 ("cannot be judged") are left out as missing, and counted;
* `claims`: nominal alpha of claim-link stances per (document, claim), and of verifiers' verdicts.

The JSON keys are part of the external contract (API, CSV, dashboard.js): extend, never rename.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypedDict

import numpy as np

from ._ratings import UndefinedAgreement
from .admiralty import admiralty_alpha, admiralty_ratings
from .bootstrap import alpha_bootstrap_ci
from .krippendorff import krippendorff_alpha, krippendorff_alpha_matrix
from .spans import span_f1
from .tokens import token_values

# The report's version, stored under the key "schema" (the name older runs already carry).
REPORT_VERSION = 1
OUTSIDE = "O"
# Bootstrap CI of the project's token alpha: seeded, modest, and on at most this many token values
# (above it, on a seeded sample of whole documents: the interval is then a little wider than it should be).
BOOTSTRAP_N = 200
BOOTSTRAP_SEED = 0
BOOTSTRAP_MAX_VALUES = 500_000

NO_SPANS = "span F1 is undefined: neither reviewer marked a span in the documents they share"
NO_PAIRS = "Krippendorff's alpha is undefined: no document has two submitted reviewers"

Triple = tuple[Hashable, Hashable, Hashable]  # (coder, unit, value)


# --- input ---------------------------------------------------------------------------------------------
@dataclass
class DocumentWork:
    """One document: its tokens and each submitting reviewer's spans `(start, end, label name)`."""

    document_id: int
    title: str
    tokens: list[tuple[int, int]]
    spans: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # reviewer id -> spans

    @property
    def reviewers(self) -> list[int]:
        return sorted(self.spans)


@dataclass
class ReportInput:
    """Everything one report is computed from, read before the computation starts.

    `documents` is a stream (the selectors read texts and spans in chunks: a large project does not fit
    in memory twice); the caller closes it. Everything else is plain lists and maps."""

    labels: list[str]  # label names, in the project's order
    label_colors: dict[str, str]
    reviewers: dict[int, str]  # reviewer id -> name
    assignments: int  # submitted assignments
    document_count: int  # documents with at least one submitted assignment (for progress)
    documents: Iterable[DocumentWork]
    reliability: list[Triple] = field(default_factory=list)  # (reviewer, document, grade A-F)
    credibility: list[Triple] = field(default_factory=list)  # (reviewer, document, grade 1-6)
    stances: list[Triple] = field(default_factory=list)  # (reviewer, (document, claim), stance)
    verdicts: list[Triple] = field(default_factory=list)  # (verifier, claim, verdict)


# --- result (the stored JSON) --------------------------------------------------------------------------
Reasons = dict[str, str]


class Counts(TypedDict):
    documents: int
    paired_documents: int
    assignments: int
    reviewers: int
    spans: int
    tokens: int


class Summary(TypedDict):
    token_alpha: float | None
    exact_f1: float | None
    overlap_f1: float | None
    exact_macro_f1: float | None
    overlap_macro_f1: float | None
    reliability_alpha: float | None
    credibility_alpha: float | None
    stance_alpha: float | None
    documents: int
    paired_documents: int
    assignments: int


class F1Summary(TypedDict, total=False):
    micro: float | None
    macro: float | None
    pooled: float | None
    reasons: Reasons


class BootstrapInterval(TypedDict):
    low: float
    high: float
    confidence: float
    n_boot: int
    n_undefined: int
    sampled_documents: int | None
    resampled: str


class ProjectPart(TypedDict, total=False):
    token_alpha: float | None
    token_alpha_ci: BootstrapInterval | None
    span_f1: dict[str, F1Summary]  # "exact", "overlap"
    reasons: Reasons


class LabelRow(TypedDict, total=False):
    label: str
    color: str
    token_values: int
    token_alpha: float | None
    exact_f1: float | None
    overlap_f1: float | None
    spans: int
    reasons: Reasons


class PairRow(TypedDict, total=False):
    reviewers: list[str]
    reviewer_ids: list[int]
    documents: int
    token_alpha: float | None
    exact_f1: float | None
    overlap_f1: float | None
    reasons: Reasons


class DocumentRow(TypedDict, total=False):
    document: int
    title: str
    reviewers: int
    tokens: int
    token_alpha: float | None
    overlap_f1: float | None
    reasons: Reasons


class GradeAlpha(TypedDict, total=False):
    ratings: int
    cannot_be_judged: int
    alpha: float | None
    reasons: Reasons


class ReliabilityPart(TypedDict):
    source_reliability: GradeAlpha
    credibility: GradeAlpha


class ClaimsPart(TypedDict, total=False):
    units: int
    ratings: int
    stance_alpha: float | None
    verdict_ratings: int
    verdict_alpha: float | None
    reasons: Reasons


class AgreementReport(TypedDict, total=False):
    schema: int  # REPORT_VERSION
    unchanged: bool  # copied from an earlier run whose input had the same fingerprint
    copied_from: int | None
    counts: Counts
    summary: Summary
    project: ProjectPart
    labels: list[LabelRow]
    pairs: list[PairRow]
    documents: list[DocumentRow]
    reliability: ReliabilityPart
    claims: ClaimsPart


def as_report(results: object) -> AgreementReport:
    """A stored `results` value read as a report: `{}` (every key absent) for a run without results."""
    return results if isinstance(results, dict) else {}  # type: ignore[return-value]


# --- helpers -------------------------------------------------------------------------------------------
def _coefficient(holder: dict, key: str, compute: Callable[[], float]) -> float | None:
    """holder[key] = compute(), or None with holder["reasons"][key] = why it is undefined."""
    try:
        value = float(compute())
    except UndefinedAgreement as exc:
        holder[key] = None
        holder.setdefault("reasons", {})[key] = str(exc)
        return None
    if not np.isfinite(value):
        holder[key] = None
        holder.setdefault("reasons", {})[key] = f"{key} is undefined: the computation gave {value}"
        return None
    holder[key] = value
    return value


def _undefined(holder: dict, key: str, reason: str) -> None:
    holder[key] = None
    holder.setdefault("reasons", {})[key] = reason


def _mean(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


class _Counts:
    """Span matches summed over documents, per label: [matched, n_a, n_b]."""

    __slots__ = ("by_label",)

    def __init__(self):
        self.by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(self, result) -> None:
        for label, scores in result.per_label.items():
            row = self.by_label[label]
            row[0] += scores.matched
            row[1] += scores.n_a
            row[2] += scores.n_b

    def total(self) -> tuple[int, int]:
        matched = sum(row[0] for row in self.by_label.values())
        spans = sum(row[1] + row[2] for row in self.by_label.values())
        return matched, spans

    def micro(self) -> float | None:
        matched, spans = self.total()
        return 2.0 * matched / spans if spans else None

    def per_label(self) -> dict[str, float]:
        return {label: 2.0 * m / (a + b) for label, (m, a, b) in self.by_label.items() if a + b}

    def macro(self) -> float | None:
        return _mean(self.per_label().values())


def _f1_summary(pair_counts: dict, mode: str) -> F1Summary:
    """micro/macro averaged over reviewer pairs, and pooled over every comparison."""
    pooled = _Counts()
    micro, macro = [], []
    for counts in pair_counts.values():
        c = counts[mode]
        micro.append(c.micro())
        macro.append(c.macro())
        for label, row in c.by_label.items():
            p = pooled.by_label[label]
            p[0] += row[0]
            p[1] += row[1]
            p[2] += row[2]
    out: dict = {}
    for key, value in (("micro", _mean(micro)), ("macro", _mean(macro)), ("pooled", pooled.micro())):
        if value is None:
            _undefined(
                out, key, NO_SPANS if pair_counts else "span F1 is undefined: no document has two submitted reviewers"
            )
        else:
            out[key] = value
    return out  # type: ignore[return-value]


# --- the report ----------------------------------------------------------------------------------------
class _Documents:
    """The per-document pass: token value matrices, span match counts and the per-document rows."""

    def __init__(self, labels: list[str]):
        self.code_of = {OUTSIDE: 0}
        for i, name in enumerate(labels, start=1):
            self.code_of.setdefault(name, i)
        self.matrices: list[np.ndarray] = []  # per paired document: (reviewers x tokens) value codes
        self.slots: list[dict[int, int]] = []  # per paired document: reviewer -> row
        self.pair_docs: dict[tuple[int, int], list[int]] = defaultdict(list)  # pair -> indexes into matrices
        self.pair_counts: dict[tuple[int, int], dict[str, _Counts]] = {}
        self.rows: list[DocumentRow] = []
        self.label_spans: dict[str, int] = defaultdict(int)
        self.tokens = 0

    def add(self, work: DocumentWork) -> None:
        who = work.reviewers
        for spans in work.spans.values():
            for span in spans:
                self.label_spans[span[2]] += 1
        entry: dict = {
            "document": work.document_id,
            "title": work.title,
            "reviewers": len(who),
            "tokens": len(work.tokens),
        }
        self.rows.append(entry)  # type: ignore[arg-type]
        if len(who) < 2:
            _undefined(entry, "token_alpha", "only one reviewer has submitted this document")
            _undefined(entry, "overlap_f1", "only one reviewer has submitted this document")
            return
        if not work.tokens:
            _undefined(entry, "token_alpha", "Krippendorff's alpha is undefined: the document has no tokens")
            _undefined(entry, "overlap_f1", "span F1 is undefined: the document has no tokens")
            return
        matrix = np.empty((len(who), len(work.tokens)), dtype=np.float64)
        code_of = self.code_of
        for row, reviewer in enumerate(who):
            values = token_values(work.tokens, work.spans[reviewer], OUTSIDE)
            matrix[row] = [code_of.get(v, 0) for v in values]
        index = len(self.matrices)
        self.matrices.append(matrix)
        self.slots.append({reviewer: row for row, reviewer in enumerate(who)})
        self.tokens += len(work.tokens)
        _coefficient(entry, "token_alpha", lambda: krippendorff_alpha_matrix(matrix))
        overlap = []
        for a, b in combinations(who, 2):
            self.pair_docs[(a, b)].append(index)
            counts = self.pair_counts.setdefault((a, b), {"exact": _Counts(), "overlap": _Counts()})
            spans_a, spans_b = work.spans[a], work.spans[b]
            if not spans_a and not spans_b:
                continue
            counts["exact"].add(span_f1(spans_a, spans_b, match="exact"))
            result = span_f1(spans_a, spans_b, match="overlap")
            counts["overlap"].add(result)
            overlap.append(result.f1)
        if overlap:
            entry["overlap_f1"] = sum(overlap) / len(overlap)
        else:
            _undefined(entry, "overlap_f1", "span F1 is undefined: no reviewer marked a span in this document")

    def full_matrix(self) -> np.ndarray:
        """Every paired document side by side (reviewer slots x all their tokens; NaN where absent)."""
        if not self.matrices:
            return np.full((2, 0), np.nan)
        width = max(m.shape[0] for m in self.matrices)
        full = np.full((width, sum(m.shape[1] for m in self.matrices)), np.nan)
        col = 0
        for m in self.matrices:
            full[: m.shape[0], col : col + m.shape[1]] = m
            col += m.shape[1]
        return full


def agreement_report(
    data: ReportInput,
    *,
    on_progress: Callable[[float], None] | None = None,
    timings: dict | None = None,
) -> AgreementReport:
    """Every coefficient of one run (see the module docstring). `on_progress(fraction)` is called as the
    documents go by; `timings` receives the seconds of each phase."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    docs = _Documents(data.labels)
    total_docs = max(1, data.document_count)
    step = max(25, total_docs // 40)
    for seen, work in enumerate(data.documents, start=1):
        docs.add(work)
        if on_progress is not None and seen % step == 0:
            on_progress(min(seen / total_docs, 1.0))
    timings["documents"] = round(time.perf_counter() - clock, 4)

    clock = time.perf_counter()
    full = docs.full_matrix()
    project_part = _project_part(docs, full)
    label_rows = _label_rows(docs, full, data)
    pair_rows = _pair_rows(docs, data.reviewers)
    timings["aggregate"] = round(time.perf_counter() - clock, 4)

    clock = time.perf_counter()
    if project_part.get("token_alpha") is not None:
        project_part["token_alpha_ci"] = _bootstrap(docs.matrices, project_part)
    else:
        project_part["token_alpha_ci"] = None
    timings["bootstrap"] = round(time.perf_counter() - clock, 4)

    clock = time.perf_counter()
    reliability = _reliability(data)
    claims = _claims(data)
    timings["grades_and_claims"] = round(time.perf_counter() - clock, 4)

    exact, overlap = project_part["span_f1"]["exact"], project_part["span_f1"]["overlap"]
    summary: Summary = {
        "token_alpha": project_part.get("token_alpha"),
        "exact_f1": exact.get("micro"),
        "overlap_f1": overlap.get("micro"),
        "exact_macro_f1": exact.get("macro"),
        "overlap_macro_f1": overlap.get("macro"),
        "reliability_alpha": reliability["source_reliability"].get("alpha"),
        "credibility_alpha": reliability["credibility"].get("alpha"),
        "stance_alpha": claims.get("stance_alpha"),
        "documents": len(docs.rows),
        "paired_documents": len(docs.matrices),
        "assignments": data.assignments,
    }
    if on_progress is not None:
        on_progress(1.0)
    return {
        "schema": REPORT_VERSION,
        "unchanged": False,
        "copied_from": None,
        "counts": {
            "documents": len(docs.rows),
            "paired_documents": len(docs.matrices),
            "assignments": data.assignments,
            "reviewers": len(data.reviewers),
            "spans": sum(docs.label_spans.values()),
            "tokens": docs.tokens,
        },
        "summary": summary,
        "project": project_part,
        "labels": label_rows,
        "pairs": pair_rows,
        "documents": docs.rows,
        "reliability": reliability,
        "claims": claims,
    }


def _project_part(docs: _Documents, full: np.ndarray) -> ProjectPart:
    """Token alpha over every paired document, and span F1 summaries."""
    part: dict = {}
    if docs.matrices:
        _coefficient(part, "token_alpha", lambda: krippendorff_alpha_matrix(full))
    else:
        _undefined(part, "token_alpha", NO_PAIRS)
    part["span_f1"] = {
        "exact": _f1_summary(docs.pair_counts, "exact"),
        "overlap": _f1_summary(docs.pair_counts, "overlap"),
    }
    return part  # type: ignore[return-value]


def _label_rows(docs: _Documents, full: np.ndarray, data: ReportInput) -> list[LabelRow]:
    rows: list[LabelRow] = []
    observed = ~np.isnan(full)
    for name in data.labels:
        row: dict = {"label": name, "color": data.label_colors.get(name, "")}
        code = docs.code_of[name]
        if docs.matrices:
            binary = np.where(observed, (full == code).astype(np.float64), np.nan)
            row["token_values"] = int(np.count_nonzero(full == code))
            _coefficient(row, "token_alpha", lambda b=binary: krippendorff_alpha_matrix(b))
        else:
            row["token_values"] = 0
            _undefined(row, "token_alpha", NO_PAIRS)
        for mode in ("exact", "overlap"):
            value = _mean(c[mode].per_label().get(name) for c in docs.pair_counts.values())
            if value is None:
                _undefined(row, f"{mode}_f1", f"span F1 is undefined: no reviewer pair marked a {name!r} span")
            else:
                row[f"{mode}_f1"] = value
        row["spans"] = docs.label_spans.get(name, 0)
        rows.append(row)  # type: ignore[arg-type]
    return rows


def _pair_rows(docs: _Documents, reviewers: dict[int, str]) -> list[PairRow]:
    rows: list[PairRow] = []
    for (a, b), indexes in sorted(docs.pair_docs.items()):
        row: dict = {
            "reviewers": [reviewers.get(a, str(a)), reviewers.get(b, str(b))],
            "reviewer_ids": [a, b],
            "documents": len(indexes),
        }
        pieces = [docs.matrices[i][[docs.slots[i][a], docs.slots[i][b]]] for i in indexes]
        both = np.concatenate(pieces, axis=1)
        _coefficient(row, "token_alpha", lambda x=both: krippendorff_alpha_matrix(x))
        for mode in ("exact", "overlap"):
            value = docs.pair_counts[(a, b)][mode].micro()
            if value is None:
                _undefined(row, f"{mode}_f1", NO_SPANS)
            else:
                row[f"{mode}_f1"] = value
        rows.append(row)  # type: ignore[arg-type]
    return rows


def _reliability(data: ReportInput) -> ReliabilityPart:
    reliability: dict = {}
    for key, triples, scale in (
        ("source_reliability", data.reliability, "reliability"),
        ("credibility", data.credibility, "credibility"),
    ):
        kept = admiralty_ratings(triples, scale=scale)
        part: dict = {"ratings": len(triples), "cannot_be_judged": len(triples) - len(kept)}
        _coefficient(part, "alpha", lambda t=triples, s=scale: admiralty_alpha(t, scale=s))
        reliability[key] = part
    return reliability  # type: ignore[return-value]


def _claims(data: ReportInput) -> ClaimsPart:
    claims: dict = {"units": len({unit for _, unit, _ in data.stances}), "ratings": len(data.stances)}
    _coefficient(claims, "stance_alpha", lambda: krippendorff_alpha(data.stances, level="nominal"))
    claims["verdict_ratings"] = len(data.verdicts)
    _coefficient(claims, "verdict_alpha", lambda: krippendorff_alpha(data.verdicts, level="nominal"))
    return claims  # type: ignore[return-value]


def _bootstrap(doc_matrices: list[np.ndarray], holder: dict) -> BootstrapInterval | None:
    """Percentile CI of the project's token alpha, resampling tokens (seeded)."""
    chosen = list(range(len(doc_matrices)))
    total = sum(int(np.count_nonzero(~np.isnan(m))) for m in doc_matrices)
    sampled = None
    if total > BOOTSTRAP_MAX_VALUES:
        random.Random(BOOTSTRAP_SEED).shuffle(chosen)
        kept, size = [], 0
        for i in chosen:
            size += doc_matrices[i].size
            if size > BOOTSTRAP_MAX_VALUES and kept:
                break
            kept.append(i)
        chosen = sorted(kept)
        sampled = len(chosen)
    triples = []
    col = 0
    for i in chosen:
        rows, cols = np.nonzero(~np.isnan(doc_matrices[i]))
        values = doc_matrices[i][rows, cols].astype(np.int64)
        triples.extend(zip(rows.tolist(), (cols + col).tolist(), values.tolist(), strict=True))
        col += doc_matrices[i].shape[1]
    try:
        ci = alpha_bootstrap_ci(triples, level="nominal", n_boot=BOOTSTRAP_N, seed=BOOTSTRAP_SEED)
    except UndefinedAgreement as exc:
        holder.setdefault("reasons", {})["token_alpha_ci"] = str(exc)
        return None
    return {
        "low": ci.low,
        "high": ci.high,
        "confidence": ci.confidence,
        "n_boot": ci.n_boot,
        "n_undefined": ci.n_undefined,
        "sampled_documents": sampled,
        "resampled": "tokens",
    }


__all__ = [
    "REPORT_VERSION",
    "AgreementReport",
    "DocumentWork",
    "ReportInput",
    "agreement_report",
    "as_report",
]
