"""The agreement-run API: managers only, 202 + debounce, IDOR-proof ids, blind review, CSV download."""

import csv
import io
from unittest import mock

import pytest

from annotations.models import AgreementRun, JobStatus, LabelType
from annotations.services import agreement_runs
from annotations.services.agreement_runs import agreement_run_execute, agreement_run_request
from annotations.tasks import agreement_run_task
from tests.factories import DocumentFactory, LabelTypeFactory, MembershipFactory, ProjectFactory
from tests.services.test_agreement_runs import SPANS, TEXT_1, annotate, assign, run_now


def runs_url(project):
    return f"/api/projects/{project.id}/agreement-runs/"


@pytest.fixture
def submitted(project, reviewer1, reviewer2):
    """reviewer1 and reviewer2 submitted one document; reviewer1 used a label only they know."""
    document = DocumentFactory(project=project, text=TEXT_1)
    LabelTypeFactory(project=project, name="secret_label_of_reviewer1", hotkey="9")
    with mock.patch.object(agreement_run_task, "apply_async"):
        annotate(assign(document, reviewer1), [*SPANS[(1, "reviewer1")], (0, 3, "secret_label_of_reviewer1")])
        annotate(assign(document, reviewer2), SPANS[(1, "reviewer2")])
    AgreementRun.objects.all().delete()  # the submissions' own runs never ran here
    return document


@pytest.mark.django_db(transaction=True)
def test_a_manager_requests_a_run_202_and_one_message_after_commit(project, manager, api_client_for, submitted):
    client = api_client_for(manager)
    with mock.patch.object(agreement_run_task, "apply_async") as apply_async:
        response = client.post(runs_url(project))
        assert response.status_code == 202
        body = response.json()
        assert set(body) >= {"id", "status"} and body["status"] == "pending"
        run = AgreementRun.objects.get(pk=body["id"])
        assert run.project == project and run.requested_by == manager and run.reason == "manual" and run.enqueued
        apply_async.assert_called_once_with(args=(run.pk,))

        # debounced: the pending run again, 202, no new row or message
        again = client.post(runs_url(project))
        assert again.status_code == 202 and again.json()["id"] == run.pk
        assert apply_async.call_count == 1 and AgreementRun.objects.count() == 1


def test_the_run_executes_and_its_results_are_read_back(project, manager, api_client_for, submitted):
    client = api_client_for(manager)
    with mock.patch.object(agreement_run_task, "apply_async"):
        run_id = client.post(runs_url(project)).json()["id"]
    pending = client.get(f"/api/agreement-runs/{run_id}/").json()
    assert pending["status"] == "pending" and pending["results"] == {} and pending["progress"] == 0
    agreement_run_execute(run_id=run_id)
    body = client.get(f"/api/agreement-runs/{run_id}/").json()
    assert set(body) >= {
        "id",
        "status",
        "progress",
        "results",
        "error",
        "timings",
        "created_at",
        "started_at",
        "finished_at",
        "input_fingerprint",
    }
    assert body["status"] == "done" and body["progress"] == 1 and body["error"] == ""
    assert (
        body["results"]["project"]["token_alpha"]
        == AgreementRun.objects.get(pk=run_id).results["project"]["token_alpha"]
    )
    assert body["finished_at"] and len(body["input_fingerprint"]) == 64


def test_reviewers_and_adjudicators_may_not_request_runs(project, reviewer1, adjudicator, outsider, api_client_for):
    # No role escalation: a reviewer gets 403, no row, no message; another project's manager: 404; nobody: 401.
    with mock.patch.object(agreement_run_task, "apply_async") as apply_async:
        for user, expected in ((reviewer1, 403), (adjudicator, 403), (outsider, 404), (None, 401)):
            response = api_client_for(user).post(runs_url(project))
            assert response.status_code == expected, user
        assert api_client_for(reviewer1).post(runs_url(project)).json() == {
            "detail": "You do not have permission to perform this action."
        }
    assert apply_async.call_count == 0
    assert not AgreementRun.objects.exists()


def test_the_list_is_newest_first_with_summaries_only(
    project, manager, api_client_for, submitted, django_assert_max_num_queries
):
    first = run_now(project)
    AgreementRun.objects.filter(pk=first.pk).update(input_fingerprint="")  # make the next one compute
    second = run_now(project)
    with mock.patch.object(agreement_run_task, "apply_async"):
        third = agreement_run_request(project=project)
    client = api_client_for(manager)
    with django_assert_max_num_queries(8):
        response = client.get(runs_url(project))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and set(body) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in body["results"]] == [third.pk, second.pk, first.pk]
    assert "results" not in body["results"][0]
    assert body["results"][1]["summary"]["token_alpha"] == second.results["summary"]["token_alpha"]
    assert body["results"][0]["summary"] == {} and body["results"][0]["status"] == "pending"
    assert client.get(runs_url(project) + "?page_size=1").json()["next"]


