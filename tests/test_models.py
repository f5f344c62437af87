"""Integrity rules live in the database, not only in Python: raw inserts that break them fail."""

import pytest
from django.db import DataError, IntegrityError, transaction

from annotations.models import (
    Assignment,
    GoldReliability,
    LabelType,
    Project,
    ReliabilityRating,
    Span,
)
from tests.factories import UserFactory


def violates(callable_):
    # PostgreSQL reports an over-long varchar as DataError; both are the database refusing the row.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        callable_()


@pytest.fixture
def assignment(document, reviewer1):
    return Assignment.objects.create(document=document, reviewer=reviewer1)


def test_span_offsets_and_text(assignment, project):
    label = project.label_types.first()
    text = assignment.document.text

    def make(start, end, quote=None):
        """bulk_create skips the model's code: only the database's constraints judge the span."""
        text_of_span = text[start:end] if quote is None else quote
        return Span.objects.bulk_create(
            [Span(assignment=assignment, label=label, start=start, end=end, text=text_of_span)]
        )

    violates(lambda: make(5, 5, ""))
    violates(lambda: make(6, 5, "x"))
    violates(lambda: make(0, 4, "toolong"))
    make(0, 3)
    assert Span.objects.count() == 1


def test_one_assignment_per_document_and_reviewer(assignment):
    violates(lambda: Assignment.objects.create(document=assignment.document, reviewer=assignment.reviewer))


def test_submitted_assignment_needs_its_time(assignment):
    violates(lambda: Assignment.objects.filter(pk=assignment.pk).update(status="submitted"))
    violates(lambda: Assignment.objects.filter(pk=assignment.pk).update(status="bogus"))


@pytest.mark.parametrize("reliability, credibility", [("G", 1), ("a", 1), ("A", 0), ("A", 7), ("", 3)])
def test_admiralty_grades_outside_the_scale(assignment, reliability, credibility):
    violates(
        lambda: ReliabilityRating.objects.create(
            assignment=assignment, source_reliability=reliability, credibility=credibility
        )
    )


def test_one_outlet_grade_per_assignment(assignment):
    ReliabilityRating.objects.create(assignment=assignment, source_reliability="B", credibility=2)
    violates(lambda: ReliabilityRating.objects.create(assignment=assignment, source_reliability="C", credibility=3))


def test_gold_grades_are_checked_too(document):
    from annotations.models import Adjudication

    adjudication = Adjudication.objects.create(document=document, adjudicator=UserFactory())
    violates(
        lambda: GoldReliability.objects.create(
            adjudication=adjudication, source_reliability="Z", credibility=9, decided_by=adjudication.adjudicator
        )
    )


def test_project_and_label_rules(project):
    violates(lambda: Project.objects.create(slug="zero", name="x", overlap_k=0))
    violates(lambda: LabelType.objects.create(project=project, name="actor"))  # name taken
    violates(lambda: LabelType.objects.create(project=project, name="new", hotkey="1"))  # hotkey taken
    violates(lambda: LabelType.objects.create(project=project, name="bad-colour", color="red"))
    violates(lambda: LabelType.objects.bulk_create([LabelType(project=project, name="two-keys", hotkey="12")]))
