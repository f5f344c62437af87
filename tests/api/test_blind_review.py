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
            # issue 13: the claim catalogue, its search and the claim verification queue
            f"/api/projects/{project.id}/claims/",
            f"/api/projects/{project.id}/claims/?q=داعش",
            f"/api/projects/{project.id}/claims/queue/next/",
            f"/api/claims/{scene['link'].claim_id}/",
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
                f"/projects/{project.slug}/claims/",
                f"/projects/{project.slug}/claims/verify/",
                f"/claims/{scene['link'].claim_id}/",
            ]
        }
    )
    # the claim has evidence reviewer2 may not see yet: no verdict asked of them
    assert answers[f"/api/projects/{project.id}/claims/queue/next/"].status_code == 204
    assert answers[f"/api/claims/{scene['link'].claim_id}/"].json()["evidence"] == []
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


# --- Claims, the claim catalogue and the claim verification queue (issue 13) -------------------------------
CLAIM_TEXT = "قتل ثلاثون عنصرا من قوات النظام في هجوم على طريق أثريا الرقة"


@pytest.fixture
def claim_scene(project, document, reviewer1, reviewer2, adjudicator, manager, api_client_for):
    """reviewer1 writes a claim from `document`, links a span to it and submits; reviewer2 is still drafting
    the same document; reviewer3 works on another document."""
    from tests.factories import DocumentFactory, MembershipFactory, UserFactory

    reviewer3 = UserFactory(username="reviewer3")
    MembershipFactory(project=project, user=reviewer3, role="reviewer")
    project.claim_verifiers = 2
    project.save(update_fields=["claim_verifiers"])
    first = assignment_open(document=document, reviewer=reviewer1)
    span = span_create(assignment=first, start=0, end=4, label="actor")
    api1 = api_client_for(reviewer1)
    created = api1.post(
        f"/api/projects/{project.id}/claims/", {"text": CLAIM_TEXT, "document": document.id}, format="json"
    )
    assert created.status_code == 201, created.content
    claim = Claim.objects.get(pk=created.json()["id"])
    assert claim.document_id == document.id
    linked = api1.post(f"/api/spans/{span.id}/claim-links/", {"claim": claim.id, "stance": "refutes"}, format="json")
    assert linked.status_code == 201
    assignment_submit(assignment=first)
    second = assignment_open(document=document, reviewer=reviewer2)
    elsewhere = DocumentFactory(project=project)
    third = assignment_open(document=elsewhere, reviewer=reviewer3)
    return {
        "project": project,
        "claim": claim,
        "first": first,
        "second": second,
        "third": third,
        "reviewer3": reviewer3,
        "span": span,
    }


