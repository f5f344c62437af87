"""The agreement selectors: ORM rows to plain data; only submitted work; a stable fingerprint."""

from unittest import mock

from annotations.models import Claim, ClaimLink, ReliabilityRating, Span
from annotations.selectors.agreement import (
    agreement_claim_stances,
    agreement_documents,
    agreement_input,
    agreement_input_fingerprint,
    agreement_outlet_grades,
)
from annotations.tasks import agreement_run_task
from annotations.text.tokens import tokenize
from tests.factories import DocumentFactory
from tests.services.test_agreement_runs import TEXT_1, TEXT_2, annotate, assign, reviewer, word


def fingerprint(project):
    return agreement_input_fingerprint(project, agreement_input(project))


@mock.patch.object(agreement_run_task, "apply_async")
def test_documents_carry_tokens_and_each_submitted_reviewers_spans(_, project, reviewer1, reviewer2):
    first = DocumentFactory(project=project, text=TEXT_1)
    second = DocumentFactory(project=project, text=TEXT_2)
    untouched = DocumentFactory(project=project, text="خبر لم يراجعه أحد")
    annotate(assign(first, reviewer1), [(*word(TEXT_1, "الرقة"), "place"), (*word(TEXT_1, "الجيش"), "actor")])
    annotate(assign(first, reviewer2), [])
    annotate(assign(second, reviewer2), [(*word(TEXT_2, "المرصد"), "actor")])
    annotate(assign(second, reviewer1), [(0, 4, "actor")], submit=False)  # open: not counted
    snapshot = agreement_input(project)
    assert snapshot.document_count == 2 and len(snapshot.assignments) == 3
    assert snapshot.reviewers == {reviewer1.pk: "reviewer1", reviewer2.pk: "reviewer2"}
    assert snapshot.label_names == ["actor", "place", "casualty_figure"]

    works = list(agreement_documents(project, snapshot))
    assert [w.document_id for w in works] == [first.pk, second.pk]
    assert untouched.pk not in [w.document_id for w in works]
    assert works[0].tokens == [(t.start, t.end) for t in tokenize(TEXT_1)]
    # spans in reading order, with label names; a reviewer who marked nothing is still a coder
    assert works[0].spans == {
        reviewer1.pk: [(*word(TEXT_1, "الجيش"), "actor"), (*word(TEXT_1, "الرقة"), "place")],
        reviewer2.pk: [],
    }
    assert works[1].spans == {reviewer2.pk: [(*word(TEXT_2, "المرصد"), "actor")]}
    assert works[1].reviewers == [reviewer2.pk]


@mock.patch.object(agreement_run_task, "apply_async")
def test_documents_are_read_with_a_constant_number_of_queries(_, project, reviewer1, django_assert_max_num_queries):
    for _ in range(25):
        annotate(assign(DocumentFactory(project=project), reviewer1), [(0, 2, "actor"), (3, 6, "place")])
    snapshot = agreement_input(project)
    with django_assert_max_num_queries(4):
        works = list(agreement_documents(project, snapshot))
    assert len(works) == 25 and all(len(w.spans[reviewer1.pk]) == 2 for w in works)


@mock.patch.object(agreement_run_task, "apply_async")
def test_a_submission_after_the_snapshot_is_left_out_everywhere(_, project, reviewer1, reviewer2, document):
    annotate(assign(document, reviewer1), [(0, 2, "actor")])
    snapshot = agreement_input(project)
    late = assign(document, reviewer2)
    annotate(late, [(0, 2, "place")])
    ReliabilityRating.objects.create(assignment=late, source_reliability="A", credibility=1)
    works = list(agreement_documents(project, snapshot))
    assert list(works[0].spans) == [reviewer1.pk]
    assert agreement_outlet_grades(project, snapshot) == ([], [])


