"""`GET /api/assignments/<id>/` is built from rows (issue 17: fetching a document with its spans was twice
doccano's time, most of it DRF building a serializer per span). It must stay the API's AssignmentOutput,
field for field, value for value: the serializer is the reference here."""

from datetime import timedelta

from django.utils import timezone

from annotations.api.assignments import AssignmentOutput
from annotations.models import Claim, ClaimLink, ReliabilityRating, Source
from annotations.selectors.assignments import assignment_data, assignment_detail
from annotations.services.assignments import assignment_open
from annotations.services.notes import document_flag_set, span_comment_create
from annotations.services.spans import span_create, span_delete


def test_rows_equal_the_serializer(project, document, reviewer1, django_assert_max_num_queries):
    document.source = Source.objects.create(name="السومرية نيوز", domain="alsumaria.tv")
    document.url = "https://example.org/a"
    document.published_at = timezone.now() - timedelta(days=3)
    document.save()
    assignment = assignment_open(document=document, reviewer=reviewer1)
    assignment.lease_expires_at = timezone.now() + timedelta(minutes=30)
    assignment.save()
    claim = Claim.objects.create(project=project, text="قتل 30 جندياً")
    first = span_create(assignment=assignment, start=0, end=2, label="actor")
    second = span_create(assignment=assignment, start=0, end=2, label="place")  # same offsets, another label
    gone = span_create(assignment=assignment, start=4, end=10, label="actor")
    ClaimLink.objects.create(span=first, claim=claim, stance="supports")
    ClaimLink.objects.create(span=gone, claim=claim, stance="refutes")
    ReliabilityRating.objects.create(assignment=assignment, source_reliability="B", credibility=2, note="ok")
    ReliabilityRating.objects.create(assignment=assignment, span=second, source_reliability="C", credibility=3)
    span_comment_create(span=first, text="تعليق")
    span_comment_create(span=gone, text="on a deleted span")
    document_flag_set(assignment=assignment, kind="unclear", note="?")
    span_delete(span=gone)

    reference = dict(AssignmentOutput(assignment_detail(assignment)).data)
    with django_assert_max_num_queries(6):
        rows = assignment_data(assignment.pk)
    assert rows == reference
    assert [s["id"] for s in rows["spans"]] == [first.pk, second.pk]
    assert rows["reliability"]["source_reliability"] == "B"
    assert rows["document"]["source"] == "السومرية نيوز"
