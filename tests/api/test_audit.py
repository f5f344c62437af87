"""The audit trail: every change recorded with who, when, before and after, in the same transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import AuditEntry
from annotations.services.assignments import assignment_open
from tests.factories import DocumentFactory

TEXT = "قتل 30 عسكرياً في بادية الرصافة على يد تنظيم داعش."


@pytest.fixture
def assignment(project, reviewer1):
    return assignment_open(document=DocumentFactory(project=project, text=TEXT), reviewer=reviewer1)


def audit(client, project, **params):
    response = client.get(f"/api/projects/{project.id}/audit/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_reviewers_span_create_relabel_and_delete_with_before_and_after(
    project, assignment, reviewer1, manager, api_client_for
):
    reviewer = api_client_for(reviewer1)
    start = TEXT.index("داعش")
    span = reviewer.post(
        f"/api/assignments/{assignment.id}/spans/", {"start": start, "end": start + 4, "label": "place"}, format="json"
    ).json()
    reviewer.patch(f"/api/spans/{span['id']}/", {"version": 1, "label": "actor"}, format="json")
    assert reviewer.delete(f"/api/spans/{span['id']}/").status_code == 204

    body = audit(api_client_for(manager), project)
    entries = [e for e in body["results"] if e["kind"].startswith("span.")]
    assert [e["kind"] for e in entries] == ["span.deleted", "span.changed", "span.created"]  # newest first
    deleted, changed, created = entries
    values = {"start": start, "end": start + 4, "text": "داعش"}
    assert created["after"] == {**values, "label": "place"} and created["before"] is None
    assert changed["before"] == {**values, "label": "place"} and changed["after"] == {**values, "label": "actor"}
    assert deleted["before"] == {**values, "label": "actor"} and deleted["after"] is None
    assert {e["actor"] for e in entries} == {"reviewer1"}
    assert {e["document"] for e in entries} == {assignment.document_id}
    assert {e["object_id"] for e in entries} == {span["id"]}


def test_reviewers_and_adjudicators_get_403(project, assignment, reviewer1, adjudicator, api_client_for):
    for user in (reviewer1, adjudicator):
        assert api_client_for(user).get(f"/api/projects/{project.id}/audit/").status_code == 403


def test_a_refused_change_leaves_no_entry(project, assignment, reviewer1, api_client_for):
    reviewer = api_client_for(reviewer1)
    bad = reviewer.post(
        f"/api/assignments/{assignment.id}/spans/", {"start": 0, "end": 999, "label": "place"}, format="json"
    )
    assert bad.status_code == 400
    assert not AuditEntry.objects.filter(kind__startswith="span.").exists()


def test_filters_and_pagination(project, assignment, reviewer1, reviewer2, manager, api_client_for):
    reviewer = api_client_for(reviewer1)
    for word in ("داعش", "بادية", "الرصافة"):
        start = TEXT.index(word)
        reviewer.post(
            f"/api/assignments/{assignment.id}/spans/",
            {"start": start, "end": start + len(word), "label": "place"},
            format="json",
        )
    reviewer.put(
        f"/api/assignments/{assignment.id}/reliability/", {"source_reliability": "B", "credibility": 2}, format="json"
    )
    reviewer.post(f"/api/assignments/{assignment.id}/submit/")
    mgr = api_client_for(manager)
    assert audit(mgr, project, kind="span.created")["count"] == 3
    assert audit(mgr, project, user="reviewer2")["count"] == 0
    assert audit(mgr, project, user="reviewer1")["count"] == 5
    assert [e["kind"] for e in audit(mgr, project, kind="reliability.set")["results"]] == ["reliability.set"]
    assert audit(mgr, project, kind="assignment.submitted")["results"][0]["after"]["status"] == "submitted"
    assert audit(mgr, project, document=assignment.document_id)["count"] == 5
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert audit(mgr, project, since=later)["count"] == 0
    page = audit(mgr, project, page_size=2)
    assert len(page["results"]) == 2 and page["next"]


@pytest.mark.parametrize(
    "params, field",
    [({"kind": "span.exploded"}, "kind"), ({"since": "yesterday"}, "since"), ({"document": "x"}, "document")],
)
def test_bad_filters_are_field_400s(project, manager, api_client_for, params, field):
    response = api_client_for(manager).get(f"/api/projects/{project.id}/audit/", params)
    assert response.status_code == 400 and field in response.json()


def test_queue_and_adjudication_are_recorded(project, reviewer1, reviewer2, adjudicator, manager, api_client_for):
    from annotations.models import Assignment
    from annotations.services.queue import leases_expire

    DocumentFactory(project=project, text=TEXT)
    taken = api_client_for(reviewer1).post(f"/api/projects/{project.id}/queue/next/").json()
    Assignment.objects.filter(pk=taken["id"]).update(lease_expires_at=timezone.now() - timedelta(minutes=1))
    leases_expire(project=project)
    second = api_client_for(reviewer2).post(f"/api/projects/{project.id}/queue/next/").json()
    api_client_for(reviewer2).post(f"/api/assignments/{second['id']}/skip/", {"reason": "off topic"}, format="json")
    kinds = [(e["kind"], e["actor"]) for e in audit(api_client_for(manager), project)["results"]]
    assert kinds == [
        ("assignment.skipped", "reviewer2"),
        ("assignment.leased", "reviewer2"),
        ("assignment.expired", None),
        ("assignment.leased", "reviewer1"),
    ]


def test_the_audit_page_lists_entries_for_managers(project, assignment, reviewer1, manager, client, api_client_for):
    start = TEXT.index("داعش")
    api_client_for(reviewer1).post(
        f"/api/assignments/{assignment.id}/spans/", {"start": start, "end": start + 4, "label": "place"}, format="json"
    )
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/audit/?kind=span.created").content.decode()
    assert "span.created" in page and "reviewer1" in page and "داعش" in page
    empty = client.get(f"/projects/{project.slug}/audit/?user=nobody").content.decode()
    assert "No change matches these filters yet" in empty
