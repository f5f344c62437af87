"""Agreement runs: requested (debounced) by submissions and managers, executed by a Celery task.

Request: at most one run is in flight (pending or running) per project, under a lock on the project
row (and a database constraint). A pending run that has not started is reused, so a burst of
submissions sends one message; new work while a run is running sets `rerun_requested`, and exactly
one more run follows when it finishes.

Execute: idempotent (a finished run is left alone; results live on the run's own row), monotonic
progress, a fingerprint of the input so an unchanged project copies the last results instead of
recomputing. An undefined coefficient is stored as null with its reason and never fails the run; any
other error fails it with a readable message (no retry), except the database's OperationalError,
which propagates so the task retries with backoff.

Results (`AgreementRun.results`; every object holding coefficients has a `reasons` map saying why a
null coefficient is undefined):

* `summary`: the headline figures (kept for the trend line over runs);
* `project`: token-level nominal alpha over all documents (+ bootstrap CI), span F1 exact/overlap
  (`micro` and `macro` averaged over reviewer pairs, `pooled` over every comparison);
* `labels`: per label, token alpha of "this label vs anything else" and exact/overlap F1;
* `pairs`: per reviewer pair, overlap and exact F1 over their shared documents and token alpha;
* `documents`: per document, token alpha and overlap F1 among its reviewers (adjudication order);
* `reliability`: ordinal alpha of outlet grades, source reliability A-E and credibility 1-5;
  F and 6 ("cannot be judged") are left out as missing, and counted;
* `claims`: nominal alpha of claim-link stances per (document, claim).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import combinations

import numpy as np
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from annotations.agreement import (
    UndefinedAgreement,
    admiralty_alpha,
    admiralty_ratings,
    alpha_bootstrap_ci,
    krippendorff_alpha,
    krippendorff_alpha_matrix,
    span_f1,
    token_values,
)
from annotations.models import AgreementRun, JobStatus, Project
from annotations.selectors.agreement import (
    AgreementInput,
    DocumentWork,
    agreement_claim_stances,
    agreement_claim_verdicts,
    agreement_documents,
    agreement_input,
    agreement_input_fingerprint,
    agreement_last_done,
    agreement_outlet_grades,
)
from annotations.services.enqueue import enqueue_on_commit
from annotations.services.jobs import IN_FLIGHT, job_in_flight, project_lock

logger = logging.getLogger(__name__)

RESULTS_SCHEMA = 1
OUTSIDE = "O"
# A pending run whose message the broker never took is sent again by the next request after this long.
RESEND_AFTER = dt.timedelta(seconds=60)
# Bootstrap CI of the project's token alpha: seeded, modest, and on at most this many token values
# (above it, on a seeded sample of whole documents: the interval is then a little wider than it should be).
BOOTSTRAP_N = 200
BOOTSTRAP_SEED = 0
BOOTSTRAP_MAX_VALUES = 500_000


def _enqueue(run_id: int) -> None:
    from annotations.tasks import agreement_run_task

    enqueue_on_commit(
        agreement_run_task, run_id, on_sent=lambda: AgreementRun.objects.filter(pk=run_id).update(enqueued=True)
    )


# --- request --------------------------------------------------------------------------------------------
def agreement_run_request(*, project: Project, requested_by=None, reason: str = "manual") -> AgreementRun:
    """A run of `project`'s agreement, debounced: the pending run if there is one (no new message),
    the running one flagged `rerun_requested` if one is running, else a new pending run sent to
    Celery when the surrounding transaction commits.

    Locks the project row until the caller's transaction ends, so concurrent requests (and a run
    starting or finishing) are serialized per project."""
    with transaction.atomic():
        project_lock(project.pk)
        run = job_in_flight(AgreementRun, project.pk, fail=_finish_failed)
        now = timezone.now()
        if run is not None and run.status == JobStatus.PENDING:
            if not run.enqueued and run.created_at < now - RESEND_AFTER:
                _enqueue(run.pk)  # the broker was down when it was created; duplicates are harmless
            return run
        if run is not None:  # running: one more run once this one is done
            if not run.rerun_requested:
                AgreementRun.objects.filter(pk=run.pk).update(rerun_requested=True)
                run.rerun_requested = True
            return run
        try:
            with transaction.atomic():
                run = AgreementRun.objects.create(project=project, requested_by=requested_by, reason=reason[:16])
        except IntegrityError:  # SQLite has no row locks: another writer got there first
            return AgreementRun.objects.filter(project_id=project.pk, status__in=IN_FLIGHT).order_by("-id").first()
        _enqueue(run.pk)
    return run


# --- execute --------------------------------------------------------------------------------------------
def _run_start(run_id: int) -> AgreementRun | None:
    """pending -> running (a `running` run is a redelivery after a lost worker: run it again)."""
    project_id = AgreementRun.objects.filter(pk=run_id).values_list("project_id", flat=True).first()
    if project_id is None:
        logger.warning("agreement run %s does not exist", run_id)
        return None
    with transaction.atomic():
        # The same lock as the request: a submission that found this run pending has committed by now.
        project_lock(project_id)
        run = AgreementRun.objects.select_for_update().get(pk=run_id)
        if run.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if run.status == JobStatus.PENDING:
            run.status = JobStatus.RUNNING
            run.started_at = timezone.now()
            run.save(update_fields=["status", "started_at"])
    return run


def _set_progress(run_id: int, value: float) -> None:
    """Progress only ever grows (a redelivered run does not go back)."""
    value = min(1.0, max(0.0, float(value)))
    AgreementRun.objects.filter(pk=run_id, status=JobStatus.RUNNING, progress__lt=value).update(progress=value)


def _finish_failed(run: AgreementRun, error: str) -> None:
    AgreementRun.objects.filter(pk=run.pk).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now(), rerun_requested=False
    )


def _finish(run_id: int, *, status: str, results=None, fingerprint="", timings=None, error="") -> None:
    """The one write of a run's outcome; then the rerun that was asked for while it ran, if any."""
    with transaction.atomic():
        project_id = AgreementRun.objects.filter(pk=run_id).values_list("project_id", flat=True).get()
        project_lock(project_id)
        run = AgreementRun.objects.select_for_update().select_related("project").get(pk=run_id)
        if run.status != JobStatus.RUNNING:
            return  # a duplicate delivery finished it first (with the same results)
        run.status = status
        run.finished_at = timezone.now()
        run.error = error[:2000]
        if results is not None:
            run.results = results
            run.progress = 1.0
        if fingerprint:
            run.input_fingerprint = fingerprint
        if timings is not None:
            run.timings = timings
        rerun = run.rerun_requested
        run.rerun_requested = False
        run.save()
        if rerun:
            agreement_run_request(project=run.project, requested_by=run.requested_by, reason="rerun")


