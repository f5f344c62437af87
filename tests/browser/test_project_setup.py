"""Running a project in the browser, end to end (issue 11's acceptance): a manager creates a project, adds
two labels, uploads a JSONL file with one bad line (the error table names it, nothing is imported),
uploads the fixed file (imported, progress 100%), adds a reviewer; the reviewer signs in, gets a
document from the queue, skips it with a reason, and gets the next."""

from __future__ import annotations

import json

import pytest

from annotations.models import Assignment, AssignmentStatus, Document, Membership, Prediction, Project
from annotations.services.accounts import user_grant_project_creator
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.browser.test_exports import CSP_LISTENER, no_csp_trouble, wait_until
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام في بادية حمص الشرقية"
SECOND = "قُتل ثلاثون عنصراً من قوات النظام في هجوم على طريق السخنة وتدمر"


def jsonl(*objects) -> bytes:
    return ("\n".join(json.dumps(obj, ensure_ascii=False) for obj in objects) + "\n").encode()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def upload(page, name: str, data: bytes) -> None:
    page.set_input_files("#import-file", {"name": name, "mimeType": "application/jsonl", "buffer": data})
    page.click("#import-start")


def test_a_manager_sets_up_a_project_and_a_reviewer_skips_to_the_next(live_server, browser, page, screenshot):
    manager = UserFactory(username="desk_lead")
    user_grant_project_creator(user=manager)
    UserFactory(username="samira", email="samira@example.org")
    page.add_init_script(CSP_LISTENER)
    sign_in(page, live_server, "desk_lead")

    # create the project
    page.click("#new-project")
    page.wait_for_load_state()
    page.fill("#project-slug", "homs-desk")
    page.fill("#project-name", "مكتب حمص")
    page.fill("#project-guidelines", "## القواعد\n\nMark **every** actor. <script>alert(1)</script>")
    page.click("#project-save")
    page.wait_for_load_state()
    project = Project.objects.get(slug="homs-desk")
    assert page.url == f"{live_server.url}/projects/homs-desk/labels/"
    assert Membership.objects.get(project=project).user == manager

    # two labels
    for name, name_ar, hotkey in (("actor", "فاعل", "a"), ("place", "مكان", "p")):
        page.fill("#label-name", name)
        page.fill("#label-name-ar", name_ar)
        page.fill("#label-hotkey", hotkey)
        page.click("#label-add-button")
        page.wait_for_load_state()
    assert list(project.label_types.order_by("order").values_list("name", flat=True)) == ["actor", "place"]
    assert page.locator("#label-table tr.label-row").count() == 2
    screenshot("setup-labels")

    # a JSONL file with one bad line: the table names line 2, nothing is imported
    page.goto(f"{live_server.url}/projects/homs-desk/import/")
    bad = jsonl(
        {"text": FIRST, "spans": [{"start": 0, "end": 2, "label": "actor", "score": 0.7}]},
        {"text": "قصير"},
        {"text": SECOND},
    )
    upload(page, "news.jsonl", bad)
    wait_until(page, "!document.getElementById('import-errors').hidden")
    rows = page.locator("#import-errors tbody tr")
    assert rows.count() == 1
    assert rows.nth(0).locator("td").nth(0).inner_text() == "2"
    assert "at least 20" in rows.nth(0).locator("td").nth(1).inner_text()
    assert "1 bad line(s)" in page.locator("#import-error").inner_text()
    assert not Document.objects.filter(project=project).exists()
    screenshot("setup-import-bad-line")

    # the fixed file: imported, progress 100%
    fixed = jsonl(
        {"text": FIRST, "title": "هجوم في بادية حمص", "spans": [{"start": 0, "end": 2, "label": "actor"}]},
        {"text": SECOND, "title": "قتلى على طريق السخنة"},
    )
    upload(page, "news.jsonl", fixed)
    wait_until(page, "!document.getElementById('import-counts').hidden")
    assert page.locator("#import-percent").inner_text() == "100%"
    assert page.evaluate("document.getElementById('import-progress').value") == 1
    assert page.locator("#import-errors").is_hidden()
    assert "2 imported" in page.locator("#import-counts").inner_text()
    assert Document.objects.filter(project=project).count() == 2
    assert Prediction.objects.filter(document__project=project).count() == 1
    screenshot("setup-import-done")

    # add a reviewer by e-mail
    page.goto(f"{live_server.url}/projects/homs-desk/members/")
    page.fill("#member-who", "samira@example.org")
    page.select_option("#member-role", "reviewer")
    page.click("#member-add-button")
    page.wait_for_load_state()
    assert page.locator("#member-table tr[data-username=samira]").count() == 1
    screenshot("setup-members")
    no_csp_trouble(page)

    # the reviewer: next document, skip it with a reason, get the next
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    reviewer = context.new_page()
    reviewer.console_errors = []
    reviewer.on("console", lambda m: m.type == "error" and reviewer.console_errors.append(m.text))
    reviewer.add_init_script(CSP_LISTENER)
    sign_in(reviewer, live_server, "samira")
    reviewer.get_by_role("button", name="Next document").click()
    reviewer.wait_for_load_state()
    wait_until(reviewer, "document.body.dataset.workspaceReady === 'true'")
    first = Assignment.objects.get(reviewer__username="samira")
    assert reviewer.url == f"{live_server.url}/assignments/{first.id}/"
    assert "every" in reviewer.locator("#guidelines-panel strong").inner_text()
    assert reviewer.locator("#guidelines-panel script").count() == 0  # raw HTML shown as text
    wait_until(reviewer, "document.body.dataset.suggestionsReady === 'true'")
    shot(reviewer, "setup-reviewer-workspace")
    reviewer.click("#skip")
    reviewer.fill("#skip-reason", "خارج الموضوع: not about the Badia")
    reviewer.click("#skip-confirm")
    wait_until(reviewer, f"location.pathname !== '/assignments/{first.id}/'")
    reviewer.wait_for_load_state()
    wait_until(reviewer, "document.body.dataset.workspaceReady === 'true'")
    first.refresh_from_db()
    assert first.status == AssignmentStatus.SKIPPED and first.skip_reason.startswith("خارج الموضوع")
    second = Assignment.objects.get(reviewer__username="samira", status=AssignmentStatus.LEASED)
    assert second.document_id != first.document_id
    assert reviewer.url == f"{live_server.url}/assignments/{second.id}/"
    shot(reviewer, "setup-reviewer-next")
    assert not [e for e in reviewer.console_errors if "Refused" in e], reviewer.console_errors
    context.close()