def test_a_claim_written_from_a_document_is_invisible_to_its_other_drafters(
    claim_scene, reviewer2, client, api_client_for
):
    project, claim = claim_scene["project"], claim_scene["claim"]
    api = api_client_for(reviewer2)
    client.force_login(reviewer2)
    catalogue = api.get(f"/api/projects/{project.id}/claims/").json()
    assert catalogue["count"] == 0 and catalogue["results"] == []
    searched = api.get(f"/api/projects/{project.id}/claims/", {"q": "أثريا"}).json()
    assert searched["count"] == 0
    assert api.get(f"/api/projects/{project.id}/claims/similar/", {"text": CLAIM_TEXT}).json() == []
    assert api.get(f"/api/claims/{claim.id}/").status_code == 404
    assert api.get(f"/api/projects/{project.id}/claims/queue/next/").status_code == 204
    for url in (
        f"/projects/{project.slug}/claims/",
        f"/projects/{project.slug}/claims/?q=الرقة",
        f"/projects/{project.slug}/claims/verify/",
        f"/claims/{claim.id}/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert "أثريا" not in response.content.decode(), url  # the claim text, never the query
    # a near-duplicate from reviewer2 is not refused with the hidden claim named in `similar`
    duplicate = api.post(f"/api/projects/{project.id}/claims/", {"text": CLAIM_TEXT}, format="json")
    assert duplicate.status_code == 201, duplicate.content
    assert CLAIM_TEXT not in str(duplicate.json().get("similar", ""))
    # nor can reviewer2 link their span to it by guessing its id
    span = span_create(assignment=claim_scene["second"], start=0, end=4, label="actor")
    refused = api.post(f"/api/spans/{span.id}/claim-links/", {"claim": claim.id, "stance": "supports"}, format="json")
    assert refused.status_code == 400 and "claim" in refused.json()
    # once reviewer2 submits, the claim is theirs to see (their own duplicate too)
    assignment_submit(assignment=claim_scene["second"])
    assert api.get(f"/api/projects/{project.id}/claims/").json()["count"] == 2
    assert api.get(f"/api/claims/{claim.id}/").status_code == 200


def test_a_claim_created_without_document_is_hidden_by_its_creators_link(
    project, document, reviewer1, reviewer2, api_client_for
):
    first = assignment_open(document=document, reviewer=reviewer1)
    span = span_create(assignment=first, start=0, end=4, label="actor")
    claim = Claim.objects.create(project=project, text=CLAIM_TEXT, created_by=reviewer1)
    ClaimLink.objects.create(span=span, claim=claim, stance="supports")
    assignment_open(document=document, reviewer=reviewer2)
    assert api_client_for(reviewer2).get(f"/api/claims/{claim.id}/").status_code == 404
    assert api_client_for(reviewer1).get(f"/api/claims/{claim.id}/").status_code == 200


def test_verifiers_never_verify_their_own_claim_or_link(claim_scene, reviewer1, reviewer2, api_client_for):
    project, claim = claim_scene["project"], claim_scene["claim"]
    assignment_submit(assignment=claim_scene["second"])
    # the creator (who linked it "refutes") is never offered it and may not give a verdict
    api1 = api_client_for(reviewer1)
    assert api1.get(f"/api/projects/{project.id}/claims/queue/next/").status_code == 204
    assert api1.post(f"/api/claims/{claim.id}/verifications/", {"verdict": "supported"}, format="json").status_code == (
        403
    )
    # a reviewer who only linked it (not its creator) may not either
    span = span_create(assignment=claim_scene["third"], start=0, end=3, label="place")
    ClaimLink.objects.create(span=span, claim=claim, stance="mentions")
    assignment_submit(assignment=claim_scene["third"])
    api3 = api_client_for(claim_scene["reviewer3"])
    assert api3.get(f"/api/projects/{project.id}/claims/queue/next/").status_code == 204
    assert api3.post(f"/api/claims/{claim.id}/verifications/", {"verdict": "refuted"}, format="json").status_code == (
        403
    )
    # reviewer2 submitted the document and sees reviewer1's evidence: the claim is theirs to verify
    api2 = api_client_for(reviewer2)
    offered = api2.get(f"/api/projects/{project.id}/claims/queue/next/")
    assert offered.status_code == 200 and offered.json()["id"] == claim.id
    assert offered.json()["evidence"]
    assert api2.post(f"/api/claims/{claim.id}/verifications/", {"verdict": "refuted"}, format="json").status_code == 201


def test_no_verdict_without_evidence_the_verifier_may_see(claim_scene, api_client_for):
    """reviewer3 never submitted the claim's document: its evidence is hidden from them, so no verdict."""
    project, claim = claim_scene["project"], claim_scene["claim"]
    assignment_submit(assignment=claim_scene["second"])
    api3 = api_client_for(claim_scene["reviewer3"])
    assert api3.get(f"/api/claims/{claim.id}/").json()["evidence"] == []
    assert api3.get(f"/api/projects/{project.id}/claims/queue/next/").status_code == 204
    answer = api3.post(f"/api/claims/{claim.id}/verifications/", {"verdict": "supported"}, format="json")
    assert answer.status_code == 403


def test_queue_offers_no_claim_linked_on_a_document_the_verifier_is_drafting(
    claim_scene, adjudicator, reviewer2, api_client_for
):
    """The red-team case: after reviewer1 submits, reviewer2 (drafting the same document) is not offered the
    claim, even when it also has evidence reviewer2 may see elsewhere."""
    from tests.factories import DocumentFactory

    project, claim = claim_scene["project"], claim_scene["claim"]
    other = DocumentFactory(project=project)
    done = assignment_open(document=other, reviewer=claim_scene["reviewer3"])
    span = span_create(assignment=done, start=0, end=3, label="place")
    ClaimLink.objects.create(span=span, claim=claim, stance="supports")
    assignment_submit(assignment=done)
    theirs = assignment_open(document=other, reviewer=reviewer2)
    assignment_submit(assignment=theirs)  # reviewer2 may now see reviewer3's evidence on `other`
    api2 = api_client_for(reviewer2)
    assert api2.get(f"/api/projects/{project.id}/claims/queue/next/").status_code == 204
    assert api2.post(f"/api/claims/{claim.id}/verifications/", {"verdict": "mixed"}, format="json").status_code == 404
    assignment_submit(assignment=claim_scene["second"])
    assert api2.get(f"/api/projects/{project.id}/claims/queue/next/").json()["id"] == claim.id


def test_a_verifier_sees_no_other_verdict_before_giving_their_own(
    claim_scene, reviewer2, adjudicator, manager, client, api_client_for
):
    project, claim = claim_scene["project"], claim_scene["claim"]
    assignment_submit(assignment=claim_scene["second"])
    api2 = api_client_for(reviewer2)
    assert (
        api2.post(
            f"/api/claims/{claim.id}/verifications/", {"verdict": "refuted", "rationale": "R2-SECRET"}, format="json"
        ).status_code
        == 201
    )
    judge = api_client_for(adjudicator)
    # the adjudicator is a verifier too: no verdict of others before their own, in the API or the page
    assert judge.get(f"/api/claims/{claim.id}/").json()["verifications"] == []
    client.force_login(adjudicator)
    assert "R2-SECRET" not in client.get(f"/claims/{claim.id}/").content.decode()
    assert "R2-SECRET" not in judge.get(f"/api/projects/{project.id}/claims/queue/next/").content.decode()
    assert (
        reviewer2.username
        not in api_client_for(manager).get(f"/api/projects/{project.id}/claims/disputed/").content.decode()
    )
    assert (
        judge.post(f"/api/claims/{claim.id}/verifications/", {"verdict": "supported"}, format="json").status_code == 201
    )
    verdicts = judge.get(f"/api/claims/{claim.id}/").json()["verifications"]
    assert {v["verdict"] for v in verdicts} == {"refuted", "supported"}
    # reviewers never read the others' verdicts; managers always may
    assert api2.get(f"/api/claims/{claim.id}/").json()["verifications"] == []
    assert len(api_client_for(manager).get(f"/api/claims/{claim.id}/").json()["verifications"]) == 2


def test_verdict_disagreement_goes_to_adjudication(claim_scene, reviewer2, adjudicator, manager, api_client_for):
    project, claim = claim_scene["project"], claim_scene["claim"]
    assignment_submit(assignment=claim_scene["second"])
    api_client_for(reviewer2).post(f"/api/claims/{claim.id}/verifications/", {"verdict": "refuted"}, format="json")
    disputed = api_client_for(manager).get(f"/api/projects/{project.id}/claims/disputed/").json()
    assert disputed["count"] == 0  # one verdict of two: not yet a disagreement
    api_client_for(adjudicator).post(f"/api/claims/{claim.id}/verifications/", {"verdict": "supported"}, format="json")
    disputed = api_client_for(manager).get(f"/api/projects/{project.id}/claims/disputed/").json()
    assert [row["id"] for row in disputed["results"]] == [claim.id]
    assert api_client_for(reviewer2).get(f"/api/projects/{project.id}/claims/disputed/").status_code == 403
    # the adjudicator decides: the claim leaves the dispute list
    version = api_client_for(manager).get(f"/api/claims/{claim.id}/").json()["version"]
    decided = api_client_for(manager).patch(
        f"/api/claims/{claim.id}/", {"verdict": "refuted", "version": version}, format="json"
    )
    assert decided.status_code == 200
    assert api_client_for(manager).get(f"/api/projects/{project.id}/claims/disputed/").json()["count"] == 0