def agreement_run_fail(*, run_id: int, error: str) -> None:
    """Marks a run that has not finished as failed (the task's last resort after its retries)."""
    AgreementRun.objects.filter(pk=run_id, status__in=IN_FLIGHT).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def agreement_run_execute(*, run_id: int) -> AgreementRun | None:
    """Computes one run (the work of `agreement_run_task`). A finished run is left as it is.

    Raises django.db.OperationalError (transient: the task retries); any other error fails the run."""
    run = _run_start(run_id)
    if run is None:
        return AgreementRun.objects.filter(pk=run_id).first()
    project = Project.objects.get(pk=run.project_id)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        snapshot = agreement_input(project)
        fingerprint = agreement_input_fingerprint(project, snapshot)
        timings["fingerprint"] = round(time.perf_counter() - started, 4)
        _set_progress(run_id, 0.05)
        previous = agreement_last_done(project, exclude_id=run_id)
        if previous is not None and previous.input_fingerprint == fingerprint and previous.results:
            results = dict(previous.results)
            results["unchanged"] = True
            results["copied_from"] = previous.results.get("copied_from") or previous.pk
        else:
            results = agreement_results_compute(
                project=project,
                snapshot=snapshot,
                timings=timings,
                on_progress=lambda fraction: _set_progress(run_id, 0.05 + 0.9 * fraction),
            )
        timings["total"] = round(time.perf_counter() - started, 4)
    except OperationalError:
        raise  # transient: the task retries; the run stays `running` and is taken up again
    except Exception as exc:  # a deterministic error: retrying would fail the same way
        logger.exception("agreement run %s failed", run_id)
        _finish(
            run_id,
            status=JobStatus.FAILED,
            error=f"Agreement could not be computed: {type(exc).__name__}: {exc}",
            timings={**timings, "total": round(time.perf_counter() - started, 4)},
        )
        return AgreementRun.objects.get(pk=run_id)
    _finish(run_id, status=JobStatus.DONE, results=results, fingerprint=fingerprint, timings=timings)
    return AgreementRun.objects.get(pk=run_id)


# --- computation ----------------------------------------------------------------------------------------
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


NO_SPANS = "span F1 is undefined: neither reviewer marked a span in the documents they share"


def _f1_summary(pair_counts: dict, mode: str) -> dict:
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
    return out


