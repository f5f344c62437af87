"""Benchmark: annotations.agreement vs the PyPI ``krippendorff`` package.

Run from the repository root::

    .venv/bin/pip install -r bench/requirements.txt   # krippendorff (GPL, bench only)
    .venv/bin/python bench/agreement_bench.py

What is measured (each timing is the best of ``REPEATS`` runs, wall clock and
CPU time of this process, the same way for every implementation):

* Krippendorff's alpha on 5 coders x 1,000,000 units with 10% missing values:
  - nominal: 5 categories;
  - interval: values on a 0.0, 0.1, ..., 1.0 grid (11 distinct values).  The
    grid is needed only for the PyPI package, which builds a
    units x values x values tensor (memory grows with the square of the number
    of distinct values); ours does not depend on it, see the last row.
  For both: the PyPI package ``krippendorff.alpha(reliability_data=...)``,
  our matrix fast path ``krippendorff_alpha_matrix`` on the same array, and
  our triple API ``krippendorff_alpha`` on a prebuilt list of 4.5M
  ``(coder, unit, value)`` tuples (the list is built before timing; turning it
  into arrays is part of the timed call).  Nominal triples carry string
  labels, interval triples floats.
* Ours only: interval alpha with ~4.5M distinct continuous values.
* span_f1 over 10,000 documents x 3 reviewers x 50 spans, all 3 reviewer
  pairs per document (30,000 calls), for match="exact" and "overlap".

Goals: ours/theirs time ratio <= 1.0, |difference| < 1e-9, span_f1 < 2 s.
The script always exits 0 and prints whether each goal was met.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotations.agreement import (  # noqa: E402
    krippendorff_alpha,
    krippendorff_alpha_matrix,
    span_f1,
)

try:
    import krippendorff as pypi_krippendorff
except ImportError:  # pragma: no cover - optional, GPL, bench-only dependency
    pypi_krippendorff = None

REPEATS = 3
N_CODERS, N_UNITS, MISSING = 5, 1_000_000, 0.10
LABELS = ["PER", "ORG", "LOC", "MISC", "EVENT"]


def _pypi_version() -> str:
    from importlib.metadata import version

    return version("krippendorff")


def timed(fn, repeats=REPEATS):
    """(result, best wall seconds, best CPU seconds) over ``repeats`` runs."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeats):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        w1, c1 = time.perf_counter(), time.process_time()
        best_wall, best_cpu = min(best_wall, w1 - w0), min(best_cpu, c1 - c0)
    return result, best_wall, best_cpu


def make_nominal(rng):
    truth = rng.integers(0, 5, N_UNITS)
    noise = rng.integers(0, 5, (N_CODERS, N_UNITS))
    x = np.where(rng.random((N_CODERS, N_UNITS)) < 0.7, truth, noise).astype(np.float64)
    x[rng.random(x.shape) < MISSING] = np.nan
    return x


def make_interval_grid(rng):
    truth = rng.uniform(0.2, 0.8, N_UNITS)
    x = np.clip(np.round(truth + rng.normal(0, 0.1, (N_CODERS, N_UNITS)), 1), 0.0, 1.0)
    x[rng.random(x.shape) < MISSING] = np.nan
    return x


def make_continuous(rng):
    x = rng.normal(size=N_UNITS) + rng.normal(scale=0.5, size=(N_CODERS, N_UNITS))
    x[rng.random(x.shape) < MISSING] = np.nan
    return x


def to_triples(x, labels=None):
    coder, unit = np.nonzero(~np.isnan(x))
    vals = x[coder, unit]
    if labels is not None:
        vals = np.asarray(labels, dtype=object)[vals.astype(np.int64)]
    return list(zip(coder.tolist(), unit.tolist(), vals.tolist(), strict=True))


def make_span_docs(seed=0, n_docs=10_000, n_reviewers=3, n_spans=50):
    rnd = random.Random(seed)
    docs = []
    for _ in range(n_docs):
        base, pos = [], 0
        for _ in range(n_spans):
            pos += rnd.randint(2, 30)
            length = rnd.randint(1, 20)
            base.append((pos, pos + length, rnd.choice(LABELS)))
            pos += length
        reviewers = []
        for _ in range(n_reviewers):
            spans = []
            for s, e, lab in base:
                r = rnd.random()
                if r < 0.05:
                    continue  # missed span
                if r < 0.15:  # boundary disagreement
                    s = max(0, s + rnd.randint(-2, 2))
                    e = max(s + 1, e + rnd.randint(-2, 2))
                elif r < 0.20:
                    lab = rnd.choice(LABELS)
                spans.append((s, e, lab))
            while len(spans) < n_spans:  # extra spans keep 50 per reviewer
                s = rnd.randint(0, pos)
                spans.append((s, s + rnd.randint(1, 10), rnd.choice(LABELS)))
            reviewers.append(spans)
        docs.append(reviewers)
    return docs


