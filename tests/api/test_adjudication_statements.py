"""Accept-agreed and finalize, the adjudicator's one-action path: their SQL statements do not grow with
the number of spans (issue 17: 50 agreed spans took 300+ statements, one get_or_create per record), and
what they write is unchanged: every agreed span with its sources, the grades and claim links all
reviewers gave, the outlet's grade, nothing twice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    Claim,
    ClaimLink,
    GoldClaimLink,
    GoldReliability,
    GoldSpan,
    ReliabilityRating,
)
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.spans import span_create
from tests.factories import DocumentFactory

WORD = "كلمة "


@pytest.fixture
def agreed_document(project, reviewer1, reviewer2):
    """Two reviewers mark the same n words alike (with the same quoted-source grade and claim link), one
    word only one of them marks, and they give the outlet the same grade; both submit."""
    project.overlap_k = 2
    project.save(update_fields=["overlap_k"])
    claim = Claim.objects.create(project=project, text="قتل 30 جندياً في الرصافة")

    def make(n):
        document = DocumentFactory(project=project, text=WORD * (n + 1))
        for reviewer in (reviewer1, reviewer2):
            assignment = assignment_open(document=document, reviewer=reviewer)
            for i in range(n):
                span = span_create(assignment=assignment, start=5 * i, end=5 * i + 4, label="actor")
                ReliabilityRating.objects.create(
                    assignment=assignment, span=span, source_reliability="B", credibility=2
                )
                ClaimLink.objects.create(span=span, claim=claim, stance="supports")
            if reviewer == reviewer1:
                span_create(assignment=assignment, start=5 * n, end=5 * n + 4, label="place")
            ReliabilityRating.objects.create(assignment=assignment, source_reliability="A", credibility=1)
            assignment_submit(assignment=assignment)
        document.refresh_from_db()
        return document

    return make


def _count(client, url) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, format="json")
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_accept_agreed_statements_do_not_grow_with_spans(agreed_document, adjudicator, api_client_for):
    judge = api_client_for(adjudicator)
    counts = {}
    for n in (3, 12):
        document = agreed_document(n)
        url = f"/api/documents/{document.id}/adjudication/accept-agreed/"
        counts[n], body = _count(judge, url)
        assert body["added"] == {"spans": n, "claim_links": n, "reliability": 1, "span_grades": n}
        gold = GoldSpan.objects.filter(adjudication__document=document)
        assert sorted(gold.values_list("start", "end", "label__name", "decision")) == [
            (5 * i, 5 * i + 4, "actor", "accepted") for i in range(n)
        ]
        assert all(g.source_spans.count() == 2 for g in gold)  # both reviewers' spans
        assert GoldReliability.objects.filter(adjudication__document=document, gold_span__isnull=False).count() == n
        outlet = GoldReliability.objects.get(adjudication__document=document, gold_span__isnull=True)
        assert (outlet.source_reliability, outlet.credibility) == ("A", 1)
        assert GoldClaimLink.objects.filter(gold_span__adjudication__document=document, stance="supports").count() == n
        # the disagreed word stays a candidate for the adjudicator
        [undecided] = [c for c in body["candidates"] if c["status"] == "undecided"]
        assert (undecided["label"], undecided["agreement"]) == ("place", "one")
        # a second time adds nothing
        _, again = _count(judge, url)
        assert again["added"] == {"spans": 0, "claim_links": 0, "reliability": 0, "span_grades": 0}
    assert counts[3] == counts[12], counts


def test_finalize_statements_do_not_grow_with_spans(agreed_document, adjudicator, api_client_for):
    judge = api_client_for(adjudicator)
    counts = {}
    for n in (3, 12):
        document = agreed_document(n)
        judge.post(f"/api/documents/{document.id}/adjudication/accept-agreed/", format="json")
        counts[n], body = _count(judge, f"/api/documents/{document.id}/adjudication/finalize/")
        assert body["status"] == "final"
    assert counts[3] == counts[12], counts
