"""POST /api/projects/{id}/documents/: managers only, NFC, safe URLs, 409 for duplicates."""

import hashlib
import unicodedata

import pytest

from annotations.models import Document


def url(project):
    return f"/api/projects/{project.id}/documents/"


def test_manager_adds_an_article(project, manager, api_client_for, django_capture_on_commit_callbacks):
    text = unicodedata.normalize("NFD", "أعلن المرصد مقتل ٣٠ عسكرياً")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(manager).post(
            url(project),
            {
                "text": text,
                "title": "مقتل 30",
                "source": "المرصد السوري",
                "url": "https://www.syriahr.com/1",
                "published_at": "2023-11-08T07:30:00Z",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get(pk=body["id"])
    assert body["text"] == document.text == unicodedata.normalize("NFC", text)
    assert body["sha256"] == hashlib.sha256(document.text.encode()).hexdigest()
    assert body["length"] == len(document.text) and body["source"] == "المرصد السوري"
    assert document.stats.char_count == len(document.text)  # the statistics job ran after commit


def test_duplicate_is_409_with_the_existing_id(project, manager, api_client_for):
    text = "خبر عاجل من بادية حمص الشرقية"
    first = api_client_for(manager).post(url(project), {"text": text}, format="json").json()
    response = api_client_for(manager).post(url(project), {"text": text}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "This article is already in the project.", "id": first["id"]}


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "ftp://x.org/a"]
)
def test_dangerous_urls_are_refused(project, manager, api_client_for, bad):
    # A `javascript:` or other non-http(s) URL is refused.
    response = api_client_for(manager).post(url(project), {"text": "خبر", "url": bad}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["url"]
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": 5}, "text"),
        ({"text": "خبر", "published_at": "soon"}, "published_at"),
    ],
)
def test_bad_fields_are_400_with_field_messages(project, manager, api_client_for, payload, field):
    response = api_client_for(manager).post(url(project), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Document.objects.count() == 0


def test_invalid_json_and_wrong_content_type(project, manager, api_client_for):
    client = api_client_for(manager)
    response = client.generic("POST", url(project), b'{"text":"\xff"}', content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    response = client.generic("POST", url(project), "text=x", content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize("role", ["reviewer1", "adjudicator"])
def test_lower_roles_cannot_add(project, request, api_client_for, role):
    # No role escalation: 403 with DRF's message; nothing created.
    user = request.getfixturevalue(role)
    response = api_client_for(user).post(url(project), {"text": "خبر"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert Document.objects.count() == 0


def test_other_project_member_gets_404(project, outsider, api_client_for):
    response = api_client_for(outsider).post(url(project), {"text": "خبر"}, format="json")
    assert response.status_code == 404 and Document.objects.count() == 0
    assert api_client_for(outsider).get(url(project)).status_code == 404


def test_list_is_paginated_metadata(project, manager, adjudicator, reviewer1, api_client_for):
    for n in range(3):
        api_client_for(manager).post(url(project), {"text": f"خبر عاجل من بادية حمص رقم {n}"}, format="json")
    body = api_client_for(adjudicator).get(url(project) + "?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and "text" not in body["results"][0]
    # reviewers get work from the queue, not by browsing the document list
    assert api_client_for(reviewer1).get(url(project)).status_code == 403


def test_an_oversized_body_is_413_json_and_nothing_is_saved(project, manager, api_client_for, settings):
    # An oversize body: a clear 413, not an HTML page or a 500.
    response = api_client_for(manager).post(
        url(project), {"text": "ا" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2 + 10)}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is larger than")
    assert Document.objects.count() == 0


def test_an_article_over_the_length_limit_is_refused_by_field(project, manager, api_client_for, settings):
    settings.DOCUMENT_MAX_CHARS = 100
    response = api_client_for(manager).post(url(project), {"text": "ب" * 101}, format="json")
    assert response.status_code == 400 and response.json() == {"text": ["Text has 101 characters; the limit is 100."]}


def test_a_text_shorter_than_the_minimum_is_refused(project, manager, api_client_for, settings):
    # issue 11: a 2-character "article" went straight into a reviewer's queue
    response = api_client_for(manager).post(url(project), {"text": "خب"}, format="json")
    assert response.status_code == 400
    assert "at least 20 characters" in response.json()["text"][0]
    settings.DOCUMENT_MIN_CHARS = 1
    assert api_client_for(manager).post(url(project), {"text": "خب"}, format="json").status_code == 201
