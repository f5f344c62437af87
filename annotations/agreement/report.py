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

Every coefficient but the bootstrap interval is a function of sums over documents, so the report is
computed from per-document pieces (`pieces.DocumentPiece`: value counts, pair confusion matrices, span
match counts), added up with numpy; a piece computed in an earlier run can be passed in place of the
document's work. The bootstrap resamples tokens, so it reads the pieces' token codes instead.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from ._ratings import UndefinedAgreement
from .admiralty import admiralty_alpha, admiralty_ratings
from .bootstrap import nominal_bootstrap_ci_from_counts
from .krippendorff import krippendorff_alpha, nominal_alpha_from_totals
from .pieces import DocumentPiece, LabelTable, document_pieces, pair_slots

# The report's version, stored under the key "schema" (the name older runs already carry).
REPORT_VERSION = 1
# Bootstrap CI of the project's token alpha: seeded, modest, and on at most this many token values
# (above it, on a seeded sample of whole documents: the interval is then a little wider than it should be).
BOOTSTRAP_N = 200
BOOTSTRAP_SEED = 0
BOOTSTRAP_MAX_VALUES = 500_000

NO_SPANS = "span F1 is undefined: neither reviewer marked a span in the documents they share"
NO_PAIRS = "Krippendorff's alpha is undefined: no document has two submitted reviewers"
ONE_CATEGORY = "Krippendorff's alpha is undefined: only one category was used, so expected disagreement is 0"

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
    documents: Iterable[DocumentWork | DocumentPiece]  # a piece: computed earlier (e.g. cached)
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


def _f1(matched: np.ndarray, spans: np.ndarray) -> list[float | None]:
    """2 * matched / spans, None where there is no span."""
    return [2.0 * m / n if n else None for m, n in zip(matched.tolist(), spans.tolist(), strict=True)]