def agreement_results_compute(
    *,
    project: Project,
    snapshot: AgreementInput,
    documents: Iterable[DocumentWork] | None = None,
    on_progress: Callable[[float], None] | None = None,
    timings: dict | None = None,
) -> dict:
    """Every coefficient of one run (see the module docstring); `documents` defaults to the selector."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    labels = snapshot.label_names
    code_of = {OUTSIDE: 0}
    for i, name in enumerate(labels, start=1):
        code_of.setdefault(name, i)
    reviewers = snapshot.reviewers
    total_docs = max(1, snapshot.document_count)
    step = max(25, total_docs // 40)

    doc_matrices: list[np.ndarray] = []  # per paired document: (reviewers x tokens) value codes
    doc_slots: list[dict[int, int]] = []  # per paired document: reviewer -> row
    pair_docs: dict[tuple[int, int], list[int]] = defaultdict(list)  # pair -> indexes into doc_matrices
    pair_counts: dict[tuple[int, int], dict[str, _Counts]] = {}
    per_document: list[dict] = []
    label_spans: dict[str, int] = defaultdict(int)
    n_tokens = 0
    seen = 0
    own_stream = documents is None
    if own_stream:
        documents = agreement_documents(project, snapshot)
    try:
        for work in documents:
            seen += 1
            who = work.reviewers
            for spans in work.spans.values():
                for span in spans:
                    label_spans[span[2]] += 1
            entry = {
                "document": work.document_id,
                "title": work.title,
                "reviewers": len(who),
                "tokens": len(work.tokens),
            }
            per_document.append(entry)
            if len(who) < 2:
                _undefined(entry, "token_alpha", "only one reviewer has submitted this document")
                _undefined(entry, "overlap_f1", "only one reviewer has submitted this document")
            elif not work.tokens:
                _undefined(entry, "token_alpha", "Krippendorff's alpha is undefined: the document has no tokens")
                _undefined(entry, "overlap_f1", "span F1 is undefined: the document has no tokens")
            else:
                matrix = np.empty((len(who), len(work.tokens)), dtype=np.float64)
                for row, reviewer in enumerate(who):
                    values = token_values(work.tokens, work.spans[reviewer], OUTSIDE)
                    matrix[row] = [code_of.get(v, 0) for v in values]
                index = len(doc_matrices)
                doc_matrices.append(matrix)
                doc_slots.append({reviewer: row for row, reviewer in enumerate(who)})
                n_tokens += len(work.tokens)
                _coefficient(entry, "token_alpha", lambda m=matrix: krippendorff_alpha_matrix(m))
                overlap = []
                for a, b in combinations(who, 2):
                    pair_docs[(a, b)].append(index)
                    counts = pair_counts.setdefault((a, b), {"exact": _Counts(), "overlap": _Counts()})
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
            if on_progress is not None and seen % step == 0:
                on_progress(min(seen / total_docs, 1.0))
    finally:
        if own_stream:
            documents.close()  # on an error mid-way too: release the server-side cursors now
    timings["documents"] = round(time.perf_counter() - clock, 4)
    clock = time.perf_counter()

    # --- project: token alpha over every paired document ----------------------------------------------
    project_part: dict = {}
    if doc_matrices:
        width = max(m.shape[0] for m in doc_matrices)
        full = np.full((width, sum(m.shape[1] for m in doc_matrices)), np.nan)
        col = 0
        for m in doc_matrices:
            full[: m.shape[0], col : col + m.shape[1]] = m
            col += m.shape[1]
    else:
        full = np.full((2, 0), np.nan)
    no_pairs = "Krippendorff's alpha is undefined: no document has two submitted reviewers"
    if doc_matrices:
        _coefficient(project_part, "token_alpha", lambda: krippendorff_alpha_matrix(full))
    else:
        _undefined(project_part, "token_alpha", no_pairs)
    project_part["span_f1"] = {
        "exact": _f1_summary(pair_counts, "exact"),
        "overlap": _f1_summary(pair_counts, "overlap"),
    }

    # --- per label ------------------------------------------------------------------------------------
    label_rows = []
    observed = ~np.isnan(full)
    for name in labels:
        row: dict = {"label": name, "color": snapshot.label_colors.get(name, "")}
        code = code_of[name]
        if doc_matrices:
            binary = np.where(observed, (full == code).astype(np.float64), np.nan)
            row["token_values"] = int(np.count_nonzero(full == code))
            _coefficient(row, "token_alpha", lambda b=binary: krippendorff_alpha_matrix(b))
        else:
            row["token_values"] = 0
            _undefined(row, "token_alpha", no_pairs)
        for mode in ("exact", "overlap"):
            scores = [c[mode].per_label().get(name) for c in pair_counts.values()]
            value = _mean(scores)
            if value is None:
                _undefined(row, f"{mode}_f1", f"span F1 is undefined: no reviewer pair marked a {name!r} span")
            else:
                row[f"{mode}_f1"] = value
        row["spans"] = label_spans.get(name, 0)
        label_rows.append(row)

    # --- per reviewer pair ----------------------------------------------------------------------------
    pair_rows = []
    for (a, b), indexes in sorted(pair_docs.items()):
        row = {
            "reviewers": [reviewers.get(a, str(a)), reviewers.get(b, str(b))],
            "reviewer_ids": [a, b],
            "documents": len(indexes),
        }
        pieces = [doc_matrices[i][[doc_slots[i][a], doc_slots[i][b]]] for i in indexes]
        both = np.concatenate(pieces, axis=1)
        _coefficient(row, "token_alpha", lambda x=both: krippendorff_alpha_matrix(x))
        for mode in ("exact", "overlap"):
            value = pair_counts[(a, b)][mode].micro()
            if value is None:
                _undefined(row, f"{mode}_f1", NO_SPANS)
            else:
                row[f"{mode}_f1"] = value
        pair_rows.append(row)
    timings["aggregate"] = round(time.perf_counter() - clock, 4)

    # --- bootstrap CI of the project's token alpha ----------------------------------------------------
    clock = time.perf_counter()
    if project_part.get("token_alpha") is not None:
        project_part["token_alpha_ci"] = _bootstrap(doc_matrices, project_part)
    else:
        project_part["token_alpha_ci"] = None
    timings["bootstrap"] = round(time.perf_counter() - clock, 4)

    # --- reliability grades and claim-link stances ----------------------------------------------------
    clock = time.perf_counter()
    reliability_triples, credibility_triples = agreement_outlet_grades(project, snapshot)
    reliability = {}
    for key, triples, scale in (
        ("source_reliability", reliability_triples, "reliability"),
        ("credibility", credibility_triples, "credibility"),
    ):
        kept = admiralty_ratings(triples, scale=scale)
        part = {"ratings": len(triples), "cannot_be_judged": len(triples) - len(kept)}
        _coefficient(part, "alpha", lambda t=triples, s=scale: admiralty_alpha(t, scale=s))
        reliability[key] = part
    stances = agreement_claim_stances(project, snapshot)
    claims: dict = {"units": len({unit for _, unit, _ in stances}), "ratings": len(stances)}
    _coefficient(claims, "stance_alpha", lambda: krippendorff_alpha(stances, level="nominal"))
    verdicts = agreement_claim_verdicts(project)
    claims["verdict_ratings"] = len(verdicts)
    _coefficient(claims, "verdict_alpha", lambda: krippendorff_alpha(verdicts, level="nominal"))
    timings["grades_and_claims"] = round(time.perf_counter() - clock, 4)

    exact, overlap = project_part["span_f1"]["exact"], project_part["span_f1"]["overlap"]
    summary = {
        "token_alpha": project_part.get("token_alpha"),
        "exact_f1": exact.get("micro"),
        "overlap_f1": overlap.get("micro"),
        "exact_macro_f1": exact.get("macro"),
        "overlap_macro_f1": overlap.get("macro"),
        "reliability_alpha": reliability["source_reliability"].get("alpha"),
        "credibility_alpha": reliability["credibility"].get("alpha"),
        "stance_alpha": claims.get("stance_alpha"),
        "documents": len(per_document),
        "paired_documents": len(doc_matrices),
        "assignments": len(snapshot.assignments),
    }
    if on_progress is not None:
        on_progress(1.0)
    return {
        "schema": RESULTS_SCHEMA,
        "unchanged": False,
        "copied_from": None,
        "counts": {
            "documents": len(per_document),
            "paired_documents": len(doc_matrices),
            "assignments": len(snapshot.assignments),
            "reviewers": len(snapshot.reviewers),
            "spans": sum(label_spans.values()),
            "tokens": n_tokens,
        },
        "summary": summary,
        "project": project_part,
        "labels": label_rows,
        "pairs": pair_rows,
        "documents": per_document,
        "reliability": reliability,
        "claims": claims,
    }


def _bootstrap(doc_matrices: list[np.ndarray], holder: dict) -> dict | None:
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
    "agreement_run_request",
    "agreement_run_execute",
    "agreement_run_fail",
    "agreement_results_compute",
]
