"""The web import through a real broker and a real `celery worker` process: upload, poll, done."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Document, ImportJob, Prediction

ARTICLE = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام في بادية حمص الشرقية"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_a_real_worker_imports_an_upload(project, manager, broker, api_client_for, redis_url, celery_worker_process):
    worker = celery_worker_process
    try:
        broker(redis_url)
        client = api_client_for(manager)
        line = {"text": ARTICLE, "spans": [{"start": 0, "end": 2, "label": "actor", "score": 0.5}]}
        upload = SimpleUploadedFile("news.jsonl", json.dumps(line, ensure_ascii=False).encode())
        response = client.post(f"/api/projects/{project.id}/imports/", {"file": upload}, format="multipart")
        assert response.status_code == 202 and response.json()["status"] == "pending"
        url = f"/api/imports/{response.json()['id']}/"
        deadline = time.monotonic() + 90
        body = client.get(url).json()
        while time.monotonic() < deadline and body["status"] not in ("done", "failed"):
            assert worker.poll() is None, worker.stop()
            time.sleep(0.3)
            body = client.get(url).json()
        assert body["status"] == "done", body
        assert body["progress"] == 1 and body["counts"]["imported"] == 1 and body["counts"]["predictions"] == 1
        assert Document.objects.filter(project=project).count() == 1 and Prediction.objects.count() == 1
        assert ImportJob.objects.get(pk=body["id"]).enqueued
    finally:
        output = worker.stop()
    assert "annotations.tasks.import_run_task" in output and "succeeded" in output