# --- the sums over documents ------------------------------------------------------------------------------
class _Totals:
    """Every document's piece added up: the document rows, and per reviewer pair and over the project
    the statistics the coefficients are computed from (see annotations.agreement.pieces).

    Nominal alpha over units that each hold the k values of one document's token (k its reviewers) is
    `nominal_alpha_from_totals(n, do, counts)` with n = k T, counts the values of each code and
    do = k T - 2 E / (k - 1), E the pairs of equal values: the sum of the diagonals of the document's
    pair confusion matrices. A label's "this label or not" alpha takes E from the same matrices."""

    def __init__(self, pieces: list[DocumentPiece], table: LabelTable):
        n_codes = table.n_codes
        self.table = table
        self.rows: list[DocumentRow] = []
        self.label_spans = np.zeros(n_codes, dtype=np.int64)
        self.paired: list[DocumentPiece] = []
        for piece in pieces:
            if piece.n_codes != n_codes:
                raise ValueError(f"document {piece.document_id}: a piece of {piece.n_codes} codes, not {n_codes}")
            self.label_spans += piece.label_spans
            if piece.paired:
                self.paired.append(piece)
        width = n_codes * n_codes
        self.k = np.array([len(p.reviewers) for p in self.paired], dtype=np.int64)
        self.t = np.array([p.tokens for p in self.paired], dtype=np.int64)
        self.tokens = int(self.t.sum())
        self.values = (
            np.sum([p.values for p in self.paired], axis=0) if self.paired else np.zeros(n_codes, dtype=np.int64)
        )
        counts = [len(p.pairs) for p in self.paired]
        rows = np.concatenate([p.pairs for p in self.paired]) if self.paired else np.zeros((0, width + 4 * n_codes))
        rows = rows.astype(np.int64)
        row_doc = np.repeat(np.arange(len(self.paired)), counts)
        confusion = rows[:, :width].reshape(-1, n_codes, n_codes)
        diagonal = np.diagonal(confusion, axis1=1, axis2=2)
        self.exact_m = rows[:, width : width + n_codes]
        self.n_a = rows[:, width + n_codes : width + 2 * n_codes]
        self.n_b = rows[:, width + 2 * n_codes : width + 3 * n_codes]
        self.overlap_m = rows[:, width + 3 * n_codes :]
        row_t = self.t[row_doc]
        row_k = self.k[row_doc]

        # per document: equal pairs, and the overlap F1 of each pair with spans, averaged
        equal = np.bincount(row_doc, weights=diagonal.sum(axis=1), minlength=len(self.paired))
        spans = (self.n_a + self.n_b).sum(axis=1)
        f1 = np.where(spans > 0, 2.0 * self.overlap_m.sum(axis=1) / np.maximum(spans, 1), 0.0)
        self.doc_f1_sum = np.bincount(row_doc, weights=f1, minlength=len(self.paired))
        self.doc_f1_n = np.bincount(row_doc, weights=spans > 0, minlength=len(self.paired)).astype(np.int64)
        self.doc_equal = equal.astype(np.int64)

        # over the project: n, and do for every code's "this label or not" (equal pairs of the binary
        # values: both the code, or both not) and for all codes at once, summed per number of reviewers
        margins = confusion.sum(axis=2) + confusion.sum(axis=1)
        binary_equal = row_t[:, None] - margins + 2 * diagonal
        self.n = int((self.k * self.t).sum())
        self.do = 0.0
        self.binary_do = np.zeros(n_codes)
        for k in np.unique(self.k).tolist():
            docs, mine = self.k == k, row_k == k
            values = int((self.t[docs] * k).sum())
            self.do += values - 2.0 * int(diagonal[mine].sum()) / (k - 1)
            self.binary_do += values - 2.0 * binary_equal[mine].sum(axis=0) / (k - 1)

        # per reviewer pair
        if len(rows):
            ids = [np.asarray(p.reviewers, dtype=np.int64) for p in self.paired]
            firsts, seconds = [], []
            for p, who in zip(self.paired, ids, strict=True):
                first, second = _slot_pairs(len(p.reviewers))
                firsts.append(who[first])
                seconds.append(who[second])
            keys = np.stack([np.concatenate(firsts), np.concatenate(seconds)], axis=1)
            self.pairs, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.ravel()
        else:
            self.pairs, inverse = np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
        n_pairs = len(self.pairs)
        self.pair_docs = np.bincount(inverse, minlength=n_pairs)
        self.pair_t = np.bincount(inverse, weights=row_t, minlength=n_pairs).astype(np.int64)
        self.pair_equal = np.bincount(inverse, weights=diagonal.sum(axis=1), minlength=n_pairs).astype(np.int64)
        self.pair_margins = _sum_rows(margins, inverse, n_pairs)
        self.pair_exact = _sum_rows(self.exact_m, inverse, n_pairs)
        self.pair_overlap = _sum_rows(self.overlap_m, inverse, n_pairs)
        self.pair_spans = _sum_rows(self.n_a + self.n_b, inverse, n_pairs)

    def pair_label_f1(self, mode: str) -> list[list[float | None]]:
        """Per pair, per code: the pair's span F1 on that label (None: neither marked one)."""
        matched = self.pair_exact if mode == "exact" else self.pair_overlap
        return [_f1(m, n) for m, n in zip(matched, self.pair_spans, strict=True)]

    def pair_micro(self, mode: str) -> list[float | None]:
        matched = self.pair_exact if mode == "exact" else self.pair_overlap
        return _f1(matched.sum(axis=1), self.pair_spans.sum(axis=1))


_SLOT_PAIRS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _slot_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    if k not in _SLOT_PAIRS:
        pairs = pair_slots(k)
        _SLOT_PAIRS[k] = (np.array([a for a, _ in pairs], dtype=np.int64), np.array([b for _, b in pairs]))
    return _SLOT_PAIRS[k]


def _sum_rows(rows: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups, rows.shape[1]), dtype=np.int64)
    np.add.at(out, groups, rows)
    return out


def _document_alphas(totals: _Totals) -> list[float | None]:
    """Each paired document's token alpha: `nominal_alpha_from_totals` for all of them at once (the same
    arithmetic, element by element); None where only one category was used."""
    if not totals.paired:
        return []
    n = (totals.k * totals.t).astype(np.float64)
    do = n - 2.0 * totals.doc_equal / (totals.k - 1)
    values = np.array([p.values for p in totals.paired])
    de = n * n - (values.astype(np.float64) * values).sum(axis=1)
    defined = np.count_nonzero(values, axis=1) >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1) * do / de
    return [float(a) if ok else None for a, ok in zip(alpha.tolist(), defined.tolist(), strict=True)]


