"""The setup pages' forms call the same services as the API; refusals come back as messages, not 500s."""

import pytest

from annotations.models import AssignmentStatus, LabelType, Membership, Project
from annotations.services.accounts import user_grant_project_creator
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.queue import assignment_lease_next
from annotations.services.spans import span_create
from annotations.text.markdown import render_markdown
from tests.factories import DocumentFactory, UserFactory


@pytest.fixture
def signed_in(client):
    def sign(user):
        client.force_login(user)
        return client

    return sign


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_create_a_project_in_the_browser(project, manager, signed_in):
    user_grant_project_creator(user=manager)
    client = signed_in(manager)
    assert b'id="new-project"' in client.get("/").content
    response = client.post(
        "/projects/new/",
        {"slug": "idlib", "name": "إدلب", "overlap_k": "3", "lease_minutes": "20", "claim_verifiers": "1"},
    )
    assert response.status_code == 302 and response["Location"] == "/projects/idlib/labels/"
    created = Project.objects.get(slug="idlib")
    assert created.overlap_k == 3 and created.snap_to_words is False  # an unticked box
    assert Membership.objects.get(project=created).user == manager
    response = client.post("/projects/new/", {"slug": "idlib", "name": "again", "overlap_k": "x"})
    assert response.status_code == 200
    assert "slug" in response.content.decode() or "overlap_k" in response.content.decode()
    assert Project.objects.filter(slug="idlib").count() == 1


def test_settings_page_renders_guidelines_safely(project, manager, reviewer1, signed_in):
    client = signed_in(manager)
    response = client.post(
        f"/projects/{project.slug}/settings/",
        {
            "name": project.name,
            "overlap_k": "2",
            "lease_minutes": "30",
            "claim_verifiers": "1",
            "snap_to_words": "on",
            "guidelines": "**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.org)",
        },
    )
    assert response.status_code == 302
    page = signed_in(reviewer1).get(f"/projects/{project.slug}/").content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<img" not in page and "&lt;img src=x" in page
    assert 'href="javascript:' not in page
    assert 'href="https://example.org" rel="noopener noreferrer nofollow"' in page


def test_markdown_has_no_raw_html_and_safe_links():
    html = render_markdown("<script>x</script>\n\n[a](https://e.org) [b](vbscript:x) ![i](data:image/png;base64,AA)")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://e.org" rel="noopener noreferrer nofollow" target="_blank">a</a>' in html
    assert 'href="vbscript' not in html and 'src="data:' in html  # images may be data:, links never


def test_label_editor_actions(project, manager, reviewer1, signed_in):
    client = signed_in(manager)
    url = f"/projects/{project.slug}/labels/"
    assert "weapon" not in client.get(url).content.decode()
    client.post(url, {"action": "create", "name": "weapon", "hotkey": "w", "color": "#d55e00"})
    weapon = LabelType.objects.get(project=project, name="weapon")
    response = client.post(url, {"action": "create", "name": "pale", "color": "#ffff99"}, follow=True)
    assert any("too pale" in text for text in texts(response))
    document = DocumentFactory(project=project)
    span_create(assignment=assignment_open(document=document, reviewer=reviewer1), start=0, end=2, label="weapon")
    response = client.post(url, {"action": "delete", "label": weapon.id}, follow=True)
    assert any("1 span(s)" in text for text in texts(response))
    actor = LabelType.objects.get(project=project, name="actor")
    client.post(url, {"action": "merge", "label": weapon.id, "into": actor.id})
    assert not LabelType.objects.filter(pk=weapon.pk).exists()
    client.post(url, {"action": "update", "label": actor.id, "name": "agent", "hotkey": "1", "color": "#0072b2"})
    assert LabelType.objects.get(pk=actor.pk).name == "agent"
    assert signed_in(reviewer1).get(url).status_code == 403


