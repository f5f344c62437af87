"""The queue's invariants under real concurrency: 24 clients at once on PostgreSQL (no slot race breaks k;
a double submit is one submit)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from annotations.models import Assignment, AssignmentStatus, Document, Role
from annotations.services.queue import queue_check_invariants
from tests.conftest import require_service
from tests.factories import DocumentFactory, MembershipFactory, UserFactory

CLIENTS = 24
DOCUMENTS = 5

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def in_threads(functions):
    """Runs each function in its own thread (its own database connection), all released at once."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)
    errors = []

    def run(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # reported below with the failing thread's error
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def crowd(project):
    require_service("PostgreSQL", connection.vendor == "postgresql", "row locks need it; set DATABASE_URL")
    documents = [DocumentFactory(project=project, text=f"خبر رقم {n} عن هجوم في البادية") for n in range(DOCUMENTS)]
    reviewers = []
    for n in range(CLIENTS):
        user = UserFactory(username=f"crowd{n}")
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
        reviewers.append(user)
    return documents, reviewers


def test_24_concurrent_clients_never_exceed_k(project, crowd, api_client_for):
    documents, reviewers = crowd
    clients = [api_client_for(user) for user in reviewers]

    def take(client):
        return lambda: client.post(f"/api/projects/{project.id}/queue/next/")

    responses = in_threads([take(client) for client in clients])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: project.overlap_k * DOCUMENTS, 204: CLIENTS - project.overlap_k * DOCUMENTS}
    leased = [r.json() for r in responses if r.status_code == 200]
    assert len({a["id"] for a in leased}) == len(leased)  # every 200 is a distinct assignment
    per_document = Counter(a["document"]["id"] for a in leased)
    assert set(per_document.values()) == {project.overlap_k}
    assert queue_check_invariants(project) == []

    # half of the holders submit at once, a few of them twice (a double click): one 200, then 409s
    holders = [(client, r.json()["id"]) for client, r in zip(clients, responses, strict=True) if r.status_code == 200]
    submitters = holders[: len(holders) // 2]
    calls = [lambda c=c, a=a: c.post(f"/api/assignments/{a}/submit/") for c, a in submitters]
    calls += [lambda c=c, a=a: c.post(f"/api/assignments/{a}/submit/") for c, a in submitters[:3]]
    results = in_threads(calls)
    codes = Counter(r.status_code for r in results)
    assert codes == {200: len(submitters), 409: 3}
    assert Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).count() == len(submitters)

    # everyone asks again at once: nothing is left, and nothing is handed out twice
    again = in_threads([take(client) for client in clients])
    assert len(again) == len(clients)
    for response in again:
        assert response.status_code in (200, 204)
    assert queue_check_invariants(project) == []
    pairs = Assignment.objects.values_list("document_id", "reviewer_id")
    assert len(pairs) == len(set(pairs))
    for document in Document.objects.filter(project=project):
        holding = document.assignments.filter(status__in=[AssignmentStatus.LEASED, AssignmentStatus.SUBMITTED]).count()
        assert holding <= project.overlap_k
        assert document.assignments.filter(status=AssignmentStatus.SUBMITTED).count() <= project.overlap_k


def test_20_simultaneous_next_by_one_reviewer_give_one_lease(project, crowd, api_client_for):
    """A double (or twentyfold) click on "Next document": one lease, the same assignment for every call."""
    _, reviewers = crowd
    clients = [api_client_for(reviewers[0]) for _ in range(20)]
    responses = in_threads([lambda c=c: c.post(f"/api/projects/{project.id}/queue/next/") for c in clients])
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Assignment.objects.filter(reviewer=reviewers[0], status=AssignmentStatus.LEASED).count() == 1
    assert queue_check_invariants(project) == []


def test_a_quota_holds_under_simultaneous_calls(project, crowd, api_client_for):
    from annotations.models import Membership

    _, reviewers = crowd
    reviewer = reviewers[1]
    Membership.objects.filter(project=project, user=reviewer).update(quota=1)
    first = api_client_for(reviewer).post(f"/api/projects/{project.id}/queue/next/").json()
    assert api_client_for(reviewer).post(f"/api/assignments/{first['id']}/submit/").status_code == 200
    responses = in_threads([lambda: api_client_for(reviewer).post(f"/api/projects/{project.id}/queue/next/")] * 10)
    assert {r.status_code for r in responses} == {204}
    assert Assignment.objects.filter(reviewer=reviewer).count() == 1
