"""The pages' JSON bootstraps say what the API says, so the workspace and adjudication pages start from
exactly the data their scripts later fetch. (The workspace builds its spans from values, not the API's
serializers, for speed: these tests hold the two to the same output.)"""

from __future__ import annotations

import json
import re

import pytest

from annotations.models import Claim
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.claims import claim_link_create, reliability_set
from annotations.services.notes import document_flag_set, span_comment_create
from annotations.services.spans import span_create, span_delete
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

TEXT = "أكد المرصد السوري مقتل 30 عنصراً من قوات النظام في هجوم لتنظيم داعش ببادية الرصافة."


def page_data(client, url: str, script_id: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', response.text, re.S)
    assert found, f"no #{script_id} on {url}"
    return json.loads(found.group(1))


def decoded_spans(data: dict) -> list[dict]:
    """The workspace's compact spans as workspace-state.js decodes them (the text is the document's slice)."""
    text, spans = data["document"]["text"], data["spans"]
    return [
        {
            "id": span_id,
            "start": start,
            "end": end,
            "label": spans["labels"][label],
            "text": text[start:end],
            "version": version,
            "claim_links": spans["claimLinks"].get(str(span_id), []),
        }
        for span_id, start, end, label, version in spans["rows"]
    ]


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
    assert decoded_spans(data) == detail["spans"]
    assert decoded_spans(data)[0]["claim_links"][0]["claim_text"] == claim.text  # the evidence list shows it
    assert data["ratings"] == detail["ratings"]
    assert data["labels"] == api.get(f"/api/projects/{project.id}/").json()["labels"]


def test_the_workspace_spans_links_and_notes_are_the_apis_on_a_busy_document(
    project, reviewer1, claim, manager, client, api_client_for
):
    assignment = annotate(DocumentFactory(project=project, text=TEXT), reviewer1, claim)
    other = Claim.objects.create(project=project, text="قوات النظام خسرت 30 عنصراً", created_by=manager)
    words = ["المرصد", "السوري", "مقتل", "30", "عنصراً", "قوات", "النظام", "الرصافة"]
    spans = []
    for i, word in enumerate(words):  # overlapping and nested, several labels, in no particular order
        start = TEXT.index(word)
        spans.append(span_create(assignment=assignment, start=start, end=start + len(word), label="actor"))
        spans.append(span_create(assignment=assignment, start=max(0, start - 4), end=start + len(word), label="place"))
        if i % 3 == 0:
            claim_link_create(span=spans[-1], claim_id=claim.id, stance="refutes")
            claim_link_create(span=spans[-1], claim_id=other.id, stance="mentions")
    span_comment_create(span=spans[2], text="مصدر ثانوي")
    span_comment_create(span=spans[1], text="على مقطع محذوف")  # its span is deleted next: not shown
    span_delete(span=spans[1])  # a deleted span (waiting for undo) is neither in the API nor on the page
    document_flag_set(assignment=assignment, kind="unclear", note="النص مقطوع")
    client.force_login(reviewer1)
    data = page_data(client, f"/assignments/{assignment.id}/", "workspace-data")
    detail = api_client_for(reviewer1).get(f"/api/assignments/{assignment.id}/").json()
    assert decoded_spans(data) == detail["spans"]
    assert len(data["spans"]["rows"]) == 2 * len(words)  # the first span of annotate(), the 16 here, one deleted
    linked = [[link["claim"] for link in links] for links in data["spans"]["claimLinks"].values()]
    assert sorted(linked) == [[claim.id], [claim.id, other.id], [claim.id, other.id]]  # the deleted one: gone
    assert data["notes"] == {"comments": detail["comments"], "flags": detail["flags"]}
    assert [c["text"] for c in data["notes"]["comments"]] == ["مصدر ثانوي"]


def test_the_workspace_bootstrap_is_utf8_and_cannot_end_its_script(project, reviewer1, client):
    text = "قال </script><script>alert(1)</script> & <!-- المرصد"
    assignment = assignment_open(document=DocumentFactory(project=project, text=text), reviewer=reviewer1)
    start = text.index("المرصد")
    span_create(assignment=assignment, start=start, end=start + 6, label="actor")
    client.force_login(reviewer1)
    response = client.get(f"/assignments/{assignment.id}/")
    html = response.content.decode()
    assert html.count("</script>") == html.count("<script")  # the data closed none
    assert "<!--" not in html.split('id="workspace-data"')[1].split("</script>")[0]
    assert "قال" in html and "\\u0642" not in html  # Arabic as UTF-8, not escaped
    data = page_data(client, f"/assignments/{assignment.id}/", "workspace-data")
    assert data["document"]["text"] == text
    assert decoded_spans(data)[0]["text"] == "المرصد"


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
