"""The verification queue through the API: k = 2, three reviewers, two documents, a lapsed lease,
skips, submissions, adjudication into gold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import Adjudication, Assignment, Document, GoldSpan, Membership, Role
from annotations.services.queue import queue_check_invariants
from tests.factories import DocumentFactory, MembershipFactory, UserFactory

TEXT_A = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام ببادية الرصافة وقتل 30 عسكرياً."
TEXT_B = "اشتعلت المواجهات بين تنظيم داعش وقوات النظام السوري على طريق “أثريا-الرقة”."


@pytest.fixture
def reviewer3(project):
    user = UserFactory(username="reviewer3")
    MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def documents(project):
    return [DocumentFactory(project=project, text=TEXT_A), DocumentFactory(project=project, text=TEXT_B)]


def next_for(client, project):
    return client.post(f"/api/projects/{project.id}/queue/next/")


def span(client, assignment_id, text, word, label):
    start = text.index(word)
    response = client.post(
        f"/api/assignments/{assignment_id}/spans/",
        {"start": start, "end": start + len(word), "label": label},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_full_flow(project, documents, reviewer1, reviewer2, reviewer3, adjudicator, manager, api_client_for):
    r1, r2, r3 = (api_client_for(u) for u in (reviewer1, reviewer2, reviewer3))
    adj = api_client_for(adjudicator)
    doc_a, doc_b = documents

    # reviewer1 gets the oldest document; asking again gives the same lease back
    first = next_for(r1, project)
    assert first.status_code == 200
    body = first.json()
    assert body["document"]["id"] == doc_a.id and body["document"]["text"] == TEXT_A
    assert body["lease_expires_at"] and next_for(r1, project).json()["id"] == body["id"]
    a1 = body["id"]

    # reviewer2 gets the document closest to completion: A (one slot taken) before B
    a2 = next_for(r2, project).json()
    assert a2["document"]["id"] == doc_a.id
    a2 = a2["id"]
    # A is full (k = 2): reviewer3 gets B
    a3 = next_for(r3, project).json()
    assert a3["document"]["id"] == doc_b.id
    a3 = a3["id"]

    # reviewer3's lease lapses; B goes back to the queue; their draft span is kept but frozen
    span(r3, a3, TEXT_B, "داعش", "actor")
    Assignment.objects.filter(pk=a3).update(lease_expires_at=timezone.now() - timedelta(minutes=1))
    b1 = next_for(r1, project)  # reviewer1 still holds A: gets A again, not B
    assert b1.json()["id"] == a1
    assert Assignment.objects.get(pk=a3).status == "expired"  # any call to the queue sweeps lapsed leases
    span(r1, a1, TEXT_A, "داعش", "actor")
    span(r1, a1, TEXT_A, "الرصافة", "place")
    span(r1, a1, TEXT_A, "30", "casualty_figure")
    assert r1.post(f"/api/assignments/{a1}/submit/").status_code == 200
    span(r2, a2, TEXT_A, "داعش", "actor")
    span(r2, a2, TEXT_A, "ببادية الرصافة", "place")
    assert r2.post(f"/api/assignments/{a2}/submit/").status_code == 200

    b_for_r1 = next_for(r1, project)
    assert b_for_r1.status_code == 200 and b_for_r1.json()["document"]["id"] == doc_b.id
    late = r3.post(f"/api/assignments/{a3}/spans/", {"start": 0, "end": 3, "label": "actor"}, format="json")
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    assert Assignment.objects.get(pk=a3).spans.count() == 1  # the draft is kept
    # reviewer3 had B already: nothing is left for them
    assert next_for(r3, project).status_code == 204

    # reviewer2 skips B with a reason: its slot returns; reviewer3 had it, reviewer2 skipped it
    b_for_r2 = next_for(r2, project).json()
    assert b_for_r2["document"]["id"] == doc_b.id
    refused = r2.post(f"/api/assignments/{b_for_r2['id']}/skip/", {}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["reason"]
    assert (
        r2.post(f"/api/assignments/{b_for_r2['id']}/skip/", {"reason": "not about Syria"}, format="json").status_code
        == 200
    )
    assert next_for(r2, project).status_code == 204
    assert queue_check_invariants(project) == []

    # progress, for adjudicators and managers
    progress = adj.get(f"/api/projects/{project.id}/progress/").json()
    assert progress["documents"] == {"total": 2, "waiting": 0, "in_progress": 1, "submitted": 1, "adjudicated": 0}
    by_name = {row["reviewer"]: row for row in progress["reviewers"]}
    assert (by_name["reviewer1"]["done"], by_name["reviewer1"]["open"]) == (1, 1)
    assert by_name["reviewer2"]["skipped"] == 1 and by_name["reviewer3"]["expired"] == 1
    assert by_name["reviewer1"]["median_minutes"] is not None
    assert api_client_for(reviewer1).get(f"/api/projects/{project.id}/progress/").status_code == 403

    # adjudication: A is ready, B is not
    queue = adj.get(f"/api/projects/{project.id}/adjudication/").json()
    assert [row["id"] for row in queue["results"]] == [doc_a.id]
    assert 0 < queue["results"][0]["agreement"] < 1
    assert adj.get(f"/api/documents/{doc_b.id}/adjudication/").status_code == 409
    state = adj.get(f"/api/documents/{doc_a.id}/adjudication/").json()
    agreed = [c for c in state["candidates"] if c["agreed"]]
    assert [(c["text"], c["label"]) for c in agreed] == [("داعش", "actor")]
    assert {c["text"] for c in state["candidates"] if not c["agreed"]} == {"الرصافة", "ببادية الرصافة", "30"}

    # one action accepts what both marked identically; then the adjudicator decides the rest
    accepted = adj.post(f"/api/documents/{doc_a.id}/adjudication/accept-agreed/").json()
    assert accepted["added"]["spans"] == 1
    start = TEXT_A.index("الرصافة")
    chosen = adj.post(
        f"/api/documents/{doc_a.id}/adjudication/spans/",
        {"start": start, "end": start + len("الرصافة"), "label": "place"},
        format="json",
    )
    assert chosen.status_code == 201 and chosen.json()["decision"] == "accepted"
    start = TEXT_A.index("30")
    edited = adj.post(
        f"/api/documents/{doc_a.id}/adjudication/spans/",
        {"start": start, "end": start + len("30 عسكرياً"), "label": "casualty_figure"},
        format="json",
    )
    assert edited.json()["decision"] == "edited"
    assert (
        adj.put(
            f"/api/documents/{doc_a.id}/adjudication/reliability/",
            {"source_reliability": "B", "credibility": 2},
            format="json",
        ).status_code
        == 200
    )
    assert adj.post(f"/api/documents/{doc_a.id}/adjudication/finalize/").status_code == 200

    gold = GoldSpan.objects.filter(adjudication__document=doc_a).order_by("start")
    assert [(g.text, g.label.name, g.decision, g.decided_by.username) for g in gold] == [
        ("داعش", "actor", "accepted", "adjudicator"),
        ("الرصافة", "place", "accepted", "adjudicator"),
        ("30 عسكرياً", "casualty_figure", "edited", "adjudicator"),
    ]
    assert all(g.text == doc_a.text[g.start : g.end] for g in gold)
    adjudication = Adjudication.objects.get(document=doc_a)
    assert adjudication.status == "final" and adjudication.ratings.get().source_reliability == "B"
    # final gold is frozen, and a second finalize names the first decider
    again = adj.post(f"/api/documents/{doc_a.id}/adjudication/finalize/")
    assert again.status_code == 409 and again.json()["detail"].startswith(
        "Gold for this document was already decided by adjudicator at "
    )
    progress = api_client_for(manager).get(f"/api/projects/{project.id}/progress/").json()
    assert progress["documents"]["adjudicated"] == 1


def test_queue_is_for_reviewers_and_members(project, documents, manager, adjudicator, outsider, api_client_for):
    assert next_for(api_client_for(manager), project).status_code == 403
    assert next_for(api_client_for(adjudicator), project).status_code == 403
    assert next_for(api_client_for(outsider), project).status_code == 404
    assert Assignment.objects.count() == 0


def test_quota_limits_what_a_reviewer_takes(project, documents, reviewer1, api_client_for):
    Membership.objects.filter(user=reviewer1).update(quota=1)
    client = api_client_for(reviewer1)
    first = next_for(client, project).json()["id"]
    assert client.post(f"/api/assignments/{first}/submit/").status_code == 200
    assert next_for(client, project).status_code == 204


def test_submit_after_lapse_is_refused_and_never_exceeds_k(
    project, documents, reviewer1, reviewer2, reviewer3, api_client_for
):
    # A submit after the lease expired cannot exceed k: reviewer1's lease lapses and reviewer3 takes the slot;
    # reviewer1 then submits.
    r1 = api_client_for(reviewer1)
    a1 = next_for(r1, project).json()["id"]
    next_for(api_client_for(reviewer2), project)
    Assignment.objects.filter(pk=a1).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    taken = next_for(api_client_for(reviewer3), project).json()
    assert taken["document"]["id"] == documents[0].id  # the freed slot of A, closest to completion
    response = r1.post(f"/api/assignments/{a1}/submit/")
    assert response.status_code == 409 and "expired" in response.json()["detail"]
    assert Document.objects.get(pk=documents[0].id).slots_taken == 2
    assert queue_check_invariants(project) == []


def test_activity_keeps_the_lease(project, documents, reviewer1, api_client_for):
    client = api_client_for(reviewer1)
    assignment = next_for(client, project).json()
    Assignment.objects.filter(pk=assignment["id"]).update(lease_expires_at=timezone.now() + timedelta(seconds=5))
    span(client, assignment["id"], TEXT_A, "داعش", "actor")
    renewed = Assignment.objects.get(pk=assignment["id"]).lease_expires_at
    assert renewed > timezone.now() + timedelta(minutes=project.lease_minutes - 1)


def test_reviewers_cannot_adjudicate(project, documents, reviewer1, outsider, api_client_for):
    for client, expected in ((api_client_for(reviewer1), 403), (api_client_for(outsider), 404)):
        assert client.get(f"/api/projects/{project.id}/adjudication/").status_code == expected
        assert client.get(f"/api/documents/{documents[0].id}/adjudication/").status_code == expected
        assert client.post(f"/api/documents/{documents[0].id}/adjudication/finalize/").status_code == expected
    assert not Adjudication.objects.exists()


def test_adjudication_queue_orders_by_the_agreement_runs_per_document_alpha(
    project, documents, reviewer1, reviewer2, adjudicator, api_client_for
):
    from annotations.models import AgreementRun
    from annotations.services.assignments import assignment_open, assignment_submit

    for document in documents:
        for reviewer in (reviewer1, reviewer2):
            assignment_submit(assignment=assignment_open(document=document, reviewer=reviewer))
    client = api_client_for(adjudicator)
    live = client.get(f"/api/projects/{project.id}/adjudication/").json()["results"]
    assert {row["agreement_measure"] for row in live} == {"overlap_f1"}  # no run has finished yet
    AgreementRun.objects.all().delete()  # the submissions' runs (eager) would otherwise be the latest
    AgreementRun.objects.create(
        project=project,
        status="done",
        finished_at=timezone.now(),
        results={
            "documents": [
                {"document": documents[0].id, "token_alpha": 0.91},
                {"document": documents[1].id, "token_alpha": 0.12},
            ]
        },
    )
    rows = client.get(f"/api/projects/{project.id}/adjudication/").json()["results"]
    assert [(row["id"], row["agreement"], row["agreement_measure"]) for row in rows] == [
        (documents[1].id, 0.12, "token_alpha"),
        (documents[0].id, 0.91, "token_alpha"),
    ]


def test_get_never_takes_a_document_post_does(project, documents, reviewer1, api_client_for):
    """A cross-site top-level GET (SameSite=Lax cookies travel with it) must not lease anything."""
    from annotations.models import Assignment

    client = api_client_for(reviewer1)
    url = f"/api/projects/{project.id}/queue/next/"
    assert client.get(url).status_code == 204
    assert not Assignment.objects.exists()
    taken = client.post(url)
    assert taken.status_code == 200
    again = client.get(url)
    assert again.status_code == 200 and again.json()["id"] == taken.json()["id"]
    assert Assignment.objects.count() == 1


def test_the_next_page_is_post_only(project, documents, reviewer1, client):
    client.force_login(reviewer1)
    assert client.get(f"/projects/{project.slug}/next/").status_code == 405
    from annotations.models import Assignment

    assert not Assignment.objects.exists()
