"""Two adjudicators at once on one document: requests serialize on the document, no 5xx, one adjudication."""

from collections import Counter

import pytest
from django.db import connection

from annotations.models import Adjudication, GoldSpan, Membership, Role
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.spans import span_create
from tests.conftest import require_service
from tests.factories import DocumentFactory, UserFactory
from tests.services.test_queue_concurrency import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

TEXT = "قتل 30 عسكرياً في بادية الرصافة على يد تنظيم داعش."


@pytest.fixture
def ready(project, reviewer1, reviewer2, adjudicator):
    require_service("PostgreSQL", connection.vendor == "postgresql", "row locks need it; set DATABASE_URL")
    second = UserFactory(username="adjudicator2")
    Membership.objects.create(project=project, user=second, role=Role.ADJUDICATOR)
    documents = []
    for n in range(20):
        document = DocumentFactory(project=project, text=f"{TEXT} ({n})")
        for reviewer in (reviewer1, reviewer2):
            assignment = assignment_open(document=document, reviewer=reviewer)
            start = TEXT.index("داعش")
            span_create(assignment=assignment, start=start, end=start + 4, label="actor")
            assignment_submit(assignment=assignment)
        documents.append(document)
    return documents, adjudicator, second


def test_four_simultaneous_requests_by_two_adjudicators(ready, api_client_for):
    documents, first, second = ready
    for document in documents:
        calls = []
        for user in (first, second):
            calls.append(
                lambda u=user, d=document: api_client_for(u).post(f"/api/documents/{d.id}/adjudication/accept-agreed/")
            )
            calls.append(
                lambda u=user, d=document: api_client_for(u).post(f"/api/documents/{d.id}/adjudication/finalize/")
            )
            calls.append(lambda u=user, d=document: api_client_for(u).get(f"/api/documents/{d.id}/adjudication/"))
        statuses = Counter(r.status_code for r in in_threads(calls))
        assert all(code < 500 for code in statuses), statuses
        assert statuses[200] >= 1 and set(statuses) <= {200, 409}, statuses
        assert Adjudication.objects.filter(document=document).count() == 1
        assert Adjudication.objects.get(document=document).status == "final"
        assert GoldSpan.objects.filter(adjudication__document=document).count() <= 1