def test_members_page_actions(project, manager, reviewer1, signed_in):
    UserFactory(username="rania", email="rania@example.org")
    client = signed_in(manager)
    url = f"/projects/{project.slug}/members/"
    client.post(url, {"action": "add", "who": "rania@example.org", "role": "reviewer", "quota": "3"})
    rania = Membership.objects.get(project=project, user__username="rania")
    assert rania.quota == 3
    response = client.post(url, {"action": "add", "who": "ghost", "role": "reviewer"}, follow=True)
    assert any("No active account" in text for text in texts(response))
    client.post(url, {"action": "update", "membership": rania.id, "role": "adjudicator", "quota": ""})
    rania.refresh_from_db()
    assert rania.role == "adjudicator" and rania.quota is None
    DocumentFactory(project=project)
    lease = assignment_lease_next(project=project, reviewer=reviewer1)
    theirs = Membership.objects.get(project=project, user=reviewer1)
    response = client.post(url, {"action": "remove", "membership": theirs.id}, follow=True)
    assert any("1 open lease(s)" in text for text in texts(response))
    lease.refresh_from_db()
    assert lease.status == AssignmentStatus.EXPIRED


def test_documents_page_filters_links_and_archives(project, manager, adjudicator, reviewer1, reviewer2, signed_in):
    waiting = DocumentFactory(project=project, title="ينتظر")
    done = DocumentFactory(project=project, title="منجز")
    for reviewer in (reviewer1, reviewer2):
        assignment = assignment_open(document=done, reviewer=reviewer)
        span_create(assignment=assignment, start=0, end=2, label="actor")
        assignment_submit(assignment=assignment)
    client = signed_in(adjudicator)
    page = client.get(f"/projects/{project.slug}/documents/?status=submitted").content.decode()
    assert "منجز" in page and "ينتظر" not in page
    assert f'href="/documents/{done.id}/"' in page
    assert "ينتظر" in client.get(f"/projects/{project.slug}/documents/?status=unassigned").content.decode()
    assert "منجز" in client.get(f"/projects/{project.slug}/documents/?q=منجز").content.decode()
    view = client.get(f"/documents/{done.id}/").content.decode()
    assert 'data-reviewer="reviewer1"' in view and 'data-reviewer="reviewer2"' in view
    assert signed_in(reviewer1).get(f"/documents/{done.id}/").status_code == 403  # reviewers: their own only
    assert client.post(f"/projects/{project.slug}/documents/", {"document": waiting.id}).status_code == 403
    manager_client = signed_in(manager)
    manager_client.post(f"/projects/{project.slug}/documents/", {"document": waiting.id, "action": "archive"})
    waiting.refresh_from_db()
    assert waiting.archived_at is not None
    assert "ينتظر" not in manager_client.get(f"/projects/{project.slug}/documents/").content.decode()
    assert "ينتظر" in manager_client.get(f"/projects/{project.slug}/documents/?status=archived").content.decode()


def test_document_view_releases_a_lease(project, manager, reviewer1, signed_in):
    document = DocumentFactory(project=project)
    lease = assignment_lease_next(project=project, reviewer=reviewer1)
    response = signed_in(manager).post(f"/documents/{document.id}/", {"assignment": lease.id}, follow=True)
    assert any("Lease released" in text for text in texts(response))
    lease.refresh_from_db()
    assert lease.status == AssignmentStatus.EXPIRED


def test_workspace_bootstrap_has_the_flow_and_guidelines(project, reviewer1, signed_in):
    project.guidelines = "Mark **actors**."
    project.save()
    DocumentFactory(project=project)
    lease = assignment_lease_next(project=project, reviewer=reviewer1)
    response = signed_in(reviewer1).get(f"/assignments/{lease.id}/")
    page = response.content.decode()
    assert 'id="skip"' in page and 'id="guidelines-panel"' in page and "<strong>actors</strong>" in page
    urls = response.context["bootstrap"]["urls"]
    assert urls["skip"] == f"/api/assignments/{lease.id}/skip/"
    assert urls["next"] == f"/api/projects/{project.id}/queue/next/"
