"""The exports API: managers only (403 for other members on the project, 404 on ids and for outsiders),
202 then the job's state, 409 while one runs, and downloads that cannot become a page of our origin."""

from __future__ import annotations

import hashlib
import json
from unittest import mock

import pytest

from annotations.models import ExportJob, JobStatus
from annotations.tasks import export_run_task
from tests.selectors.test_gold import gold  # noqa: F401


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def url(project):
    return f"/api/projects/{project.pk}/exports/"


def create(client, project, capture, body=None):
    with capture(execute=True):
        response = client.post(url(project), body or {"format": "jsonl"}, format="json")
    return response


def test_a_manager_exports_and_downloads(project, gold, manager, api_client_for, django_capture_on_commit_callbacks):
    client = api_client_for(manager)
    response = create(client, project, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    job = ExportJob.objects.get()
    # (outside tests the eager task runs when the service's transaction commits, before the answer)
    assert response.json() == {"id": job.pk, "status": "pending"}
    detail = client.get(f"/api/exports/{job.pk}/").json()
    assert detail["status"] == "done" and detail["progress"] == 1.0 and detail["format"] == "jsonl"
    assert detail["counts"]["documents"] == 2 and detail["sha256"] == job.sha256
    assert detail["download_url"] == f"http://testserver/api/exports/{job.pk}/download/"
    assert detail["manifest_url"].endswith("?file=manifest") and detail["requested_by"] == "manager"
    download = client.get(detail["download_url"])
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == detail["sha256"]
    assert download["Content-Type"] == "application/x-ndjson"
    assert download["Content-Disposition"] == f'attachment; filename="gold-badia-{job.pk}.jsonl"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox"
    manifest = client.get(detail["manifest_url"])
    assert manifest["Content-Type"] == "application/json"
    assert manifest["Content-Disposition"] == f'attachment; filename="gold-badia-{job.pk}.jsonl.manifest.json"'
    assert json.loads(b"".join(manifest.streaming_content))["files"][0]["sha256"] == detail["sha256"]
    card = client.get(detail["card_url"])
    assert card["Content-Type"] == "text/markdown; charset=utf-8" and card["Content-Security-Policy"] == "sandbox"
    assert card["Content-Disposition"] == f'attachment; filename="gold-badia-{job.pk}.jsonl.README.md"'
    assert client.get(f"{detail['download_url']}?file=../settings.py").json() == {
        "file": ["Choose data, manifest, card or audit."]
    }
    listed = client.get(url(project)).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == job.pk


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("conll", "text/plain; charset=utf-8", "conll"),
        ("web-annotation", "application/ld+json", "jsonld"),
        ("claimreview", "application/ld+json", "jsonld"),
        ("conll2003", "text/plain; charset=utf-8", "conll"),
        ("web-annotation-jsonl", "application/x-ndjson", "jsonl"),
    ],
)
def test_every_format_downloads_with_a_fixed_content_type(
    project, gold, manager, api_client_for, fmt, content_type, extension, django_capture_on_commit_callbacks
):
    client = api_client_for(manager)
    job_id = create(client, project, django_capture_on_commit_callbacks, {"format": fmt}).json()["id"]
    download = client.get(f"/api/exports/{job_id}/download/")
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"] == f'attachment; filename="gold-badia-{job_id}.{extension}"'
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Security-Policy"] == "sandbox"