def test_suggestions_accepted_with_enter_rejected_with_minus_then_submit_opens_the_next(
    live_server, page, project, reviewer1
):
    from annotations.models import LabelType, Span
    from tests.factories import DocumentFactory

    first = DocumentFactory(project=project, text=FIRST)
    DocumentFactory(project=project, text=SECOND)
    actor, place = (LabelType.objects.get(project=project, name=name) for name in ("actor", "place"))
    Prediction.objects.create(document=first, label=actor, start=0, end=2, text=FIRST[0:2], score=0.9)
    Prediction.objects.create(document=first, label=place, start=3, end=8, text=FIRST[3:8])
    sign_in(page, live_server, "reviewer1")
    page.get_by_role("button", name="Next document").click()
    page.wait_for_load_state()
    wait_until(page, "document.body.dataset.suggestionsReady === 'true'")
    assert page.locator("#suggestion-list li").count() == 2
    page.locator("#article").click()
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelectorAll('#suggestion-list li').length === 1")
    page.keyboard.press("-")
    wait_until(page, "document.querySelectorAll('#suggestion-list li').length === 0")
    wait_until(page, "document.querySelectorAll('#span-list li').length === 1")
    shot(page, "setup-suggestions-decided")
    assert list(Span.objects.values_list("start", "end", "label__name")) == [(0, 2, "actor")]
    held = Assignment.objects.get(reviewer=reviewer1, status=AssignmentStatus.LEASED)
    page.accept_dialogs = True
    page.click("#submit")
    wait_until(page, f"location.pathname !== '/assignments/{held.id}/'")
    page.wait_for_load_state()
    nxt = Assignment.objects.get(reviewer=reviewer1, status=AssignmentStatus.LEASED)
    assert nxt.document.text == SECOND and page.url.endswith(f"/assignments/{nxt.id}/")
    # the last one: after Submit the page says the queue is empty
    wait_until(page, "document.body.dataset.workspaceReady === 'true'")
    page.click("#submit")
    wait_until(page, "document.body.dataset.queueEmpty === 'true'")
    assert "Nothing is left" in page.locator("#flow-message").inner_text()
    shot(page, "setup-queue-empty")
