"""The agreement job through a real broker: a broker outage loses nothing; a real worker computes it."""

import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.agreement import krippendorff_alpha, token_values
from annotations.models import AgreementRun, AssignmentStatus, JobStatus, Span
from annotations.text.tokens import tokenize
from tests.services.test_agreement_runs import SPANS, annotated, two_documents  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_broker_down_the_submit_succeeds_and_the_run_waits(
    project, reviewer1, manager, document, broker, api_client_for
):
    # Redis down loses nothing: Redis unreachable; the reviewer's work is saved, the run is an outbox row.
    broker("redis://127.0.0.1:1/0")
    from annotations.services.assignments import assignment_open

    assignment = assignment_open(document=document, reviewer=reviewer1)
    client = api_client_for(reviewer1)
    assert (
        client.post(
            f"/api/assignments/{assignment.pk}/spans/", {"start": 0, "end": 2, "label": "actor"}, format="json"
        ).status_code
        == 201
    )
    started = time.monotonic()
    response = client.post(f"/api/assignments/{assignment.pk}/submit/")
    assert time.monotonic() - started < 30  # bounded publish retries, no hang
    assert response.status_code == 200
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED and Span.objects.filter(assignment=assignment).count() == 1
    run = AgreementRun.objects.get(project=project)
    assert run.status == JobStatus.PENDING and run.enqueued is False and run.reason == "submission"
    detail = api_client_for(manager).get(f"/api/agreement-runs/{run.pk}/")
    assert detail.status_code == 200 and detail.json()["status"] == "pending"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_a_real_worker_computes_a_run_requested_through_the_api(
    project,
    manager,
    annotated,
    broker,  # noqa: F811
    api_client_for,
    redis_url,
    celery_worker_process,
):
    AgreementRun.objects.all().delete()  # the submissions' runs were never sent (apply_async was mocked)
    worker = celery_worker_process
    try:
        broker(redis_url)
        client = api_client_for(manager)
        response = client.post(f"/api/projects/{project.id}/agreement-runs/")
        assert response.status_code == 202
        run_id = response.json()["id"]
        deadline = time.monotonic() + 90
        body = client.get(f"/api/agreement-runs/{run_id}/").json()
        while time.monotonic() < deadline and body["status"] not in ("done", "failed"):
            assert worker.poll() is None, worker.stop()
            time.sleep(0.3)
            body = client.get(f"/api/agreement-runs/{run_id}/").json()
        assert body["status"] == "done", body
        assert body["progress"] == 1 and body["error"] == "" and body["started_at"] and body["finished_at"]
        results = body["results"]
        assert results["unchanged"] is False and results["counts"]["assignments"] == 4
        # the worker's numbers are the pure functions' numbers
        users = annotated["users"]
        triples = [
            (users[name].pk, (doc, i), value)
            for doc, text in ((1, annotated["documents"][1].text), (2, annotated["documents"][2].text))
            for name in users
            for i, value in enumerate(token_values([(t.start, t.end) for t in tokenize(text)], SPANS[(doc, name)]))
        ]
        assert results["project"]["token_alpha"] == pytest.approx(krippendorff_alpha(triples), abs=1e-12)
        assert AgreementRun.objects.get(pk=run_id).enqueued

        # compute_agreement goes through the same worker when a broker is configured
        out = io.StringIO()
        call_command("compute_agreement", "--project", project.slug, "--timeout", "60", stdout=out)
        assert f"nothing changed since run {run_id}" in out.getvalue()
        assert AgreementRun.objects.filter(project=project, status=JobStatus.DONE).count() == 2
    finally:
        output = worker.stop()
    assert output.count("annotations.tasks.agreement_run_task") >= 2 and "succeeded" in output
