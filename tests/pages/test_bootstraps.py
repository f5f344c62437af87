"""The pages' JSON bootstraps say what the API says: they are built with the API's output serializers,
so the workspace and adjudication pages start from exactly the data their scripts later fetch."""

from __future__ import annotations

import json
import re

import pytest

from annotations.models import Claim
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.claims import claim_link_create, reliability_set
from annotations.services.spans import span_create
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

TEXT = "أكد المرصد السوري مقتل 30 عنصراً من قوات النظام في هجوم لتنظيم داعش ببادية الرصافة."


def page_data(client, url: str, script_id: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', response.text, re.S)
    assert found, f"no #{script_id} on {url}"
    return json.loads(found.group(1))


def annotate(document, reviewer, claim):
    assignment = assignment_open(document=document, reviewer=reviewer)
    start = TEXT.index("داعش")
    span = span_create(assignment=assignment, start=start, end=start + 4, label="actor")
    claim_link_create(span=span, claim_id=claim.id, stance="supports")
    reliability_set(assignment=assignment, source_reliability="B", credibility=2, note="مصدر معروف")
    return assignment


@pytest.fixture
def claim(project, manager):
    return Claim.objects.create(project=project, text="عناصر داعش هاجموا قوات النظام", created_by=manager)


def test_the_workspace_starts_from_the_apis_spans_ratings_and_labels(project, reviewer1, claim, client, api_client_for):
    assignment = annotate(DocumentFactory(project=project, text=TEXT), reviewer1, claim)
    client.force_login(reviewer1)
    data = page_data(client, f"/assignments/{assignment.id}/", "workspace-data")
    api = api_client_for(reviewer1)
    detail = api.get(f"/api/assignments/{assignment.id}/").json()
    assert data["spans"] == detail["spans"]
    assert data["spans"][0]["claim_links"][0]["claim_text"] == claim.text  # the evidence list shows it
    assert data["ratings"] == detail["ratings"]
    assert data["labels"] == api.get(f"/api/projects/{project.id}/").json()["labels"]


def test_the_adjudication_page_starts_from_the_apis_state(
    project, reviewer1, reviewer2, adjudicator, claim, client, api_client_for
):
    project.overlap_k = 2
    project.save()
    document = DocumentFactory(project=project, text=TEXT)
    for reviewer in (reviewer1, reviewer2):
        assignment_submit(assignment=annotate(document, reviewer, claim))
    client.force_login(adjudicator)
    data = page_data(client, f"/adjudication/{document.id}/", "adjudication-data")
    api = api_client_for(adjudicator)
    state = api.get(f"/api/documents/{document.id}/adjudication/").json()
    assert {key: data[key] for key in state} == state
    assert data["candidates"][0]["agreed"] is True
    assert data["labels"] == api.get(f"/api/projects/{project.id}/").json()["labels"]