@mock.patch.object(agreement_run_task, "apply_async")
def test_fingerprint_is_stable_and_follows_every_change(_, project, reviewer1, reviewer2, document):
    annotate(assign(document, reviewer1), [(0, 2, "actor")])
    before = fingerprint(project)
    assert before == fingerprint(project)  # nothing changed: the same

    open_work = assign(document, reviewer2)
    annotate(open_work, [(0, 3, "place")], submit=False)
    assert fingerprint(project) == before  # unsubmitted work does not count

    Span.objects.filter(assignment__reviewer=reviewer1).update(version=2)  # e.g. an admin edit
    edited = fingerprint(project)
    assert edited != before

    from annotations.services.assignments import assignment_submit

    assignment_submit(assignment=open_work)
    assert fingerprint(project) not in (before, edited)


@mock.patch.object(agreement_run_task, "apply_async")
def test_outlet_grades_leave_out_source_grades_of_spans(_, project, reviewer1, reviewer2, document):
    first = assign(document, reviewer1)
    span = annotate(first, [(0, 2, "actor")], submit=False)[0]
    ReliabilityRating.objects.create(assignment=first, source_reliability="B", credibility=2)
    ReliabilityRating.objects.create(assignment=first, span=span, source_reliability="E", credibility=5)
    second = assign(document, reviewer2)
    ReliabilityRating.objects.create(assignment=second, source_reliability="F", credibility=6)
    from annotations.services.assignments import assignment_submit

    assignment_submit(assignment=first)
    assignment_submit(assignment=second)
    reliability, credibility = agreement_outlet_grades(project, agreement_input(project))
    assert sorted(reliability) == sorted([(reviewer1.pk, document.pk, "B"), (reviewer2.pk, document.pk, "F")])
    assert sorted(credibility) == sorted([(reviewer1.pk, document.pk, 2), (reviewer2.pk, document.pk, 6)])


@mock.patch.object(agreement_run_task, "apply_async")
def test_claim_stances_are_one_value_per_reviewer_document_and_claim(_, project, reviewer1, reviewer2, document):
    third = reviewer(project, "reviewer3")
    claim = Claim.objects.create(project=project, text="ادعاء")
    other = Claim.objects.create(project=project, text="ادعاء آخر")
    project.overlap_k = 3
    project.save()
    from annotations.services.assignments import assignment_submit

    links = {
        reviewer1: [(claim, "supports"), (claim, "supports"), (claim, "refutes")],  # most frequent wins
        reviewer2: [(claim, "mentions"), (claim, "refutes")],  # a tie: refutes before supports before mentions
        third: [(other, "mentions")],
    }
    for user, wanted in links.items():
        assignment = assign(document, user)
        spans = annotate(assignment, [(i, i + 1, "actor") for i in range(len(wanted))], submit=False)
        for span, (target, stance) in zip(spans, wanted, strict=True):
            ClaimLink.objects.create(span=span, claim=target, stance=stance)
        assignment_submit(assignment=assignment)
    triples = agreement_claim_stances(project, agreement_input(project))
    assert sorted(triples) == sorted(
        [
            (reviewer1.pk, (document.pk, claim.pk), "supports"),
            (reviewer2.pk, (document.pk, claim.pk), "refutes"),
            (third.pk, (document.pk, other.pk), "mentions"),
        ]
    )


def test_stored_tokens_are_read_as_the_tokenizer_stored_them():
    import numpy as np

    from annotations.selectors.agreement import _stored_tokens
    from annotations.text.tokens import pack_tokens, stored_token_bounds

    packed = pack_tokens(TEXT_1)
    assert _stored_tokens(packed).tolist() == [list(t) for t in stored_token_bounds(TEXT_1, packed)]
    assert _stored_tokens(packed).tolist() == [[t.start, t.end] for t in tokenize(TEXT_1)]
    other_version = np.frombuffer(packed, dtype="<u4") + np.array([1] + [0] * (len(packed) // 4 - 1), dtype="<u4")
    assert _stored_tokens(other_version.tobytes()) is None  # tokenized again
    assert _stored_tokens(packed[:-4]) is None and _stored_tokens(None) is None and _stored_tokens(b"") is None