def _document_rows(pieces: list[DocumentPiece], totals: _Totals) -> list[DocumentRow]:
    rows: list[DocumentRow] = []
    alphas = _document_alphas(totals)
    index = 0
    for piece in pieces:
        entry: dict = {
            "document": piece.document_id,
            "title": piece.title,
            "reviewers": len(piece.reviewers),
            "tokens": piece.tokens,
        }
        rows.append(entry)  # type: ignore[arg-type]
        if len(piece.reviewers) < 2:
            _undefined(entry, "token_alpha", "only one reviewer has submitted this document")
            _undefined(entry, "overlap_f1", "only one reviewer has submitted this document")
            continue
        if not piece.tokens:
            _undefined(entry, "token_alpha", "Krippendorff's alpha is undefined: the document has no tokens")
            _undefined(entry, "overlap_f1", "span F1 is undefined: the document has no tokens")
            continue
        alpha = alphas[index]
        if alpha is None:
            _undefined(entry, "token_alpha", ONE_CATEGORY)
        elif not np.isfinite(alpha):
            _undefined(entry, "token_alpha", f"token_alpha is undefined: the computation gave {alpha}")
        else:
            entry["token_alpha"] = alpha
        if totals.doc_f1_n[index]:
            entry["overlap_f1"] = float(totals.doc_f1_sum[index]) / int(totals.doc_f1_n[index])
        else:
            _undefined(entry, "overlap_f1", "span F1 is undefined: no reviewer marked a span in this document")
        index += 1
    return rows


def _f1_summary(totals: _Totals, mode: str) -> F1Summary:
    """micro/macro averaged over reviewer pairs, and pooled over every comparison."""
    micro = totals.pair_micro(mode)
    macro = [_mean(labels) for labels in totals.pair_label_f1(mode)]
    matched = (totals.pair_exact if mode == "exact" else totals.pair_overlap).sum()
    spans = totals.pair_spans.sum()
    pooled = 2.0 * int(matched) / int(spans) if spans else None
    out: dict = {}
    for key, value in (("micro", _mean(micro)), ("macro", _mean(macro)), ("pooled", pooled)):
        if value is None:
            _undefined(
                out,
                key,
                NO_SPANS if len(totals.pairs) else "span F1 is undefined: no document has two submitted reviewers",
            )
        else:
            out[key] = value
    return out  # type: ignore[return-value]


