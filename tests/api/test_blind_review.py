"""Blind review: before submitting, a reviewer sees nothing of another reviewer's work on the
same document — in any JSON or HTML the workbench serves them."""

import pytest

from annotations.models import AgreementRun, Claim, ClaimLink, LabelType, ReliabilityRating
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.spans import span_create

SECRET_LABEL = "zz_reviewer1_only_label"
SECRET_NOTE = "ملاحظة-سرية-للمراجع-الأول"


@pytest.fixture
def scene(project, document, reviewer1, reviewer2, manager):
    LabelType.objects.create(project=project, name=SECRET_LABEL, name_ar="سري", hotkey="9", order=99)
    first = assignment_open(document=document, reviewer=reviewer1)
    span = span_create(assignment=first, start=0, end=2, label=SECRET_LABEL)
    claim = Claim.objects.create(project=project, text="هاجم داعش قوات النظام")
    link = ClaimLink.objects.create(span=span, claim=claim, stance="supports")
    ReliabilityRating.objects.create(assignment=first, source_reliability="E", credibility=5, note=SECRET_NOTE)
    assignment_submit(assignment=first)  # reviewer1 is done; reviewer2 is not
    second = assignment_open(document=document, reviewer=reviewer2)
    run = AgreementRun.objects.create(project=project, status="done", results={"labels": {SECRET_LABEL: 1.0}})
    return {"first": first, "second": second, "span": span, "link": link, "run": run, "project": project}


def test_nothing_of_reviewer1_reaches_reviewer2(scene, reviewer2, client, api_client_for):
    project, first, second = scene["project"], scene["first"], scene["second"]
    api = api_client_for(reviewer2)
    client.force_login(reviewer2)
    answers = {
        url: api.get(url)
        for url in [
            "/api/projects/",
            f"/api/projects/{project.id}/",
            "/api/assignments/",
            f"/api/assignments/{second.id}/",
            f"/api/assignments/{first.id}/",
            f"/api/projects/{project.id}/documents/",
            f"/api/projects/{project.id}/progress/",
            f"/api/projects/{project.id}/adjudication/",
            f"/api/documents/{second.document_id}/adjudication/",
            f"/api/projects/{project.id}/agreement-runs/",
            f"/api/agreement-runs/{scene['run'].id}/",
            f"/api/agreement-runs/{scene['run'].id}/results.csv",
            f"/api/spans/{scene['span'].id}/",
        ]
    }
    answers.update(
        {
            url: client.get(url)
            for url in [
                "/",
                f"/projects/{project.slug}/",
                f"/projects/{project.slug}/?q=شن",
                f"/assignments/{second.id}/",
                f"/assignments/{first.id}/",
                f"/projects/{project.slug}/adjudication/",
                f"/adjudication/{second.document_id}/",
                f"/projects/{project.slug}/agreement/",
            ]
        }
    )
    assert answers[f"/api/assignments/{first.id}/"].status_code == 404
    assert answers[f"/assignments/{first.id}/"].status_code == 404
    assert answers[f"/api/assignments/{second.id}/"].json()["spans"] == []
    for url, response in answers.items():
        body = response.content.decode()
        assert response.status_code < 500, url
        assert SECRET_NOTE not in body, url
        if url not in (
            f"/api/projects/{project.id}/",
            f"/assignments/{second.id}/",
            f"/projects/{project.slug}/",
            f"/projects/{project.slug}/?q=شن",
        ):  # the label set itself is the project's, not reviewer1's work
            assert SECRET_LABEL not in body, url
        assert f'"claim_links": [{{"id": {scene["link"].id}' not in body


def test_after_submitting_reviewer2_still_sees_only_their_own(scene, reviewer2, api_client_for):
    assignment_submit(assignment=scene["second"])
    api = api_client_for(reviewer2)
    assert api.get(f"/api/assignments/{scene['first'].id}/").status_code == 404
    assert api.get(f"/api/documents/{scene['second'].document_id}/adjudication/").status_code == 403
