"""Claims, evidence links and Admiralty grades through the API, with every refusal the issue names."""

import pytest

from annotations.models import Claim, ClaimLink, ClaimVerdictChange, ReliabilityRating
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, ProjectFactory

TEXT = "أكد المرصد السوري مقتل 30 عنصراً من قوات النظام في هجوم لتنظيم داعش ببادية الرصافة."
CLAIM = "عناصر داعش هاجموا قوات النظام في البادية السورية"


@pytest.fixture
def work(project, reviewer1):
    document = DocumentFactory(project=project, text=TEXT)
    assignment = assignment_open(document=document, reviewer=reviewer1)
    start = TEXT.index("داعش")
    span = span_create(assignment=assignment, start=start, end=start + 4, label="actor")
    return assignment, span


@pytest.fixture
def claim(project, manager):
    return Claim.objects.create(project=project, text=CLAIM, created_by=manager)


def test_create_search_and_near_duplicates(project, reviewer1, api_client_for, claim):
    api = api_client_for(reviewer1)
    url = f"/api/projects/{project.id}/claims/"
    # the same claim with other spellings (hamza, taa marbuta, tashkeel) is offered first
    near = api.post(url, {"text": "عناصر داعش هاجموا قوات النظام فى الباديه السوريه"}, format="json")
    assert near.status_code == 409
    assert [c["id"] for c in near.json()["similar"]] == [claim.id]
    forced = api.post(url, {"text": "عناصر داعش هاجموا قوات النظام فى الباديه السوريه", "force": True}, format="json")
    assert forced.status_code == 201
    other = api.post(
        url,
        {
            "text": "30 soldiers killed at Rusafa on 8 Nov 2023",
            "event_date": "2023-11-08",
            "place": "Rusafa",
            "casualty_figure": 30,
        },
        format="json",
    )
    assert other.status_code == 201 and other.json()["casualty_figure"] == 30
    found = api.get(url, {"q": "الباديه"}).json()
    assert {c["id"] for c in found["results"]} == {claim.id, forced.json()["id"]}
    similar = api.get(f"/api/projects/{project.id}/claims/similar/", {"text": CLAIM}).json()
    assert similar[0]["id"] == claim.id


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"text": ""}, "text"),
        ({"text": "\u202bعكس"}, "text"),
        ({"text": "x", "casualty_figure": -1}, "casualty_figure"),
        ({"text": 5}, "text"),
    ],
)
def test_bad_claims_are_refused(project, reviewer1, api_client_for, payload, field):
    response = api_client_for(reviewer1).post(f"/api/projects/{project.id}/claims/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Claim.objects.exists()


def test_link_a_span_with_stances(work, claim, project, manager, reviewer1, api_client_for):
    assignment, span = work
    api = api_client_for(reviewer1)
    second = Claim.objects.create(project=project, text="مقتل 30 عنصراً من قوات النظام")
    response = api.post(f"/api/spans/{span.id}/claim-links/", {"claim": claim.id, "stance": "supports"}, format="json")
    assert response.status_code == 201 and response.json()["stance"] == "supports"
    # a span can support one claim and mention another; linking again changes the stance
    assert (
        api.post(
            f"/api/spans/{span.id}/claim-links/", {"claim": second.id, "stance": "mentions"}, format="json"
        ).status_code
        == 201
    )
    assert (
        api.post(
            f"/api/spans/{span.id}/claim-links/", {"claim": second.id, "stance": "refutes"}, format="json"
        ).status_code
        == 201
    )
    assert sorted(ClaimLink.objects.values_list("claim_id", "stance")) == sorted(
        [(claim.id, "supports"), (second.id, "refutes")]
    )
    links = api.get(f"/api/assignments/{assignment.id}/").json()["spans"][0]["claim_links"]
    assert {(link["claim"], link["stance"]) for link in links} == {(claim.id, "supports"), (second.id, "refutes")}
    link_id = response.json()["id"]
    assert api.delete(f"/api/claim-links/{link_id}/").status_code == 204


def test_link_refusals(work, claim, project, reviewer1, reviewer2, api_client_for):
    assignment, span = work
    api = api_client_for(reviewer1)
    url = f"/api/spans/{span.id}/claim-links/"
    bad = api.post(url, {"claim": claim.id, "stance": "agrees"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["stance"]
    foreign = Claim.objects.create(project=ProjectFactory(), text="claim of another project")
    refused = api.post(url, {"claim": foreign.id, "stance": "supports"}, format="json")
    assert refused.status_code == 400 and refused.json() == {"claim": ["No such claim in this project."]}
    # linking a span that is not yours: the span does not exist for you
    assert (
        api_client_for(reviewer2).post(url, {"claim": claim.id, "stance": "supports"}, format="json").status_code == 404
    )
    assignment_submit(assignment=assignment)
    frozen = api.post(url, {"claim": claim.id, "stance": "supports"}, format="json")
    assert frozen.status_code == 409 and frozen.json() == {"detail": "Assignment already submitted."}
    assert not ClaimLink.objects.exists()


def test_reliability_grades_and_refusals(work, reviewer1, reviewer2, api_client_for):
    assignment, span = work
    api = api_client_for(reviewer1)
    url = f"/api/assignments/{assignment.id}/reliability/"
    assert (
        api.put(url, {"source_reliability": "B", "credibility": 2, "note": "مصدر معروف"}, format="json").status_code
        == 200
    )
    assert (
        api.put(url, {"source_reliability": "C", "credibility": 3}, format="json").json()["source_reliability"] == "C"
    )
    quoted = api.put(url, {"source_reliability": "F", "credibility": 6, "span": span.id}, format="json")
    assert quoted.status_code == 200 and quoted.json()["span"] == span.id
    for payload, field in [
        ({"source_reliability": "G", "credibility": 2}, "source_reliability"),
        ({"source_reliability": "a", "credibility": 2}, "source_reliability"),
        ({"source_reliability": "B", "credibility": 7}, "credibility"),
        ({"source_reliability": "B", "credibility": 0}, "credibility"),
        ({"source_reliability": "B", "credibility": "2"}, "credibility"),
        ({"source_reliability": "B", "credibility": 2, "span": 999999}, "span"),
    ]:
        response = api.put(url, payload, format="json")
        assert response.status_code == 400 and field in response.json(), payload
    assert sorted(ReliabilityRating.objects.values_list("source_reliability", "credibility")) == [("C", 3), ("F", 6)]
    assert (
        api_client_for(reviewer2).put(url, {"source_reliability": "A", "credibility": 1}, format="json").status_code
        == 404
    )
    assignment_submit(assignment=assignment)
    frozen = api.put(url, {"source_reliability": "A", "credibility": 1}, format="json")
    assert frozen.status_code == 409 and ReliabilityRating.objects.get(span=None).source_reliability == "C"


def test_verdicts_keep_history_and_need_a_role(claim, reviewer1, adjudicator, api_client_for):
    url = f"/api/claims/{claim.id}/"
    assert (
        api_client_for(reviewer1).patch(url, {"verdict": "supported", "version": 1}, format="json").status_code == 403
    )
    api = api_client_for(adjudicator)
    bad = api.patch(url, {"verdict": "true", "version": 1}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["verdict"]
    first = api.patch(url, {"verdict": "supported", "rationale": "ثلاثة مصادر مستقلة", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.patch(url, {"verdict": "refuted", "version": 1}, format="json")
    assert stale.status_code == 409
    api.patch(url, {"verdict": "mixed", "version": 2}, format="json")
    history = api.get(url).json()["history"]
    assert [(h["from"], h["to"], h["by"]) for h in history] == [
        ("unverified", "supported", "adjudicator"),
        ("supported", "mixed", "adjudicator"),
    ]
    assert ClaimVerdictChange.objects.count() == 2


def test_claims_of_another_project_are_not_found(claim, outsider, api_client_for):
    api = api_client_for(outsider)
    assert api.get(f"/api/claims/{claim.id}/").status_code == 404
    assert api.get(f"/api/projects/{claim.project_id}/claims/").status_code == 404
    assert api.patch(f"/api/claims/{claim.id}/", {"verdict": "refuted", "version": 1}, format="json").status_code == 404


def test_evidence_is_blind_until_the_reviewer_submits(
    work, claim, project, reviewer1, reviewer2, manager, api_client_for
):
    assignment, span = work
    ClaimLink.objects.create(span=span, claim=claim, stance="supports")
    second = assignment_open(document=assignment.document, reviewer=reviewer2)
    url = f"/api/claims/{claim.id}/"
    assert api_client_for(reviewer2).get(url).json()["evidence"] == []
    assert (
        api_client_for(reviewer2).get(f"/api/projects/{project.id}/claims/").json()["results"][0]["evidence_count"] == 0
    )
    assert len(api_client_for(manager).get(url).json()["evidence"]) == 1
    assignment_submit(assignment=second)
    evidence = api_client_for(reviewer2).get(url).json()["evidence"]
    assert [(e["span"]["text"], e["reviewer"], e["stance"]) for e in evidence] == [("داعش", "reviewer1", "supports")]


def test_claim_verification_queue(work, claim, project, reviewer1, reviewer2, adjudicator, manager, api_client_for):
    assignment, span = work
    ClaimLink.objects.create(span=span, claim=claim, stance="supports")
    queue = f"/api/projects/{project.id}/claims/queue/next/"
    assert api_client_for(reviewer2).get(queue).status_code == 204  # the evidence is not submitted yet
    assignment_submit(assignment=assignment)
    project.claim_verifiers = 2
    project.save()
    # issue 13: a verdict only with evidence the verifier may see: reviewer2 submits the document too
    assert api_client_for(reviewer2).get(queue).status_code == 204
    assignment_submit(assignment=assignment_open(document=assignment.document, reviewer=reviewer2))
    got = api_client_for(reviewer2).get(queue)
    assert got.status_code == 200 and got.json()["id"] == claim.id
    verify = f"/api/claims/{claim.id}/verifications/"
    assert api_client_for(reviewer2).post(verify, {"verdict": "supported"}, format="json").status_code == 201
    assert api_client_for(reviewer2).post(verify, {"verdict": "supported"}, format="json").status_code == 409
    assert api_client_for(reviewer2).get(queue).status_code == 204
    assert api_client_for(adjudicator).post(verify, {"verdict": "mixed"}, format="json").status_code == 201
    assert api_client_for(reviewer1).post(verify, {"verdict": "refuted"}, format="json").json() == {
        "detail": "This claim already has all its verifiers."
    }
    assert api_client_for(manager).get(queue).status_code == 403
    assert [v["verdict"] for v in api_client_for(manager).get(f"/api/claims/{claim.id}/").json()["verifications"]] == [
        "supported",
        "mixed",
    ]


def test_claims_are_searched_by_words_and_near_duplicates_by_words(project, reviewer1, api_client_for, manager):
    # issue 12: both searches find the claim, in any word order; a word it lacks does not
    road = Claim.objects.create(
        project=project, text="اشتعلت مواجهات بين داعش وقوات النظام على طريق أثريا-الرقة", created_by=manager
    )
    api = api_client_for(reviewer1)
    url = f"/api/projects/{project.id}/claims/"
    for query in ("مواجهات داعش", "اشتعلت المواجهات", "داعش اشتعلت", "الرقة وقوات"):
        assert [c["id"] for c in api.get(url, {"q": query}).json()["results"]] == [road.id], query
    assert api.get(url, {"q": "مواجهات حلب"}).json()["results"] == []
    # near duplicates, word by word
    first = api.post(url, {"text": "اشتعلت المواجهات بين داعش وقوات النظام"}, format="json")
    assert first.status_code == 201
    near = api.post(url, {"text": "اندلعت مواجهات بين داعش و قوات النظام"}, format="json")
    assert near.status_code == 409 and [c["id"] for c in near.json()["similar"]] == [first.json()["id"]]
    similar = api.get(f"/api/projects/{project.id}/claims/similar/", {"text": "اندلعت مواجهات بين داعش و قوات النظام"})
    assert [c["id"] for c in similar.json()] == [first.json()["id"]]
