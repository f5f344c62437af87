"""Per-document pieces (annotations.agreement.pieces) and the report added up from them: the same numbers
as the coefficients computed directly, document by document, with the package's own functions."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

from annotations.agreement import alpha_bootstrap_ci, krippendorff_alpha, span_f1, token_alpha, token_values
from annotations.agreement import report as report_module
from annotations.agreement.bootstrap import nominal_bootstrap_ci_from_counts
from annotations.agreement.krippendorff import nominal_alpha_from_totals
from annotations.agreement.pieces import (
    PIECE_VERSION,
    LabelTable,
    document_pieces,
    pair_slots,
    piece_from_bytes,
    piece_to_bytes,
)
from annotations.agreement.report import DocumentWork, ReportInput, agreement_report

LABELS = ["actor", "place", "date", "O"]  # a label literally named like "outside" shares its code


def random_work(rnd: random.Random, document_id: int) -> DocumentWork:
    """Tokens with gaps (sometimes out of order), 1-4 reviewers, spans that nest, overlap, repeat, are
    empty or reach past the last token."""
    tokens, position = [], 0
    for _ in range(rnd.choice([0, 1, 4, 12, 40])):
        position += rnd.choice([0, 1, 1, 2])
        length = rnd.choice([1, 2, 3, 5])
        tokens.append((position, position + length))
        position += length
    if len(tokens) > 3 and rnd.random() < 0.1:
        tokens[1], tokens[2] = tokens[2], tokens[1]
    work = DocumentWork(document_id, f"document {document_id}", tokens)
    for reviewer in rnd.sample(range(100, 106), rnd.choice([1, 2, 2, 3, 3, 4])):
        spans = []
        for _ in range(rnd.choice([0, 1, 3, 8, 14])):
            start = rnd.randrange(0, position + 2)
            spans.append((start, start + rnd.choice([0, 1, 2, 3, 6, 9]), rnd.choice(LABELS)))
        if spans and rnd.random() < 0.1:
            spans.append(spans[0])  # the same span twice: a multiset
        work.spans[reviewer] = spans
    return work


def report_of(works: list, **extra) -> dict:
    return agreement_report(
        ReportInput(
            labels=LABELS,
            label_colors={},
            reviewers={r: f"r{r}" for r in range(100, 106)},
            assignments=0,
            document_count=len(works),
            documents=works,
            **extra,
        )
    )


@pytest.mark.parametrize("seed", range(40))
def test_each_piece_holds_the_token_values_and_span_matches_of_its_document(seed):
    rnd = random.Random(seed)
    works = [random_work(rnd, n) for n in range(12)]
    table = LabelTable(LABELS)
    for work, piece in zip(works, document_pieces(works, table, chunk=5), strict=True):
        who = work.reviewers
        assert piece.document_id == work.document_id and piece.reviewers == tuple(who)
        assert piece.tokens == len(work.tokens)
        spans = [span for reviewer in who for span in work.spans[reviewer]]
        assert piece.label_spans.tolist() == [sum(table.code_of[s[2]] == c for s in spans) for c in range(5)]
        if not piece.paired:
            assert piece.codes is None and len(piece.pairs) == 0
            continue
        for row, reviewer in enumerate(who):
            values = token_values(work.tokens, work.spans[reviewer])
            assert piece.codes[row].tolist() == [table.code_of[v] for v in values]
        for index, (i, j) in enumerate(pair_slots(len(who))):
            a, b = work.spans[who[i]], work.spans[who[j]]
            confusion = piece.pairs[index, :25].reshape(5, 5)
            expected = np.zeros((5, 5), dtype=np.int64)
            np.add.at(expected, (piece.codes[i], piece.codes[j]), 1)
            assert np.array_equal(confusion, expected)
            for mode, column in (("exact", 25), ("overlap", 40)):
                matched = piece.pairs[index, column : column + 5]
                if not a and not b:
                    assert not matched.any()
                    continue
                result = span_f1(a, b, match=mode)
                for label, scores in result.per_label.items():
                    code = table.code_of[label]
                    assert matched[code] == scores.matched, (mode, label)
                    assert piece.pairs[index, 30 + code] == scores.n_a and piece.pairs[index, 35 + code] == scores.n_b


@pytest.mark.parametrize("seed", range(25))
def test_the_report_adds_up_to_the_coefficients_computed_directly(seed):
    rnd = random.Random(1000 + seed)
    works = [random_work(rnd, n) for n in range(rnd.choice([3, 10, 25]))]
    report = report_of(works)
    paired = [w for w in works if len(w.spans) >= 2 and w.tokens]
    if not paired:
        assert report["project"]["token_alpha"] is None
        return
    # the project: one nominal alpha over every token of every paired document
    triples = [
        (reviewer, (w.document_id, t), value)
        for w in paired
        for reviewer in w.reviewers
        for t, value in enumerate(token_values(w.tokens, w.spans[reviewer]))
    ]
    same(report["project"]["token_alpha"], _alpha_or_none(triples))
    for row in report["labels"]:
        binary = [(c, u, v == row["label"]) for c, u, v in triples]
        same(row["token_alpha"], _alpha_or_none(binary))
    # each document, and each reviewer pair over the documents they share
    by_document = {row["document"]: row for row in report["documents"]}
    for w in paired:
        same(
            by_document[w.document_id]["token_alpha"], _alpha_or_none(None, lambda w=w: token_alpha(w.tokens, w.spans))
        )
    for row in report["pairs"]:
        a, b = row["reviewer_ids"]
        shared = [w for w in paired if a in w.spans and b in w.spans]
        pair_triples = [t for t in triples if t[0] in (a, b) and any(t[1][0] == w.document_id for w in shared)]
        assert row["documents"] == len(shared)
        same(row["token_alpha"], _alpha_or_none(pair_triples))
        for mode in ("exact", "overlap"):
            results = [span_f1(w.spans[a], w.spans[b], mode) for w in shared if w.spans[a] or w.spans[b]]
            total = sum(r.n_a + r.n_b for r in results)
            expected = 2 * sum(r.matched for r in results) / total if total else None
            same(row[f"{mode}_f1"], expected)


def same(got, expected):
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-12)


def _alpha_or_none(triples, compute=None):
    try:
        return compute() if compute else krippendorff_alpha(triples)
    except ValueError:
        return None


def test_the_bootstrap_of_the_report_is_the_bootstrap_of_the_tokens(monkeypatch):
    """The interval from the pieces' token codes equals alpha_bootstrap_ci on the triples the report
    used to build (reviewer slot, token numbered across the chosen documents, code), sampled or not."""
    rnd = random.Random(7)
    works = [random_work(rnd, n) for n in range(40)]
    for limit in (500_000, 400):  # everything; a seeded sample of documents
        monkeypatch.setattr(report_module, "BOOTSTRAP_MAX_VALUES", limit)
        ci = report_of(works)["project"]["token_alpha_ci"]
        pieces = [p for p in document_pieces(works, LabelTable(LABELS)) if p.paired]
        chosen = list(range(len(pieces)))
        if limit < 500_000:
            random.Random(report_module.BOOTSTRAP_SEED).shuffle(chosen)
            kept, size = [], 0
            for i in chosen:
                size += pieces[i].codes.size
                if size > limit and kept:
                    break
                kept.append(i)
            chosen = sorted(kept)
            assert ci["sampled_documents"] == len(chosen) < len(pieces)
        triples, offset = [], 0
        for i in chosen:
            codes = pieces[i].codes
            triples += [
                (row, offset + t, int(codes[row, t])) for row in range(codes.shape[0]) for t in range(codes.shape[1])
            ]
            offset += codes.shape[1]
        direct = alpha_bootstrap_ci(triples, n_boot=report_module.BOOTSTRAP_N, seed=report_module.BOOTSTRAP_SEED)
        assert (ci["low"], ci["high"], ci["n_undefined"]) == pytest.approx(
            (direct.low, direct.high, direct.n_undefined), abs=1e-12
        )


def test_nominal_bootstrap_from_counts_orders_units_as_the_triples_do():
    # units of 2 values and one of 12: the triples are packed by unit size (a sparse coders x units matrix)
    rnd = random.Random(3)
    counts, triples = [], []
    for unit in range(30_000):
        k = 12 if unit == 5 else 2
        row = [0, 0, 0]
        for coder in range(k):
            value = rnd.choice([0, 0, 1, 2])
            row[value] += 1
            triples.append((coder, unit, value))
        counts.append(row)
    direct = alpha_bootstrap_ci(triples, n_boot=30, seed=4)
    from_counts = nominal_bootstrap_ci_from_counts(np.array(counts), n_boot=30, seed=4, n_coders=12)
    assert from_counts == pytest.approx(direct, abs=1e-12)


def test_nominal_alpha_from_totals_is_krippendorffs_alpha():
    # Krippendorff (2011), section A: two observers, ten units, binary values: alpha = 0.095.
    first, second = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    equal = sum(x == y for x, y in zip(first, second, strict=True))
    ones = sum(first) + sum(second)
    value = nominal_alpha_from_totals(20, 2.0 * (10 - equal), [20 - ones, ones])
    assert round(value, 3) == 0.095
    assert value == pytest.approx(
        krippendorff_alpha([(c, u, v) for c, row in enumerate((first, second)) for u, v in enumerate(row)])
    )


def test_a_report_from_stored_pieces_equals_one_from_the_documents():
    rnd = random.Random(11)
    works = [random_work(rnd, n) for n in range(30)]
    table = LabelTable(LABELS)
    stored = [
        piece_from_bytes(p.document_id, p.title, piece_to_bytes(p), n_codes=table.n_codes)
        for p in document_pieces(works, table)
    ]
    # half from the "cache", half computed now, interleaved
    mixed = [stored[i] if i % 2 else work for i, work in enumerate(works)]
    assert report_of(mixed) == report_of(works) == report_of(stored)


def test_a_stored_piece_of_another_version_or_label_set_is_refused():
    rnd = random.Random(2)
    piece = next(p for p in document_pieces([random_work(rnd, n) for n in range(20)], LABELS) if p.paired)
    data = piece_to_bytes(piece)
    again = piece_from_bytes(piece.document_id, "", data, n_codes=5)
    assert np.array_equal(again.codes, piece.codes) and np.array_equal(again.pairs, piece.pairs)
    assert again.reviewers == piece.reviewers
    with pytest.raises(ValueError):
        piece_from_bytes(piece.document_id, "", data, n_codes=6)  # a label was added
    other = np.frombuffer(data[:8], dtype="<i8") + 1
    with pytest.raises(ValueError):
        piece_from_bytes(piece.document_id, "", other.tobytes() + data[8:], n_codes=5)
    assert int(np.frombuffer(data[:8], dtype="<i8")[0]) == PIECE_VERSION
    with pytest.raises(ValueError):
        piece_from_bytes(piece.document_id, "", data[:-1], n_codes=5)  # damaged


def test_a_span_label_outside_the_label_set_is_an_error():
    work = DocumentWork(1, "", [(0, 2)], {1: [(0, 2, "actor")], 2: [(0, 2, "weapon")]})
    with pytest.raises(ValueError, match="weapon"):
        list(document_pieces([work], ["actor"]))


def test_overlap_clusters_with_several_spans_of_each_reviewer_match_as_span_f1_does():
    # chains of overlapping spans where the greedy sweep, not the one-span shortcut, decides
    rnd = random.Random(5)
    for _ in range(200):
        a = [(s, s + rnd.randint(1, 6), "actor") for s in (rnd.randrange(30) for _ in range(rnd.randint(2, 9)))]
        b = [(s, s + rnd.randint(1, 6), "actor") for s in (rnd.randrange(30) for _ in range(rnd.randint(2, 9)))]
        work = DocumentWork(1, "", [(i, i + 1) for i in range(40)], {1: a, 2: b})
        [piece] = document_pieces([work], ["actor"])
        assert piece.pairs[0, 4 + 3 * 2 + 1] == span_f1(a, b, match="overlap").matched
    assert list(combinations(range(3), 2)) == pair_slots(3)


def test_a_document_of_one_category_gives_the_reason_alpha_gives():
    from annotations.agreement import UndefinedAgreement

    work = DocumentWork(1, "", [(0, 2), (3, 5)], {1: [], 2: []})  # every token outside, for both
    with pytest.raises(UndefinedAgreement) as undefined:
        token_alpha(work.tokens, work.spans)
    [row] = report_of([work])["documents"]
    assert row["token_alpha"] is None and row["reasons"]["token_alpha"] == str(undefined.value)