def test_bad_input_is_a_400_with_field_messages(project, manager, api_client_for):
    client = api_client_for(manager)
    with mock.patch.object(export_run_task, "apply_async") as sent:
        bad = client.post(url(project), {"format": "xlsx"}, format="json")
        missing = client.post(url(project), {}, format="json")
        option = client.post(url(project), {"format": "jsonl", "include_majority": "maybe"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {
        "format": [
            "Unknown format 'xlsx'; choose one of: jsonl, conll, web-annotation, claimreview, csv, conll2003, "
            "web-annotation-jsonl."
        ]
    }
    assert missing.status_code == 400 and "format" in missing.json()
    assert option.status_code == 400 and "include_majority" in option.json()
    assert not ExportJob.objects.exists() and not sent.called


def test_a_second_export_while_one_runs_is_409_with_its_id(project, manager, api_client_for):
    running = ExportJob.objects.create(project=project, format="jsonl", status=JobStatus.RUNNING)
    with mock.patch.object(export_run_task, "apply_async") as sent:
        response = api_client_for(manager).post(url(project), {"format": "csv"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "An export for this project is already running.", "id": running.pk}
    assert ExportJob.objects.count() == 1 and not sent.called


def test_other_roles_get_403_and_nothing_is_created(project, reviewer1, adjudicator, outsider, api_client_for):
    with mock.patch.object(export_run_task, "apply_async") as sent:
        for user, expected in ((reviewer1, 403), (adjudicator, 403), (outsider, 404), (None, 401)):
            client = api_client_for(user)
            assert client.post(url(project), {"format": "jsonl"}, format="json").status_code == expected
            assert client.get(url(project)).status_code == expected
    assert not ExportJob.objects.exists() and not sent.called


def test_export_ids_of_others_are_404_whoever_walks_them(
    project, other_project, manager, reviewer1, adjudicator, outsider, api_client_for, export_root
):
    from tests.factories import MembershipFactory

    mine = ExportJob.objects.create(
        project=project, format="jsonl", status=JobStatus.DONE, file_name="gold-badia-1.jsonl"
    )
    theirs = ExportJob.objects.create(project=other_project, format="jsonl", status=JobStatus.DONE)
    MembershipFactory(project=other_project, user=reviewer1, role="reviewer")
    for user in (reviewer1, adjudicator, outsider):
        client = api_client_for(user)
        for path in (f"/api/exports/{mine.pk}/", f"/api/exports/{mine.pk}/download/"):
            response = client.get(path)
            assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    client = api_client_for(manager)
    for export_id in (theirs.pk, theirs.pk + 1, 10**12, 0):
        assert client.get(f"/api/exports/{export_id}/").status_code == 404
        assert client.get(f"/api/exports/{export_id}/download/").status_code == 404
    # a done export whose files are gone is a clear 404, never a 500
    gone = client.get(f"/api/exports/{mine.pk}/download/")
    assert gone.status_code == 404 and "no longer on the server" in gone.json()["detail"]


def test_ids_only_in_paths(project, manager, api_client_for):
    client = api_client_for(manager)
    for path in (
        "/api/exports/..%2F..%2Fsettings.py/",
        "/api/exports/..%2F..%2Fsettings.py/download/",
        "/api/exports/%2e%2e/download/",
        "/api/exports/1%2F..%2F2/",
        "/api/exports/-1/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_pending_export_cannot_be_downloaded_yet(project, manager, api_client_for):
    job = ExportJob.objects.create(project=project, format="jsonl", status=JobStatus.RUNNING, progress=0.4)
    client = api_client_for(manager)
    detail = client.get(f"/api/exports/{job.pk}/").json()
    assert detail["status"] == "running" and detail["progress"] == 0.4 and detail["download_url"] is None
    response = client.get(f"/api/exports/{job.pk}/download/")
    assert response.status_code == 409 and "running" in response.json()["detail"]


def test_a_failed_export_shows_its_error(project, manager, api_client_for):
    job = ExportJob.objects.create(
        project=project,
        format="jsonl",
        status=JobStatus.FAILED,
        error="The export could not be written: OSError: disk full",
    )
    detail = api_client_for(manager).get(f"/api/exports/{job.pk}/").json()
    assert detail["status"] == "failed" and detail["error"].endswith("disk full") and detail["download_url"] is None


def test_the_list_is_newest_first_with_a_bounded_number_of_queries(
    project, manager, api_client_for, django_assert_max_num_queries
):
    for fmt in ("jsonl", "csv", "conll"):
        ExportJob.objects.create(project=project, format=fmt, status=JobStatus.DONE, requested_by=manager)
    client = api_client_for(manager)
    with django_assert_max_num_queries(6):
        results = client.get(url(project)).json()["results"]
    assert [r["format"] for r in results] == ["conll", "csv", "jsonl"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"splits": "train=0.8,dev=0.3"}, "splits", "The fractions add up to 1.1, not 1."),
        ({"splits": "train"}, "splits", "'train' is not NAME=FRACTION (e.g. train=0.8,dev=0.1,test=0.1)."),
        ({"split_by_outlet": True}, "split_by_outlet", "Grouping by outlet needs splits."),
        ({"pseudonymize": "maybe"}, "pseudonymize", None),
        ({"utf16_offsets": [1]}, "utf16_offsets", None),
    ],
)
def test_bad_options_are_a_400_naming_the_field(project, manager, api_client_for, body, field, message):
    client = api_client_for(manager)
    with mock.patch.object(export_run_task, "apply_async") as sent:
        response = client.post(url(project), {"format": "jsonl", **body}, format="json")
    assert response.status_code == 400 and list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert not ExportJob.objects.exists() and not sent.called


def test_the_options_and_one_download_per_split(
    project, gold, manager, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(manager)
    body = {"format": "conll2003", "splits": "train=0.5,test=0.5", "pseudonymize": True, "utf16_offsets": True}
    job_id = create(client, project, django_capture_on_commit_callbacks, body).json()["id"]
    detail = client.get(f"/api/exports/{job_id}/").json()
    assert detail["options"] == {
        "include_majority": False,
        "splits": "train=0.5,test=0.5",
        "split_by_outlet": False,
        "pseudonymize": True,
        "utf16_offsets": True,
        "segment_clitics": False,
        "include_audit": False,
    }
    assert list(detail["split_urls"]) == ["train", "test"]
    manifest = json.loads(b"".join(client.get(detail["manifest_url"]).streaming_content))
    data = {item["split"]: item for item in manifest["files"] if item["role"] == "data"}
    for name, link in detail["split_urls"].items():
        download = client.get(link)
        assert download["Content-Disposition"] == f'attachment; filename="gold-badia-{job_id}.{name}.conll"'
        assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == data[name]["sha256"]
    assert client.get(f"{detail['download_url']}?file=dev").json() == {
        "file": ["Choose data, manifest, card or audit. Splits: train, test."]
    }


def test_segment_clitics_is_a_conll_option(project, manager, api_client_for):
    client = api_client_for(manager)
    with mock.patch.object(export_run_task, "apply_async"):
        wrong = client.post(url(project), {"format": "jsonl", "segment_clitics": True}, format="json")
        assert wrong.status_code == 400
        assert wrong.json() == {"segment_clitics": ["Only the conll format segments clitics."]}
        created = client.post(url(project), {"format": "conll", "segment_clitics": True}, format="json")
    assert created.status_code == 202
    assert ExportJob.objects.get(pk=created.json()["id"]).options == {
        "include_majority": False,
        "splits": None,
        "split_by_outlet": False,
        "pseudonymize": False,
        "utf16_offsets": False,
        "segment_clitics": True,
        "include_audit": False,
    }