# --- the report ----------------------------------------------------------------------------------------
def agreement_report(
    data: ReportInput,
    *,
    on_progress: Callable[[float], None] | None = None,
    timings: dict | None = None,
) -> AgreementReport:
    """Every coefficient of one run (see the module docstring). `on_progress(fraction)` is called as the
    documents go by; `timings` receives the seconds of each phase.

    `data.documents` may hold pieces computed earlier (`DocumentPiece`, e.g. read from the cache) beside
    `DocumentWork` to compute now; the report is the same either way."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    table = LabelTable(data.labels)
    pieces: list[DocumentPiece] = []
    total_docs = max(1, data.document_count)
    step = max(25, total_docs // 40)
    for seen, piece in enumerate(document_pieces(data.documents, table), start=1):
        pieces.append(piece)
        if on_progress is not None and seen % step == 0:
            on_progress(min(seen / total_docs, 1.0))
    timings["documents"] = round(time.perf_counter() - clock, 4)

    clock = time.perf_counter()
    totals = _Totals(pieces, table)
    document_rows = _document_rows(pieces, totals)
    project_part = _project_part(totals)
    label_rows = _label_rows(totals, data)
    pair_rows = _pair_rows(totals, data.reviewers)
    timings["aggregate"] = round(time.perf_counter() - clock, 4)

    clock = time.perf_counter()
    if project_part.get("token_alpha") is not None:
        project_part["token_alpha_ci"] = _bootstrap(totals.paired, project_part)
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
        "documents": len(document_rows),
        "paired_documents": len(totals.paired),
        "assignments": data.assignments,
    }
    if on_progress is not None:
        on_progress(1.0)
    return {
        "schema": REPORT_VERSION,
        "unchanged": False,
        "copied_from": None,
        "counts": {
            "documents": len(document_rows),
            "paired_documents": len(totals.paired),
            "assignments": data.assignments,
            "reviewers": len(data.reviewers),
            "spans": int(totals.label_spans.sum()),
            "tokens": totals.tokens,
        },
        "summary": summary,
        "project": project_part,
        "labels": label_rows,
        "pairs": pair_rows,
        "documents": document_rows,
        "reliability": reliability,
        "claims": claims,
    }


def _project_part(totals: _Totals) -> ProjectPart:
    """Token alpha over every paired document, and span F1 summaries."""
    part: dict = {}
    if totals.paired:
        _coefficient(part, "token_alpha", lambda: nominal_alpha_from_totals(totals.n, totals.do, totals.values))
    else:
        _undefined(part, "token_alpha", NO_PAIRS)
    part["span_f1"] = {"exact": _f1_summary(totals, "exact"), "overlap": _f1_summary(totals, "overlap")}
    return part  # type: ignore[return-value]


def _label_rows(totals: _Totals, data: ReportInput) -> list[LabelRow]:
    rows: list[LabelRow] = []
    per_pair = {mode: totals.pair_label_f1(mode) for mode in ("exact", "overlap")}
    n = totals.n
    for name in data.labels:
        row: dict = {"label": name, "color": data.label_colors.get(name, "")}
        code = totals.table.code_of[name]
        if totals.paired:
            hits = int(totals.values[code])
            row["token_values"] = hits
            _coefficient(
                row,
                "token_alpha",
                lambda h=hits, do=float(totals.binary_do[code]): nominal_alpha_from_totals(n, do, [n - h, h]),
            )
        else:
            row["token_values"] = 0
            _undefined(row, "token_alpha", NO_PAIRS)
        for mode in ("exact", "overlap"):
            value = _mean(labels[code] for labels in per_pair[mode])
            if value is None:
                _undefined(row, f"{mode}_f1", f"span F1 is undefined: no reviewer pair marked a {name!r} span")
            else:
                row[f"{mode}_f1"] = value
        row["spans"] = int(totals.label_spans[code])
        rows.append(row)  # type: ignore[arg-type]
    return rows


def _pair_rows(totals: _Totals, reviewers: dict[int, str]) -> list[PairRow]:
    rows: list[PairRow] = []
    micro = {mode: totals.pair_micro(mode) for mode in ("exact", "overlap")}
    for index, (a, b) in enumerate(totals.pairs.tolist()):
        row: dict = {
            "reviewers": [reviewers.get(a, str(a)), reviewers.get(b, str(b))],
            "reviewer_ids": [a, b],
            "documents": int(totals.pair_docs[index]),
        }
        # the two reviewers' values of each shared token: units of two values
        t, equal = int(totals.pair_t[index]), int(totals.pair_equal[index])
        margins = totals.pair_margins[index]
        _coefficient(
            row, "token_alpha", lambda t=t, e=equal, c=margins: nominal_alpha_from_totals(2 * t, 2.0 * (t - e), c)
        )
        for mode in ("exact", "overlap"):
            value = micro[mode][index]
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


def _bootstrap(paired: list[DocumentPiece], holder: dict) -> BootstrapInterval | None:
    """Percentile CI of the project's token alpha, resampling tokens (seeded).

    Resampling needs every unit, not sums, so this is the one statistic not added up from the pieces'
    sums: it reads their token codes (`DocumentPiece.codes`, cached with the piece), numbered as the
    triples (reviewer slot, token, code) of the chosen documents, one after the other, would be."""
    chosen = list(range(len(paired)))
    sizes = [len(p.reviewers) * p.tokens for p in paired]
    sampled = None
    if sum(sizes) > BOOTSTRAP_MAX_VALUES:
        random.Random(BOOTSTRAP_SEED).shuffle(chosen)
        kept, size = [], 0
        for i in chosen:
            size += sizes[i]
            if size > BOOTSTRAP_MAX_VALUES and kept:
                break
            kept.append(i)
        chosen = sorted(kept)
        sampled = len(chosen)
    n_codes = paired[0].n_codes
    units, codes, n_units = [], [], 0
    for i in chosen:
        piece = paired[i]
        if piece.codes is None:
            raise ValueError(f"document {piece.document_id}: a piece without its token codes")
        units.append(np.tile(np.arange(n_units, n_units + piece.tokens), len(piece.reviewers)))
        codes.append(piece.codes.ravel())
        n_units += piece.tokens
    unit_counts = np.bincount(
        np.concatenate(units) * n_codes + np.concatenate(codes), minlength=n_units * n_codes
    ).reshape(n_units, n_codes)
    try:
        ci = nominal_bootstrap_ci_from_counts(
            unit_counts,
            n_boot=BOOTSTRAP_N,
            seed=BOOTSTRAP_SEED,
            n_coders=max(len(paired[i].reviewers) for i in chosen),
        )
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