def test_run_ids_of_other_projects_and_lower_roles_are_404(
    project, manager, reviewer1, adjudicator, outsider, api_client_for, submitted
):
    # No IDOR across projects, walking ids; one 404 for missing and forbidden.
    mine = run_now(project)
    other_project = ProjectFactory(slug="elsewhere", name="مشروع آخر")
    theirs = AgreementRun.objects.create(
        project=other_project, status=JobStatus.DONE, results={"summary": {"token_alpha": 0.123456}}
    )
    MembershipFactory(project=other_project, user=manager, role="reviewer")
    client = api_client_for(manager)
    for run_id in (theirs.pk, theirs.pk + 1, mine.pk - 1, 0, 999999):
        for suffix in ("", "results.csv"):
            response = client.get(f"/api/agreement-runs/{run_id}/{suffix}")
            assert response.status_code == 404, (run_id, suffix)
            assert response.json() == {"detail": "Not found."}
    assert client.get(f"/api/projects/{other_project.id}/agreement-runs/").status_code == 403
    for user in (outsider, reviewer1, adjudicator):
        response = api_client_for(user).get(f"/api/agreement-runs/{mine.pk}/")
        assert response.status_code == 404 and b"token_alpha" not in response.content
    assert api_client_for(None).get(f"/api/agreement-runs/{mine.pk}/").status_code == 401
    assert api_client_for(outsider).get(runs_url(project)).status_code == 404


def test_blind_review_no_reviewer_reads_another_reviewers_labels(project, reviewer2, api_client_for, submitted):
    # Blind review: results compare reviewers' labels, so they are for managers alone.
    run = run_now(project)
    assert "secret_label_of_reviewer1" in str(run.results)
    client = api_client_for(reviewer2)
    for url in (f"/api/agreement-runs/{run.pk}/", f"/api/agreement-runs/{run.pk}/results.csv", runs_url(project)):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"secret_label_of_reviewer1" not in response.content and b"reviewer1" not in response.content


def test_a_failed_run_is_visible_with_its_error(project, manager, api_client_for, submitted):
    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project)
    failure = ValueError("a span must be (start, end, label)")
    with mock.patch.object(agreement_runs, "batch_pieces", side_effect=failure):
        agreement_run_execute(run_id=run.pk)
    body = api_client_for(manager).get(f"/api/agreement-runs/{run.pk}/").json()
    assert body["status"] == "failed"
    assert body["error"] == "Agreement could not be computed: ValueError: a span must be (start, end, label)"
    assert body["finished_at"] and body["results"] == {}


def test_results_csv_is_an_attachment_with_every_table_and_neutralized_formulas(
    project, manager, api_client_for, submitted
):
    # A served file never becomes HTML, and formulas are neutralized: a fixed content type, attachment, sandboxed;
    # formulas start with '.
    LabelType.objects.filter(project=project, name="place").update(name='=HYPERLINK("http://evil","x")')
    run = run_now(project)
    response = api_client_for(manager).get(f"/api/agreement-runs/{run.pk}/results.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="agreement-{project.slug}-{run.pk}.csv"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == "sandbox"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    titles = [row[0] for row in rows if row and row[0].startswith("# ")]
    assert titles == ["# project", "# labels", "# reviewer pairs", "# documents"]
    project_rows = {row[0]: row for row in rows if len(row) == 3}
    assert float(project_rows["token_alpha"][1]) == pytest.approx(run.results["project"]["token_alpha"], abs=1e-6)
    labels = [
        row[0]
        for row in rows[
            rows.index(["label", "token_alpha", "exact_f1", "overlap_f1", "spans", "undefined because"]) + 1 :
        ]
        if row
    ][:4]
    assert '\'=HYPERLINK("http://evil","x")' in labels
    assert [row[:2] for row in rows if row[:2] == ["reviewer1", "reviewer2"]][0] == ["reviewer1", "reviewer2"]
    # no verifier judged a claim yet: the verdict row says why its alpha is missing
    assert any(row[0] == "verdict_alpha" and row[1] == "" and "undefined" in row[2] for row in rows if len(row) == 3)
