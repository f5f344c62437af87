"""Web import (POST /api/projects/{id}/imports/ -> a job; GET /api/imports/{id}/), its refusals, and the
suggestions (predictions) a JSONL file may carry: a reviewer accepts or rejects each one."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Assignment, Document, ImportJob, Prediction, PredictionReview, Span
from annotations.services.queue import assignment_lease_next

ARTICLE = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام في بادية حمص الشرقية"
OTHER = "قُتل ثلاثون عنصراً من قوات النظام في هجوم على طريق السخنة وتدمر"


def jsonl(*objects) -> bytes:
    return "\n".join(json.dumps(obj, ensure_ascii=False) for obj in objects).encode()


def upload(client, project, name, data, capture):
    with capture(execute=True):
        return client.post(
            f"/api/projects/{project.id}/imports/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
        )


def job_of(client, response):
    assert response.status_code == 202, response.content
    body = client.get(f"/api/imports/{response.json()['id']}/").json()
    return body


def test_jsonl_with_bad_lines_imports_nothing_and_lists_every_one(
    project, manager, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(manager)
    data = (
        jsonl(
            {"text": ARTICLE, "title": "هجوم"},
            {"title": "no text"},
            {"text": "قصير"},
            {"text": OTHER, "spans": [{"start": 0, "end": 4, "label": "weapon"}]},
            {"text": OTHER + " ثانية", "spans": [{"start": 5, "end": 999, "label": "actor"}]},
        )
        + b"\n{broken"
    )
    body = job_of(client, upload(client, project, "news.jsonl", data, django_capture_on_commit_callbacks))
    assert body["status"] == "failed"
    assert [error["line"] for error in body["errors"]] == [2, 3, 4, 5, 6]
    messages = {error["line"]: error["message"] for error in body["errors"]}
    assert "text" in messages[2]
    assert "at least 20" in messages[3]
    assert "'weapon' is not a label" in messages[4]
    assert "end" in messages[5]
    assert "invalid JSON" in messages[6]
    assert body["counts"] == {"imported": 0, "duplicates": 0, "rejected": 5, "predictions": 0}
    assert "5 bad line(s)" in body["error"]
    assert not Document.objects.filter(project=project).exists()  # all or nothing
    assert ImportJob.objects.get(pk=body["id"]).data == b""  # the upload is not kept


def test_good_jsonl_imports_with_progress_and_suggestions(
    project, manager, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(manager)
    data = jsonl(
        {"text": ARTICLE, "spans": [{"start": 0, "end": 2, "label": "actor", "score": 0.9}]},
        {"text": OTHER},
        {"text": OTHER},  # a duplicate of the line before
    )
    body = job_of(client, upload(client, project, "news.jsonl", data, django_capture_on_commit_callbacks))
    assert body["status"] == "done" and body["progress"] == 1.0 and body["errors"] == []
    assert body["counts"] == {"imported": 2, "duplicates": 1, "rejected": 0, "predictions": 1}
    prediction = Prediction.objects.get()
    assert (prediction.start, prediction.end, prediction.label.name, prediction.text) == (0, 2, "actor", "شن")
    listed = client.get(f"/api/projects/{project.id}/imports/").json()
    assert listed["count"] == 1


def test_csv_and_zip_and_txt(project, manager, api_client_for, django_capture_on_commit_callbacks):
    client = api_client_for(manager)
    csv_data = f'title,text\n"هجوم","{ARTICLE}"\n'.encode()
    body = job_of(client, upload(client, project, "news.csv", csv_data, django_capture_on_commit_callbacks))
    assert body["counts"]["imported"] == 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", OTHER)
        archive.writestr("b.txt", OTHER + " مرة أخرى")
    body = job_of(client, upload(client, project, "news.zip", buffer.getvalue(), django_capture_on_commit_callbacks))
    assert body["counts"]["imported"] == 2, body
    body = job_of(
        client,
        upload(client, project, "one.txt", (ARTICLE + " جديد").encode(), django_capture_on_commit_callbacks),
    )
    assert body["counts"]["imported"] == 1
    assert Document.objects.filter(project=project).count() == 4
    no_text_column = job_of(
        client, upload(client, project, "bad.csv", b"title\nx\n", django_capture_on_commit_callbacks)
    )
    assert no_text_column["errors"] == [{"line": 1, "message": 'the header row has no "text" column'}]


def zip_of(names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, ARTICLE)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("news.jsonl", b"", "empty"),
        ("news.jsonl", b"   \n", "empty"),
        ("news.txt", "نص".encode("cp1256"), "not UTF-8"),
        ("news.pdf", b"%PDF-1.4", "only .txt, .jsonl, .csv and .zip"),
        ("news.zip", zip_of(["../../etc/passwd.txt"]), "outside the archive"),
        ("news.zip", zip_of(["/abs.txt"]), "outside the archive"),
        ("news.zip", zip_of([f"{n}.txt" for n in range(4)]), "the limit is 3"),
        ("news.zip", zip_of(["a.exe"]), "not a .txt"),
        ("news.zip", b"PK not really", "not a readable .zip"),
    ],
)
def test_whole_file_refusals_are_400_and_create_no_job(project, manager, api_client_for, settings, name, data, message):
    settings.IMPORT_MAX_ZIP_MEMBERS = 3
    client = api_client_for(manager)
    response = client.post(
        f"/api/projects/{project.id}/imports/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not ImportJob.objects.exists()


def test_too_large_is_413_naming_the_limit(project, manager, api_client_for, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = api_client_for(manager).post(
        f"/api/projects/{project.id}/imports/",
        {"file": SimpleUploadedFile("big.txt", ARTICLE.encode() * 20)},
        format="multipart",
    )
    assert response.status_code == 413
    assert "1,000 bytes" in response.json()["detail"] and response.json()["limit"] == 1000
    assert not ImportJob.objects.exists()


def test_minimum_length_is_configurable(project, manager, api_client_for, settings, django_capture_on_commit_callbacks):
    settings.DOCUMENT_MIN_CHARS = 200
    client = api_client_for(manager)
    body = job_of(client, upload(client, project, "a.txt", ARTICLE.encode(), django_capture_on_commit_callbacks))
    assert body["status"] == "failed" and "at least 200" in body["errors"][0]["message"]


def test_missing_file_and_roles(project, manager, adjudicator, reviewer1, outsider, api_client_for):
    url = f"/api/projects/{project.id}/imports/"
    assert api_client_for(manager).post(url, {}, format="multipart").json() == {"file": ["No file was submitted."]}
    for user, expected in ((reviewer1, 403), (adjudicator, 403), (outsider, 404)):
        response = api_client_for(user).post(url, {"file": SimpleUploadedFile("a.txt", b"x")}, format="multipart")
        assert response.status_code == expected
        assert api_client_for(user).get(url).status_code == expected
    job = ImportJob.objects.create(project=project, file_name="a.txt", status="done")
    for user in (reviewer1, adjudicator, outsider):
        assert api_client_for(user).get(f"/api/imports/{job.id}/").status_code == 404


def test_a_second_import_while_one_runs_is_409(project, manager, api_client_for):
    running = ImportJob.objects.create(project=project, file_name="a.txt", status="running")
    response = api_client_for(manager).post(
        f"/api/projects/{project.id}/imports/",
        {"file": SimpleUploadedFile("b.txt", ARTICLE.encode())},
        format="multipart",
    )
    assert response.status_code == 409 and response.json()["id"] == running.id


def test_import_articles_command_reads_csv_and_zip_through_the_same_service(project, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "news.csv"
    path.write_text(f"text,title\n{ARTICLE},هجوم\n", encoding="utf-8")
    call_command("import_articles", "--project", "badia", str(path))
    assert Document.objects.get(project=project).title == "هجوم"
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nقصير\nأيضاً قصير\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"bad.csv:2: .*at least 20.*bad.csv:3"):
        call_command("import_articles", "--project", "badia", str(bad))


# --- suggestions ------------------------------------------------------------------------------------------
def test_reviewer_accepts_one_suggestion_rejects_another_only_the_accepted_is_theirs(
    project, manager, reviewer1, reviewer2, adjudicator, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(manager)
    suggestions = [
        {"start": 0, "end": 2, "label": "actor", "score": 0.8},
        {"start": 3, "end": 9, "label": "place"},
    ]
    body = job_of(
        client,
        upload(
            client,
            project,
            "pre.jsonl",
            jsonl({"text": ARTICLE, "spans": suggestions}),
            django_capture_on_commit_callbacks,
        ),
    )
    assert body["counts"]["predictions"] == 2
    assignment = assignment_lease_next(project=project, reviewer=reviewer1)
    reviewer = api_client_for(reviewer1)
    offered = reviewer.get(f"/api/assignments/{assignment.id}/suggestions/").json()["results"]
    assert [(s["start"], s["end"], s["label"]) for s in offered] == [(0, 2, "actor"), (3, 9, "place")]
    assert Span.objects.count() == 0  # suggestions are nobody's work
    accepted = reviewer.post(f"/api/suggestions/{offered[0]['id']}/accept/")
    assert accepted.status_code == 201
    assert accepted.json()["label"] == "actor"
    assert reviewer.post(f"/api/suggestions/{offered[1]['id']}/reject/").status_code == 204
    assert reviewer.post(f"/api/suggestions/{offered[1]['id']}/accept/").status_code == 409  # decided
    assert list(Span.objects.values_list("assignment__reviewer__username", "start", "end", "label__name")) == [
        ("reviewer1", 0, 2, "actor")
    ]
    assert reviewer.get(f"/api/assignments/{assignment.id}/suggestions/").json()["count"] == 0
    assert set(PredictionReview.objects.values_list("decision", flat=True)) == {"accepted", "rejected"}
    # someone else's suggestions: another reviewer without the document, managers and adjudicators cannot decide
    for user in (reviewer2, manager, adjudicator):
        assert api_client_for(user).post(f"/api/suggestions/{offered[0]['id']}/reject/").status_code == 404
    assert Assignment.objects.get(pk=assignment.pk).spans.count() == 1
