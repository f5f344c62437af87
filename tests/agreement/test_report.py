"""The agreement report (annotations.agreement.report): published values through the whole report,
and the declared shape of its result.

Sources of the published values:
K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
Communication, University of Pennsylvania: section A (binary data, two observers, no missing data:
alpha = 0.095) and section C (four observers, twelve units, missing data: nominal alpha = 0.743,
ordinal alpha = 0.815). The same data are in tests/agreement/test_krippendorff.py.
"""

from __future__ import annotations

import math
import typing

import pytest

from annotations.agreement.report import (
    REPORT_VERSION,
    AgreementReport,
    DocumentRow,
    DocumentWork,
    LabelRow,
    PairRow,
    ReportInput,
    agreement_report,
    as_report,
)

nan = math.nan

# Section A: coders x 10 units, values 0/1.
PAPER_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]
# Section C: coders A-D x units 1-12, values 1-5, nan missing.
PAPER_4x12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]


def triples(matrix, value=lambda v: v, unit=lambda u: u):
    return [(coder, unit(u), value(int(v))) for coder, row in enumerate(matrix) for u, v in enumerate(row) if v == v]


def binary_document() -> DocumentWork:
    """Ten one-letter "words" (tokens at 0, 2, 4…); a reviewer's 1 is an `actor` span over that token."""
    tokens = [(2 * i, 2 * i + 1) for i in range(10)]
    work = DocumentWork(document_id=7, title="paper, section A", tokens=tokens)
    for reviewer, row in zip((11, 12), PAPER_BINARY, strict=True):
        work.spans[reviewer] = [(start, end, "actor") for (start, end), v in zip(tokens, row, strict=True) if v]
    return work


def report_of(**extra) -> AgreementReport:
    data = ReportInput(
        labels=["actor", "place"],
        label_colors={"actor": "#d62728"},
        reviewers={11: "amal", 12: "badr"},
        assignments=2,
        document_count=1,
        documents=[binary_document()],
        **extra,
    )
    return agreement_report(data)


def test_token_alpha_of_the_binary_paper_example_is_the_published_value():
    report = report_of()
    # Every token "actor" or "outside": the token matrix is the paper's binary matrix.
    assert round(report["project"]["token_alpha"], 3) == 0.095
    assert round(report["documents"][0]["token_alpha"], 3) == 0.095
    assert round(report["pairs"][0]["token_alpha"], 3) == 0.095
    actor, place = report["labels"]
    assert round(actor["token_alpha"], 3) == 0.095 and actor["color"] == "#d62728"
    assert place["token_alpha"] is None and "only one category" in place["reasons"]["token_alpha"]


def test_span_f1_is_twice_the_matches_over_all_spans():
    # amal marks 2 one-token spans, badr 4; they share one (token 1): F1 = 2 * 1 / (2 + 4) = 1/3,
    # exact and overlap alike (the tokens do not touch).
    report = report_of()
    for mode in ("exact", "overlap"):
        part = report["project"]["span_f1"][mode]
        assert part["micro"] == pytest.approx(1 / 3) and part["macro"] == pytest.approx(1 / 3)
        assert part["pooled"] == pytest.approx(1 / 3)
        assert report["pairs"][0][f"{mode}_f1"] == pytest.approx(1 / 3)
    assert report["labels"][0]["overlap_f1"] == pytest.approx(1 / 3)
    assert report["documents"][0]["overlap_f1"] == pytest.approx(1 / 3)
    assert report["counts"]["spans"] == 6 and report["labels"][0]["spans"] == 6
    assert report["pairs"][0]["reviewers"] == ["amal", "badr"]


def test_grades_stances_and_verdicts_reach_the_published_values():
    grades = "ABCDE"
    report = report_of(
        # Credibility 1-5 and reliability A-E are ordinal: the paper's ordinal value. A 6 ("cannot be
        # judged") is missing, so it changes nothing but is counted.
        credibility=triples(PAPER_4x12) + [(0, 99, 6)],
        reliability=triples(PAPER_4x12, value=lambda v: grades[v - 1]),
        # Stances and verdicts are nominal: the paper's nominal value.
        stances=triples(PAPER_4x12, value=lambda v: f"stance {v}", unit=lambda u: (7, u)),
        verdicts=triples(PAPER_4x12, value=lambda v: f"verdict {v}"),
    )
    credibility = report["reliability"]["credibility"]
    assert round(credibility["alpha"], 3) == 0.815 and credibility["cannot_be_judged"] == 1
    assert round(report["reliability"]["source_reliability"]["alpha"], 3) == 0.815
    assert round(report["claims"]["stance_alpha"], 3) == 0.743 and report["claims"]["units"] == 12
    assert round(report["claims"]["verdict_alpha"], 3) == 0.743 and report["claims"]["verdict_ratings"] == 41
    assert report["summary"]["credibility_alpha"] == credibility["alpha"]
    assert report["summary"]["stance_alpha"] == report["claims"]["stance_alpha"]


def test_no_paired_document_gives_reasons_not_numbers():
    single = DocumentWork(document_id=1, title="", tokens=[(0, 3)], spans={11: [(0, 3, "actor")]})
    report = agreement_report(
        ReportInput(["actor"], {}, {11: "amal"}, assignments=1, document_count=1, documents=iter([single]))
    )
    assert report["project"]["token_alpha"] is None and report["project"]["token_alpha_ci"] is None
    assert "no document has two submitted reviewers" in report["project"]["reasons"]["token_alpha"]
    assert report["documents"][0]["reasons"]["token_alpha"] == "only one reviewer has submitted this document"
    assert report["pairs"] == [] and report["counts"]["paired_documents"] == 0


def test_progress_is_reported_and_ends_at_one():
    seen = []
    works = [binary_document() for _ in range(60)]
    for n, work in enumerate(works):
        work.document_id = n
    agreement_report(
        ReportInput(["actor"], {}, {}, assignments=120, document_count=60, documents=works), on_progress=seen.append
    )
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


def _declared(typed) -> set[str]:
    return set(typing.get_type_hints(typed))


def test_the_result_has_exactly_the_declared_shape():
    """Every reader (selectors, API, command, dashboard.js) relies on these keys: the TypedDicts declare them."""
    report = report_of(credibility=triples(PAPER_4x12))
    assert report["schema"] == REPORT_VERSION
    assert set(report) == _declared(AgreementReport)
    assert set(report["summary"]) == _declared(typing.get_type_hints(AgreementReport)["summary"])
    assert set(report["counts"]) == _declared(typing.get_type_hints(AgreementReport)["counts"])
    for row, typed in (
        (report["labels"][0], LabelRow),
        (report["pairs"][0], PairRow),
        (report["documents"][0], DocumentRow),
    ):
        assert set(row) <= _declared(typed), set(row) - _declared(typed)
    assert set(report["labels"][1]) <= _declared(LabelRow)
    assert as_report(None) == {} and as_report(report) is report