def bench_spans(docs, match):
    def run():
        total = 0.0
        for reviewers in docs:
            n = len(reviewers)
            for i in range(n):
                for j in range(i + 1, n):
                    total += span_f1(reviewers[i], reviewers[j], match=match).f1
        return total

    return timed(run)


def main() -> int:
    rng = np.random.default_rng(20240601)
    rows = []  # (case, implementation, alpha, wall, cpu)
    comparisons = []  # (case, ours-matrix wall ratio, ours-triples ratio, max |diff|)

    cases = [
        ("nominal, 5 categories", "nominal", make_nominal(rng), LABELS),
        ("interval, 0.1 grid (11 values)", "interval", make_interval_grid(rng), None),
    ]
    for name, level, x, labels in cases:
        observed = int(np.count_nonzero(~np.isnan(x)))
        theirs = None
        if pypi_krippendorff is not None:
            theirs = timed(
                lambda x=x, level=level: float(pypi_krippendorff.alpha(reliability_data=x, level_of_measurement=level))
            )
            rows.append((name, f"PyPI krippendorff {_pypi_version()}", *theirs))
        mat = timed(lambda x=x, level=level: krippendorff_alpha_matrix(x, level=level))
        rows.append((name, "ours: krippendorff_alpha_matrix", *mat))
        triples = to_triples(x, labels)
        assert len(triples) == observed
        tri = timed(lambda triples=triples, level=level: krippendorff_alpha(triples, level=level))
        rows.append((name, f"ours: krippendorff_alpha ({observed:,} triples)", *tri))
        del triples
        gc.collect()
        if theirs is not None:
            diff = max(abs(mat[0] - theirs[0]), abs(tri[0] - theirs[0]))
            comparisons.append((name, mat[1] / theirs[1], tri[1] / theirs[1], mat[2] / theirs[2], diff))

    x = make_continuous(rng)
    n_distinct = np.unique(x[~np.isnan(x)]).size
    cont = timed(lambda x=x: krippendorff_alpha_matrix(x, level="interval"))
    rows.append((f"interval, {n_distinct:,} distinct floats", "ours: krippendorff_alpha_matrix", *cont))
    del x
    gc.collect()

    print(
        f"Krippendorff's alpha: {N_CODERS} coders x {N_UNITS:,} units, {MISSING:.0%} missing "
        f"(best of {REPEATS} runs; wall and CPU seconds)"
    )
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    print(f"{'data':<{w1}}  {'implementation':<{w2}}  {'alpha':>18}  {'wall s':>8}  {'CPU s':>8}")
    print("-" * (w1 + w2 + 44))
    for case, impl, alpha, wall, cpu in rows:
        print(f"{case:<{w1}}  {impl:<{w2}}  {alpha:>18.15f}  {wall:>8.3f}  {cpu:>8.3f}")
    print()

    if comparisons:
        print("ours vs PyPI krippendorff (goal: ratio <= 1.0, |diff| < 1e-9)")
        print(
            f"{'data':<{w1}}  {'matrix/theirs':>13}  {'triples/theirs':>14}  "
            f"{'matrix/theirs CPU':>17}  {'max |diff|':>10}  goal met"
        )
        print("-" * (w1 + 78))
        for name, r_mat, r_tri, r_cpu, diff in comparisons:
            ok = r_mat <= 1.0 and diff < 1e-9
            print(
                f"{name:<{w1}}  {r_mat:>13.3f}  {r_tri:>14.3f}  {r_cpu:>17.3f}  {diff:>10.1e}  "
                f"{'yes' if ok else 'NO'}{'' if r_tri <= 1.0 else ' (triple API slower than theirs)'}"
            )
        print()
    else:
        print("PyPI 'krippendorff' is not installed: comparison skipped (pip install -r bench/requirements.txt)\n")

    gc.collect()
    t0 = time.perf_counter()
    docs = make_span_docs()
    gen = time.perf_counter() - t0
    n_pairs = sum(len(d) * (len(d) - 1) // 2 for d in docs)
    n_spans = sum(len(s) for d in docs for s in d)
    print(
        f"span_f1: {len(docs):,} documents x 3 reviewers, {n_spans:,} spans, {n_pairs:,} reviewer pairs "
        f"(data generated in {gen:.1f} s, not timed); goal < 2 s"
    )
    print(f"{'match':<8}  {'mean micro F1':>13}  {'wall s':>8}  {'CPU s':>8}  {'us/pair':>8}  goal met")
    print("-" * 62)
    for match in ("exact", "overlap"):
        total, wall, cpu = bench_spans(docs, match)
        print(
            f"{match:<8}  {total / n_pairs:>13.4f}  {wall:>8.3f}  {cpu:>8.3f}  "
            f"{wall / n_pairs * 1e6:>8.1f}  {'yes' if wall < 2.0 else 'NO'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
