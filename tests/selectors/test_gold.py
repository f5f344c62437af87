"""gold_records: final adjudications only (as of the snapshot), exact records, stable order, chunked
reads with a bounded number of queries, majority vote, agreement figures.

Data is built through the real services (assignment_open, span_create, assignment_submit, gold_span_create,
gold_claim_link_create, gold_reliability_set, adjudication_finalize); the builders here are also used by
the service, API, command and browser tests.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from unittest import mock

import pytest
from django.utils import timezone

from annotations.models import AgreementRun, Claim, JobStatus, Role
from annotations.models import GoldSpan as GoldSpanRow
from annotations.selectors.gold import gold_agreement, gold_context, gold_count, gold_records
from annotations.services.adjudication import (
    adjudication_finalize,
    gold_claim_link_create,
    gold_reliability_set,
    gold_span_create,
)
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.claims import claim_link_create, claim_set_verdict, reliability_set
from annotations.services.spans import span_create
from annotations.tasks import agreement_run_task
from tests.factories import DocumentFactory, MembershipFactory, SourceFactory, UserFactory

# Arabic with tashkeel, an emoji and a bidi mark (U+200F) inside a span; offsets are code points.
TEXT_A = unicodedata.normalize("NFC", "قَالَ الجَيْشُ إنّ ٣٠ جندياً قُتلوا 😢 في هجوم على \u200fالرقة.")
TEXT_B = "أعلن المرصد مقتل -٣٠ قتيلاً في دير الزور"
TEXT_C = "شن تنظيم داعش هجوماً على البادية"


def at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def reviewers_of(project, names):
    users = []
    for name in names:
        user = UserFactory(username=name)
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
        users.append(user)
    return users


def submit(document, reviewer, spans, *, links=(), grade=None):
    """A reviewer's submitted work: spans [(start, end, label)], links [(span index, claim, stance)],
    an outlet grade (letter, digit)."""
    with mock.patch.object(agreement_run_task, "apply_async"):
        assignment = assignment_open(document=document, reviewer=reviewer)
        made = [span_create(assignment=assignment, start=s, end=e, label=label) for s, e, label in spans]
        for index, claim, stance in links:
            claim_link_create(span=made[index], claim_id=claim.pk, stance=stance)
        if grade is not None:
            reliability_set(assignment=assignment, source_reliability=grade[0], credibility=grade[1])
        assignment_submit(assignment=assignment)
    return assignment


def finalize(document, adjudicator, spans, *, links=(), grade=None, final=True):
    """Gold for a document every reviewer submitted: spans, links [(span index, claim, stance)], the
    outlet grade (letter, digit, note)."""
    document.refresh_from_db()
    made = [
        gold_span_create(document=document, adjudicator=adjudicator, start=s, end=e, label=label)
        for s, e, label in spans
    ]
    for index, claim, stance in links:
        gold_claim_link_create(gold_span=made[index], adjudicator=adjudicator, claim_id=claim.pk, stance=stance)
    if grade is not None:
        gold_reliability_set(
            document=document,
            adjudicator=adjudicator,
            source_reliability=grade[0],
            credibility=grade[1],
            note=grade[2] if len(grade) > 2 else "",
        )
    if final:
        return adjudication_finalize(document=document, adjudicator=adjudicator)
    return None


def reviewed(document, users, spans=()):
    for user in users:
        submit(document, user, spans)
    document.refresh_from_db()
    return document


@pytest.fixture
def gold(project, reviewer1, reviewer2, adjudicator, manager):
    """Three documents both reviewers submitted: A and B finalized (in that order of ids), C adjudicated
    but not final, D not reviewed. Claims with and without a verdict."""
    source = SourceFactory(name="المرصد السوري", domain="syriahr.com")
    a = DocumentFactory(
        project=project,
        text=TEXT_A,
        title="مقتل جنود",
        source=source,
        url="https://example.org/a",
        external_id="a-1",
        published_at=dt.datetime(2023, 11, 8, 10, tzinfo=dt.UTC),
    )
    b = DocumentFactory(project=project, text=TEXT_B, title="-عنوان", external_id="../../../../etc/passwd")
    c = DocumentFactory(project=project, text=TEXT_C)
    d = DocumentFactory(project=project, text="خبر لم يراجعه أحد")
    refuted = Claim.objects.create(
        project=project,
        text="قُتل 30 جندياً في الرقة",
        event_date=dt.date(2023, 11, 8),
        place="الرقة",
        casualty_figure=30,
    )
    refuted = claim_set_verdict(
        claim=refuted, verdict="refuted", rationale="مصادر متضاربة", changed_by=manager, version=1
    )
    open_claim = Claim.objects.create(project=project, text="هجوم على الرقة")
    for doc in (a, b, c):
        reviewed(doc, [reviewer1, reviewer2], [(*at(doc.text, doc.text.split()[1]), "actor")])
    spans_a = [
        (*at(TEXT_A, "الجَيْشُ"), "actor"),
        (*at(TEXT_A, "٣٠ جندياً"), "casualty_figure"),
        (*at(TEXT_A, "هجوم على \u200fالرقة"), "actor"),
        (*at(TEXT_A, "\u200fالرقة"), "place"),
        (*at(TEXT_A, "😢"), "place"),
    ]
    finalize(
        a,
        adjudicator,
        spans_a,
        links=[(1, refuted, "refutes"), (2, open_claim, "mentions")],
        grade=("B", 2, "وكالة معروفة"),
    )
    finalize(
        b,
        adjudicator,
        [(*at(TEXT_B, "-٣٠ قتيلاً"), "casualty_figure"), (*at(TEXT_B, "دير الزور"), "place")],
        grade=("C", 3),
    )
    finalize(c, adjudicator, [(*at(TEXT_C, "داعش"), "actor")], final=False)
    return {"a": a, "b": b, "c": c, "d": d, "refuted": refuted, "open": open_claim, "spans_a": spans_a}


def test_only_final_gold_in_document_order_with_exact_records(project, gold):
    records = list(gold_records(project))
    assert [r.id for r in records] == [gold["a"].pk, gold["b"].pk]
    a, b = records
    assert a.text == TEXT_A and a.sha256 == gold["a"].sha256 and a.title == "مقتل جنود"
    assert a.source == "المرصد السوري" and a.source_domain == "syriahr.com" and a.url == "https://example.org/a"
    assert a.published_at == "2023-11-08T10:00:00+00:00" and a.external_id == "a-1"
    assert a.resolution == "adjudicated" and a.adjudicator == "adjudicator"
    assert [(s.start, s.end, s.label) for s in a.spans] == sorted(
        gold["spans_a"], key=lambda s: (s[0], s[1], ["actor", "place", "casualty_figure"].index(s[2]))
    )
    for span in a.spans:
        assert TEXT_A[span.start : span.end] == span.text and span.decided_by == "adjudicator"
    assert {s.decision for s in a.spans} <= {"accepted", "edited", "added"}
    links = {(a.spans[link.span].text, link.claim.text, link.stance) for link in a.claim_links}
    assert links == {
        ("٣٠ جندياً", "قُتل 30 جندياً في الرقة", "refutes"),
        ("هجوم على \u200fالرقة", "هجوم على الرقة", "mentions"),
    }
    refuted = next(link.claim for link in a.claim_links if link.stance == "refutes")
    assert refuted.verdict == "refuted" and refuted.rationale == "مصادر متضاربة" and refuted.event_date == "2023-11-08"
    assert refuted.casualty_figure == 30 and refuted.verdict_date == timezone.now().date().isoformat()
    (grade,) = a.reliability
    assert (grade.source_reliability, grade.credibility, grade.note, grade.span) == ("B", 2, "وكالة معروفة", None)
    assert b.external_id == "../../../../etc/passwd" and b.spans[0].text == "-٣٠ قتيلاً"
    assert a.agreement is None  # no finished agreement run


def test_span_texts_holding_the_separator_read_the_same(project, gold, reviewer1, reviewer2, adjudicator):
    """On PostgreSQL a document's span texts cross as one string split on U+001F; a text holding that
    character is read as an array instead: the same spans either way, in export order."""
    text = "قال\x1f الجيش إن الهجوم وقع في البادية"
    odd = reviewed(DocumentFactory(project=project, text=text), [reviewer1, reviewer2])
    finalize(odd, adjudicator, [(*at(text, "وقع"), "place"), (0, 4, "actor"), (*at(text, "الجيش"), "actor")])
    record = next(r for r in gold_records(project) if r.id == odd.pk)
    assert [(s.start, s.end, s.label, s.text) for s in record.spans] == [
        (0, 4, "actor", "قال\x1f"),
        (*at(text, "الجيش"), "actor", "الجيش"),
        (*at(text, "وقع"), "place", "وقع"),
    ]
    assert {s.decided_by for s in record.spans} == {"adjudicator"}


def test_gold_decided_after_the_snapshot_is_left_out(project, gold, adjudicator):
    snapshot = timezone.now()
    finalize(gold["c"], adjudicator, [])
    assert [r.id for r in gold_records(project, snapshot_at=snapshot)] == [gold["a"].pk, gold["b"].pk]
    assert [r.id for r in gold_records(project)] == [gold["a"].pk, gold["b"].pk, gold["c"].pk]
    assert gold_count(project, snapshot_at=snapshot) == 2


def test_chunks_keep_the_order_and_a_bounded_number_of_queries(
    project, gold, reviewer1, reviewer2, adjudicator, django_assert_max_num_queries
):
    for n in range(5):
        doc = reviewed(DocumentFactory(project=project, text=f"خبر رقم {n} عن البادية"), [reviewer1, reviewer2])
        finalize(doc, adjudicator, [(0, 3, "actor")])
    expected = [r.id for r in gold_records(project)]
    assert len(expected) == 7 and expected == sorted(expected)
    chunks = []
    assert [r.id for r in gold_records(project, chunk_size=2, on_chunk=chunks.append)] == expected
    assert chunks == [2, 2, 2, 1]
    # per chunk: documents, gold spans, links, grades, reviewers' notes; plus labels, users and claims once
    with django_assert_max_num_queries(5 * 4 + 5):
        list(gold_records(project, chunk_size=2))


def test_links_are_found_whether_a_chunks_spans_were_written_together_or_apart(
    project, gold, reviewer1, reviewer2, adjudicator
):
    """Links are read by the window of the chunk's span ids when the spans were written together, else by
    joining the chunk's spans: both give every link, and only the chunk's."""
    text = "قال الجيش إن الهجوم وقع في البادية"
    early = reviewed(DocumentFactory(project=project, text=text), [reviewer1, reviewer2])
    between = reviewed(DocumentFactory(project=project, text=text + " أمس"), [reviewer1, reviewer2])
    first = gold_span_create(document=early, adjudicator=adjudicator, start=4, end=9, label="actor")
    gold_claim_link_create(gold_span=first, adjudicator=adjudicator, claim_id=gold["refuted"].pk, stance="refutes")
    finalize(between, adjudicator, [(0, 3, "actor"), *[(s, s + 2, "place") for s in range(10, 30, 3)]])
    finalize(early, adjudicator, [(*at(text, "البادية"), "place")], links=[(0, gold["open"], "mentions")])
    spans = GoldSpanRow.objects.filter(adjudication__document=early).order_by("id")
    assert spans.last().pk - spans.first().pk >= 4 * spans.count()  # apart: one chunk per document joins
    expected = {
        early.pk: [("الجيش", "refutes"), ("البادية", "mentions")],
        between.pk: [],
        gold["a"].pk: [("٣٠ جندياً", "refutes"), ("هجوم على \u200fالرقة", "mentions")],
        gold["b"].pk: [],
    }
    for chunk_size in (1, 1000):
        records = {r.id: r for r in gold_records(project, chunk_size=chunk_size)}
        found = {pk: [(r.spans[link.span].text, link.stance) for link in r.claim_links] for pk, r in records.items()}
        assert found == expected, chunk_size


def test_agreement_figures_come_from_the_latest_finished_run(project, gold):
    assert gold_agreement(project) == (None, {})
    AgreementRun.objects.create(
        project=project,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        results={
            "summary": {"token_alpha": 0.7, "overlap_f1": 0.8},
            "documents": [
                {
                    "document": gold["a"].pk,
                    "token_alpha": 0.25,
                    "overlap_f1": None,
                    "reviewers": 2,
                    "reasons": {"overlap_f1": "…"},
                }
            ],
        },
    )
    summary, per_document = gold_agreement(project)
    assert summary["summary"] == {"token_alpha": 0.7, "overlap_f1": 0.8}
    a, b = gold_records(project, agreement=per_document)
    assert a.agreement == {"token_alpha": 0.25, "overlap_f1": None, "reviewers": 2}
    assert b.agreement is None


def test_agreement_keys_match_what_the_agreement_job_stores(project, gold):
    """The real job, not a hand-made row: the export reads the keys the agreement run writes."""
    from annotations.services.agreement_runs import agreement_run_execute, agreement_run_request

    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project)
    agreement_run_execute(run_id=run.pk)
    summary, per_document = gold_agreement(project)
    assert summary["run"] == run.pk and "token_alpha" in summary["summary"]
    assert set(per_document) >= {gold["a"].pk, gold["b"].pk}
    assert set(per_document[gold["a"].pk]) == {"token_alpha", "overlap_f1", "reviewers"}
    assert per_document[gold["a"].pk]["reviewers"] == 2


def test_context_lists_the_label_set_in_project_order(project):
    context = gold_context(project, include_majority=True)
    assert context.label_names == ["actor", "place", "casualty_figure"]
    assert context.labels[0].name_ar == "فاعل" and context.options == {"include_majority": True}


# --- majority ---------------------------------------------------------------------------------------------
@pytest.fixture
def three_reviewers(project):
    project.overlap_k = 3
    project.save()
    return reviewers_of(project, ["r1", "r2", "r3"])


def test_majority_keeps_what_more_than_half_marked(project, three_reviewers, adjudicator):
    r1, r2, r3 = three_reviewers
    doc = DocumentFactory(project=project, text=TEXT_B)
    claim = Claim.objects.create(project=project, text="مقتل 30 في دير الزور")
    two_of_three = (*at(TEXT_B, "-٣٠ قتيلاً"), "casualty_figure")
    one_of_three = (*at(TEXT_B, "المرصد"), "actor")
    place = (*at(TEXT_B, "دير الزور"), "place")
    submit(doc, r1, [two_of_three, one_of_three, place], links=[(0, claim, "supports")], grade=("B", 2))
    submit(doc, r2, [two_of_three, place], links=[(0, claim, "supports"), (1, claim, "mentions")], grade=("B", 2))
    submit(doc, r3, [place], grade=("C", 3))
    half = DocumentFactory(project=project, text=TEXT_C)  # only two of three submitted: not ready
    submit(half, r1, [(*at(TEXT_C, "داعش"), "actor")])
    submit(half, r2, [(*at(TEXT_C, "داعش"), "actor")])

    assert list(gold_records(project)) == []  # nothing adjudicated
    (record,) = gold_records(project, include_majority=True)
    assert record.id == doc.pk and record.resolution == "majority" and record.reviewers == 3
    assert record.adjudicator is None
    assert [(s.start, s.end, s.label, s.votes, s.decision, s.decided_by) for s in record.spans] == [
        (*two_of_three, 2, "majority", None),
        (*place, 3, "majority", None),
    ]
    assert all(TEXT_B[s.start : s.end] == s.text for s in record.spans)
    # the link on the kept span made by 2 of 3 is kept; the one only r2 made on the place span is not
    assert [(record.spans[link.span].label, link.claim.id, link.stance, link.votes) for link in record.claim_links] == [
        ("casualty_figure", claim.pk, "supports", 2)
    ]
    (grade,) = record.reliability
    assert (grade.code, grade.votes, grade.span) == ("B2", 2, None)


def test_a_finalized_document_stays_adjudicated_with_majority_on(project, three_reviewers, adjudicator):
    doc = DocumentFactory(project=project, text=TEXT_C)
    for user in three_reviewers:
        submit(doc, user, [(*at(TEXT_C, "داعش"), "actor")])
    finalize(doc, adjudicator, [(*at(TEXT_C, "البادية"), "place")])
    (record,) = gold_records(project, include_majority=True)
    assert record.resolution == "adjudicated" and [s.label for s in record.spans] == ["place"]


def test_an_in_progress_adjudication_is_resolved_by_majority_when_asked(project, gold):
    records = {r.id: r for r in gold_records(project, include_majority=True)}
    assert records[gold["c"].pk].resolution == "majority"
    assert [s.text for s in records[gold["c"].pk].spans] == ["تنظيم"]
    assert gold["d"].pk not in records
    assert not GoldSpanRow.objects.filter(adjudication__document=gold["d"]).exists()
