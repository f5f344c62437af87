"""Curation (issue 13): quoted-source grades follow spans into adjudication and every gold export; the
adjudication history (done, reopen with a reason); undo that keeps a span's links and grades."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotations.models import Claim, ExportJob, ReliabilityRating
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.spans import span_create


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def graded(project, document, reviewer1, reviewer2):
    """Two reviewers mark the same quoted source and grade it differently (B2, C3); both submit."""
    project.overlap_k = 2
    project.save(update_fields=["overlap_k"])
    spans = []
    for reviewer, (letter, credibility) in ((reviewer1, ("B", 2)), (reviewer2, ("C", 3))):
        assignment = assignment_open(document=document, reviewer=reviewer)
        span = span_create(assignment=assignment, start=0, end=4, label="actor")
        ReliabilityRating.objects.create(
            assignment=assignment, span=span, source_reliability=letter, credibility=credibility
        )
        assignment_submit(assignment=assignment)
        spans.append(span)
    document.refresh_from_db()
    return {"document": document, "spans": spans}


def export(client, project, fmt, capture) -> bytes:
    with capture(execute=True):
        job = client.post(f"/api/projects/{project.pk}/exports/", {"format": fmt}, format="json").json()
    assert ExportJob.objects.get(pk=job["id"]).status == "done"
    return b"".join(client.get(f"/api/exports/{job['id']}/download/").streaming_content)


def test_quoted_source_grades_reach_adjudication_and_every_export(
    project, graded, adjudicator, manager, api_client_for, django_capture_on_commit_callbacks
):
    document = graded["document"]
    judge = api_client_for(adjudicator)
    state = judge.get(f"/api/documents/{document.id}/adjudication/").json()
    [candidate] = state["candidates"]
    assert sorted((g["source_reliability"], g["credibility"]) for g in candidate["grades"]) == [("B", 2), ("C", 3)]
    added = judge.post(f"/api/documents/{document.id}/adjudication/accept-agreed/").json()["added"]
    assert added["spans"] == 1 and added["span_grades"] == 0  # the reviewers' grades differ: the adjudicator decides
    [gold] = judge.get(f"/api/documents/{document.id}/adjudication/").json()["gold"]["spans"]
    assert gold["reliability"] is None
    # accept reviewer1's grade (B2) for the quoted source
    put = judge.put(
        f"/api/gold-spans/{gold['id']}/reliability/", {"source_reliability": "B", "credibility": 2}, format="json"
    )
    assert put.status_code == 200, put.content
    bad = judge.put(
        f"/api/gold-spans/{gold['id']}/reliability/", {"source_reliability": "Z", "credibility": 2}, format="json"
    )
    assert bad.status_code == 400 and "source_reliability" in bad.json()
    [gold] = judge.get(f"/api/documents/{document.id}/adjudication/").json()["gold"]["spans"]
    assert gold["reliability"]["source_reliability"] == "B" and gold["reliability"]["decided_by"] == "adjudicator"
    assert judge.post(f"/api/documents/{document.id}/adjudication/finalize/").status_code == 200

    client = api_client_for(manager)
    capture = django_capture_on_commit_callbacks
    [line] = export(client, project, "jsonl", capture).decode().splitlines()
    record = json.loads(line)
    [span_grade] = [g for g in record["reliability"] if g["span"] is not None]
    assert record["spans"][span_grade["span"]]["text"] == document.text[0:4]
    assert span_grade["code"] == "B2" and span_grade["decided_by"] == "adjudicator"

    graph = json.loads(export(client, project, "web-annotation", capture))["@graph"]
    items = [item for page in graph for item in page.get("items", ())]
    assessing = [item for item in items if item["motivation"] == "assessing"]
    span_ids = {item["id"] for item in items if item["motivation"] not in ("assessing", "linking")}
    [on_span] = [a for a in assessing if isinstance(a["target"], str) and a["target"] in span_ids]
    assert on_span["body"]["value"] == "B2"

    rows = list(csv.DictReader(io.StringIO(export(client, project, "csv", capture).decode("utf-8-sig"))))
    assert [row["span_grade"] for row in rows] == ["B2"]


def test_grades_all_reviewers_agree_on_join_the_gold_in_one_action(graded, adjudicator, api_client_for):
    ReliabilityRating.objects.filter(span=graded["spans"][1]).update(source_reliability="B", credibility=2)
    document = graded["document"]
    added = api_client_for(adjudicator).post(f"/api/documents/{document.id}/adjudication/accept-agreed/").json()
    assert added["added"]["span_grades"] == 1
    assert added["gold"]["spans"][0]["reliability"]["source_reliability"] == "B"


def test_reviewers_cannot_set_gold_grades(graded, reviewer1, adjudicator, api_client_for):
    document = graded["document"]
    api_client_for(adjudicator).post(f"/api/documents/{document.id}/adjudication/accept-agreed/")
    [gold] = api_client_for(adjudicator).get(f"/api/documents/{document.id}/adjudication/").json()["gold"]["spans"]
    answer = api_client_for(reviewer1).put(
        f"/api/gold-spans/{gold['id']}/reliability/", {"source_reliability": "A", "credibility": 1}, format="json"
    )
    assert answer.status_code == 403


# --- History: done, next, reopen --------------------------------------------------------------------------
def test_finalized_documents_stay_listed_and_the_next_one_is_offered(
    project, graded, adjudicator, manager, reviewer1, reviewer2, api_client_for, client
):
    from tests.factories import DocumentFactory

    later = DocumentFactory(project=project)
    for reviewer in (reviewer1, reviewer2):
        assignment_submit(assignment=assignment_open(document=later, reviewer=reviewer))
    document = graded["document"]
    judge = api_client_for(adjudicator)
    finalized = judge.post(f"/api/documents/{document.id}/adjudication/finalize/").json()
    assert finalized["next"] == later.id
    done = judge.get(f"/api/projects/{project.id}/adjudication/done/").json()
    assert [(row["id"], row["adjudicator"]) for row in done["results"]] == [(document.id, "adjudicator")]
    assert done["results"][0]["decided_at"]
    assert judge.post(f"/api/documents/{later.id}/adjudication/finalize/").json()["next"] is None
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/adjudication/").content.decode()
    assert f'action="/adjudication/{document.id}/reopen/"' in page and "adjudicator" in page


def test_a_manager_reopens_with_a_reason_that_is_recorded(project, graded, adjudicator, manager, api_client_for):
    document = graded["document"]
    url = f"/api/documents/{document.id}/adjudication/reopen/"
    assert api_client_for(manager).post(url, {"reason": "too early"}, format="json").status_code == 409  # not final
    api_client_for(adjudicator).post(f"/api/documents/{document.id}/adjudication/finalize/")
    assert api_client_for(adjudicator).post(url, {"reason": "mine"}, format="json").status_code == 403
    missing = api_client_for(manager).post(url, {"reason": "   "}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    reopened = api_client_for(manager).post(url, {"reason": "the place label was misread"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    audit = api_client_for(manager).get(f"/api/projects/{project.id}/audit/", {"kind": "adjudication.reopened"}).json()
    [entry] = audit["results"]
    assert entry["after"]["reason"] == "the place label was misread" and entry["before"]["status"] == "final"
    assert entry["before"]["adjudicator"] == "adjudicator"
    # back in the queue, and the gold can change again
    queue = api_client_for(adjudicator).get(f"/api/projects/{project.id}/adjudication/").json()
    assert [row["id"] for row in queue["results"]] == [document.id]
    assert api_client_for(adjudicator).get(f"/api/projects/{project.id}/adjudication/done/").json()["count"] == 0
    added = api_client_for(adjudicator).post(
        f"/api/documents/{document.id}/adjudication/spans/", {"start": 5, "end": 9, "label": "place"}, format="json"
    )
    assert added.status_code == 201


# --- Undo keeps relations ---------------------------------------------------------------------------------
def test_undo_after_delete_restores_the_span_with_its_links_and_grade(
    project, document, reviewer1, reviewer2, manager, api_client_for
):
    assignment = assignment_open(document=document, reviewer=reviewer1)
    api = api_client_for(reviewer1)
    span = api.post(f"/api/assignments/{assignment.id}/spans/", {"start": 0, "end": 4, "label": "actor"}, format="json")
    span_id = span.json()["id"]
    claim = Claim.objects.create(project=project, text="هاجم داعش قوات النظام في البادية", created_by=manager)
    api.post(f"/api/spans/{span_id}/claim-links/", {"claim": claim.id, "stance": "refutes"}, format="json")
    api.put(
        f"/api/assignments/{assignment.id}/reliability/",
        {"source_reliability": "D", "credibility": 4, "span": span_id},
        format="json",
    )
    assert api.delete(f"/api/spans/{span_id}/").status_code == 204
    detail = api.get(f"/api/assignments/{assignment.id}/").json()
    assert detail["spans"] == [] and detail["ratings"] == []
    assert [row["span_count"] for row in api.get("/api/assignments/").json()["results"]] == [0]
    assert api.get(f"/api/claims/{claim.id}/").json()["evidence"] == []
    # the same span can be marked again meanwhile only as a new span; undo of that one would then conflict
    restored = api.post(f"/api/spans/{span_id}/restore/")
    assert restored.status_code == 200
    body = restored.json()
    assert body["id"] == span_id and [(link["claim"], link["stance"]) for link in body["claim_links"]] == [
        (claim.id, "refutes")
    ]
    assert [(r["source_reliability"], r["credibility"]) for r in body["ratings"]] == [("D", 4)]
    detail = api.get(f"/api/assignments/{assignment.id}/").json()
    assert [s["id"] for s in detail["spans"]] == [span_id] and detail["spans"][0]["claim_links"][0]["claim"] == claim.id
    assert [r["span"] for r in detail["ratings"]] == [span_id]
    kinds = [e["kind"] for e in api_client_for(manager).get(f"/api/projects/{project.id}/audit/").json()["results"]]
    assert "span.restored" in kinds and "span.deleted" in kinds
    # others cannot restore it, and a deleted span of another reviewer stays unknown
    assert api_client_for(reviewer2).post(f"/api/spans/{span_id}/restore/").status_code == 404


def test_a_deleted_span_is_ignored_and_its_twin_can_be_made_again(project, document, reviewer1, api_client_for):
    assignment = assignment_open(document=document, reviewer=reviewer1)
    api = api_client_for(reviewer1)
    body = {"start": 0, "end": 4, "label": "actor"}
    first = api.post(f"/api/assignments/{assignment.id}/spans/", body, format="json").json()["id"]
    api.delete(f"/api/spans/{first}/")
    again = api.post(f"/api/assignments/{assignment.id}/spans/", body, format="json")
    assert again.status_code == 201 and again.json()["id"] != first  # the unique rule ignores deleted spans
    assert api.post(f"/api/spans/{first}/restore/").status_code == 409  # an identical live span exists
    assert api.patch(f"/api/spans/{first}/", {"version": 2, "label": "place"}, format="json").status_code == 404
    api.delete(f"/api/spans/{again.json()['id']}/")
    kept = api.post(f"/api/assignments/{assignment.id}/spans/", {"start": 5, "end": 9, "label": "place"}, format="json")
    assignment_submit(assignment=assignment)
    from annotations.selectors.adjudication import submitted_spans
    from annotations.selectors.agreement import agreement_documents, agreement_input

    # adjudication and agreement read only the live span
    assert [s.id for s in submitted_spans(document)] == [kept.json()["id"]]
    [work] = list(agreement_documents(project, agreement_input(project)))
    assert work.spans == {reviewer1.pk: [(5, 9, "place")]}


# --- Every candidate ends accepted, rejected or edited ----------------------------------------------------
def test_candidates_are_grouped_by_agreement_and_end_decided(graded, reviewer1, adjudicator, api_client_for):
    document = graded["document"]
    judge = api_client_for(adjudicator)
    # reviewer1 also marked a place nobody else did (added to the submitted work for the test)
    from annotations.models import Span

    place = Span.objects.create(
        assignment=graded["spans"][0].assignment,
        label=graded["spans"][0].label.project.label_types.get(name="place"),
        start=5,
        end=9,
        text=document.text[5:9],
    )
    state = judge.get(f"/api/documents/{document.id}/adjudication/").json()
    by_key = {(c["start"], c["end"], c["label"]): c for c in state["candidates"]}
    assert by_key[(0, 4, "actor")]["agreement"] == "all" and by_key[(5, 9, "place")]["agreement"] == "one"
    assert state["undecided"] == 2 and {c["status"] for c in state["candidates"]} == {"undecided"}
    url = f"/api/documents/{document.id}/adjudication/"
    rejected = judge.post(f"{url}rejections/", {"start": 5, "end": 9, "label": "place"}, format="json")
    assert rejected.status_code == 201
    assert judge.post(f"{url}rejections/", {"start": 1, "end": 9, "label": "place"}, format="json").status_code == 400
    gold = judge.post(f"{url}spans/", {"start": 0, "end": 4, "label": "actor"}, format="json").json()
    # edit a boundary (Shift+arrow in the page) and relabel: the candidate counts as edited
    moved = judge.patch(f"/api/gold-spans/{gold['id']}/", {"end": 5}, format="json")
    assert moved.status_code == 200 and moved.json()["decision"] == "edited" and moved.json()["end"] == 5
    bad = judge.patch(f"/api/gold-spans/{gold['id']}/", {"end": 100000}, format="json")
    assert bad.status_code == 400
    state = judge.get(url).json()
    statuses = {(c["start"], c["label"]): c["status"] for c in state["candidates"]}
    assert statuses == {(0, "actor"): "edited", (5, "place"): "rejected"} and state["undecided"] == 0
    # accepting a rejected candidate takes the rejection back
    judge.post(f"{url}spans/", {"start": 5, "end": 9, "label": "place"}, format="json")
    statuses = {(c["start"], c["label"]): c["status"] for c in judge.get(url).json()["candidates"]}
    assert statuses[(5, "place")] == "accepted"
    assert place.pk in [s for c in judge.get(url).json()["candidates"] for s in c["spans"]]


# --- Span comments and document flags ---------------------------------------------------------------------
def test_notes_and_flags_reach_the_adjudicator_and_the_export_but_no_other_reviewer(
    project, document, reviewer1, reviewer2, adjudicator, manager, api_client_for, django_capture_on_commit_callbacks
):
    project.overlap_k = 2
    project.save(update_fields=["overlap_k"])
    first = assignment_open(document=document, reviewer=reviewer1)
    api1 = api_client_for(reviewer1)
    span = api1.post(f"/api/assignments/{first.id}/spans/", {"start": 0, "end": 4, "label": "actor"}, format="json")
    span_id = span.json()["id"]
    note = api1.post(f"/api/spans/{span_id}/comments/", {"text": "NOTE-R1 منقول عن وكالة"}, format="json")
    assert note.status_code == 201
    assert api1.post(f"/api/spans/{span_id}/comments/", {"text": "  "}, format="json").status_code == 400
    flagged = api1.post(f"/api/assignments/{first.id}/flags/", {"kind": "duplicate", "note": "FLAG-R1"}, format="json")
    assert flagged.status_code == 201
    bad = api1.post(f"/api/assignments/{first.id}/flags/", {"kind": "boring"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    mine = api1.get(f"/api/assignments/{first.id}/").json()
    assert [c["text"] for c in mine["comments"]] == ["NOTE-R1 منقول عن وكالة"]
    assert [f["kind"] for f in mine["flags"]] == ["duplicate"]
    assignment_submit(assignment=first)
    assert api1.post(f"/api/spans/{span_id}/comments/", {"text": "late"}, format="json").status_code == 409

    # blind review: reviewer2, still drafting, sees none of it anywhere
    second = assignment_open(document=document, reviewer=reviewer2)
    api2 = api_client_for(reviewer2)
    for url in (f"/api/assignments/{second.id}/", f"/api/assignments/{first.id}/", f"/api/spans/{span_id}/comments/"):
        body = api2.get(url).content.decode()
        assert "NOTE-R1" not in body and "FLAG-R1" not in body, url
    assert api2.post(f"/api/spans/{span_id}/comments/", {"text": "x"}, format="json").status_code == 404
    assignment_submit(assignment=second)

    state = api_client_for(adjudicator).get(f"/api/documents/{document.id}/adjudication/").json()
    assert [(n["span"], n["text"]) for n in state["notes"]] == [(span_id, "NOTE-R1 منقول عن وكالة")]
    assert [(f["kind"], f["note"]) for f in state["flags"]] == [("duplicate", "FLAG-R1")]
    api_client_for(adjudicator).post(f"/api/documents/{document.id}/adjudication/finalize/")
    [line] = export(api_client_for(manager), project, "jsonl", django_capture_on_commit_callbacks).decode().splitlines()
    notes = json.loads(line)["review_notes"]
    assert {"kind": "duplicate", "note": "FLAG-R1", "start": None, "end": None, "label": None} in notes
    assert {"kind": "comment", "note": "NOTE-R1 منقول عن وكالة", "start": 0, "end": 4, "label": "actor"} in notes
