"""Sign in, see my projects, open one: in a real browser, with hostile strings kept inert."""

import pytest

from annotations.models import Role
from tests.browser.conftest import sign_in
from tests.factories import DocumentFactory, LabelTypeFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_PROJECT = '"><svg onload=alert(3)> أخبار البادية'
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
HOSTILE_TITLE = "</script><script>alert(2)</script> هجوم على طريق “أثريا-الرقة”"


@pytest.fixture
def hostile_project():
    project = ProjectFactory(slug="badia", name=HOSTILE_PROJECT, guidelines="{{7*7}} حدّد كل فاعل")
    LabelTypeFactory(project=project, name=HOSTILE_LABEL, name_ar="فاعل", hotkey="1", color="#D55E00")
    LabelTypeFactory(project=project, name="place", name_ar="مكان", hotkey="2", color="#009E73")
    DocumentFactory(project=project, title=HOSTILE_TITLE, text="<script>alert(4)</script> قُتل 30 عنصراً")
    manager = UserFactory(username="manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    return project


def test_sign_in_and_browse_projects_with_hostile_strings(live_server, page, screenshot, hostile_project):
    # No stored XSS: stored strings appear literally and never run.
    sign_in(page, live_server, "manager")
    assert page.url == f"{live_server.url}/"
    link = page.get_by_role("link", name=HOSTILE_PROJECT.strip())
    assert link.inner_text() == HOSTILE_PROJECT
    screenshot("home")
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == HOSTILE_PROJECT
    assert HOSTILE_LABEL in page.locator(".labels").inner_text()
    assert page.get_by_text(HOSTILE_TITLE).count() == 1
    assert (
        "{{7*7}}" in page.locator(".guidelines").inner_text() and "49" not in page.locator(".guidelines").inner_text()
    )
    # label colours are applied by our script despite the strict CSP
    swatch = page.locator(".label-mark").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert swatch == "rgb(213, 94, 0)"
    screenshot("project")
    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll(\"img[src='x'], svg[onload]\").length") == 0
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e]


def test_wrong_password_says_so(live_server, page, hostile_project):
    sign_in(page, live_server, "manager", password="wrong")
    assert "didn't match" in page.locator("[role=alert]").inner_text()


def test_api_docs_render_under_the_csp(live_server, page, hostile_project):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    assert "workbench" in page.locator(".swagger-ui .info").inner_text().lower()
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e]


def test_home_lists_documents_and_offers_the_queue(live_server, page, screenshot, hostile_project):
    from annotations.models import Membership

    reviewer = UserFactory(username="reviewer1")
    Membership.objects.create(project=hostile_project, user=reviewer, role=Role.REVIEWER)
    sign_in(page, live_server, "reviewer1")
    assert page.title() == "Your projects · Arabic news verification workbench"
    assert page.locator("h2", has_text="Your documents").count() == 1
    page.get_by_role("button", name="Next document").click()
    page.wait_for_selector("body[data-workspace-ready=true]")
    assert "/assignments/" in page.url
    page.goto(f"{live_server.url}/")
    assert page.locator("table.list").nth(1).locator("tbody tr").count() == 1  # the leased document
    screenshot("home-reviewer")
