"""DELETE /api/documents/{id}/ archives (out of queues and exports, history kept); restore; release a lease."""

from annotations.models import Assignment, AssignmentStatus, AuditEntry, Document
from annotations.selectors.gold import gold_count
from annotations.services.queue import assignment_lease_next
from tests.factories import DocumentFactory


def test_archive_leaves_the_queue_releases_leases_and_restore_undoes_it(
    project, manager, adjudicator, reviewer1, reviewer2, api_client_for
):
    held = DocumentFactory(project=project)
    lease = assignment_lease_next(project=project, reviewer=reviewer1)
    assert lease.document_id == held.id
    for user in (reviewer1, adjudicator):
        assert api_client_for(user).delete(f"/api/documents/{held.id}/").status_code == 403
    response = api_client_for(manager).delete(f"/api/documents/{held.id}/")
    assert response.status_code == 200 and response.json()["archived_at"]
    assert Assignment.objects.get(pk=lease.pk).status == AssignmentStatus.EXPIRED
    assert Document.objects.filter(pk=held.pk).exists()  # kept, with its history
    assert assignment_lease_next(project=project, reviewer=reviewer2) is None  # out of the queue
    assert AuditEntry.objects.filter(kind="document.archived", document=held).exists()
    response = api_client_for(manager).post(f"/api/documents/{held.id}/restore/")
    assert response.status_code == 200 and response.json()["archived_at"] is None
    assert assignment_lease_next(project=project, reviewer=reviewer2).document_id == held.id


def test_archived_documents_leave_exports(project, manager, adjudicator):
    from django.utils import timezone

    from annotations.models import Adjudication, AdjudicationStatus

    document = DocumentFactory(project=project)
    Adjudication.objects.create(
        document=document, adjudicator=adjudicator, status=AdjudicationStatus.FINAL, decided_at=timezone.now()
    )
    assert gold_count(project) == 1
    Document.objects.filter(pk=document.pk).update(archived_at=timezone.now())
    assert gold_count(project) == 0


def test_release_a_lease(project, manager, adjudicator, reviewer1, api_client_for):
    DocumentFactory(project=project)
    lease = assignment_lease_next(project=project, reviewer=reviewer1)
    url = f"/api/assignments/{lease.id}/release/"
    assert api_client_for(reviewer1).post(url).status_code == 403
    assert api_client_for(adjudicator).post(url).status_code == 403
    response = api_client_for(manager).post(url)
    assert response.json() == {"id": lease.id, "status": "expired", "released": True}
    assert api_client_for(manager).post(url).json()["released"] is False
    lease.document.refresh_from_db()
    assert lease.document.slots_taken == 0
