"""An expired session loses nothing: edits wait, the page says "sign in again", and once the reviewer signs
in (in another tab) every edit is saved, exactly once; the status never says "saved" before that."""

import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from annotations.models import Span
from tests.browser.conftest import sign_in
from tests.browser.test_workspace import SELECT_JS, stored, wait_for, wait_saved, workspace  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "قتل 30 عنصراً من قوات النظام في بادية الرصافة"

STATUS_LOG_JS = """
() => {
  window.__statusLog = [];
  const status = document.getElementById("save-status");
  new MutationObserver(() => window.__statusLog.push(status.textContent)).observe(
    status, { childList: true, characterData: true, subtree: true });
}
"""


def test_two_edits_with_an_expired_session_are_saved_after_signing_in_again(
    workspace,  # noqa: F811
    page,
    live_server,
    screenshot,
):
    assignment = workspace(TEXT)
    page.evaluate(STATUS_LOG_JS)
    page.context.clear_cookies(name="sessionid")  # the session expired (cookie gone)

    for word, key in (("قوات", "1"), ("بادية", "2")):
        start = TEXT.index(word)
        page.evaluate(SELECT_JS, [start, start + len(word)])
        page.keyboard.press(key)
    wait_for(page, "!document.getElementById('session-notice').hidden")
    notice = page.locator("#session-notice")
    assert "Your session ended — sign in again" in notice.inner_text()
    assert notice.locator("a").get_attribute("target") == "_blank"
    assert page.locator(".span-item").count() == 2  # both drawn, waiting
    assert Span.objects.count() == 0
    assert page.evaluate("localStorage.length") == 1  # a reload would keep them
    screenshot("session-expired")

    other = page.context.new_page()
    sign_in(other, live_server, "reviewer1")  # the link's tab: signing in sets the cookie for both
    wait_saved(page)
    starts = {TEXT.index("قوات"): ("actor", "قوات"), TEXT.index("بادية"): ("place", "بادية")}
    assert sorted(stored(assignment)) == sorted(
        (start, start + len(text), label, text) for start, (label, text) in starts.items()
    )
    log = page.evaluate("window.__statusLog")
    first_saved = log.index("All changes saved")
    assert all("session ended" in entry or entry == "Saving…" for entry in log[:first_saved]), log
    assert page.locator("#session-notice").is_hidden()
    assert page.evaluate("localStorage.length") == 0


def test_unsaved_edits_survive_a_reload_while_signed_out(workspace, page, live_server):  # noqa: F811
    assignment = workspace(TEXT)
    page.context.clear_cookies(name="sessionid")
    start = TEXT.index("قوات")
    page.evaluate(SELECT_JS, [start, start + 4])
    page.keyboard.press("1")
    wait_for(page, "!document.getElementById('session-notice').hidden")
    sign_in(page.context.new_page(), live_server, "reviewer1")
    page.accept_dialogs = True  # "leave with unsaved changes?": yes, the journal keeps them
    page.reload()  # the journal replays the edit on load (unless the poll saved it first)
    settled = "document.body.dataset.workspaceReady === 'true' && document.querySelectorAll('.span-item').length === 1"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the replay reloads the page once more: evaluate may meet a navigation
        try:
            if page.evaluate(f"{settled} && localStorage.length === 0"):
                break
        except PlaywrightError:
            pass
        time.sleep(0.2)
    else:
        pytest.fail("the replayed edit never showed")
    assert stored(assignment) == [(start, start + 4, "actor", "قوات")]
    assert Span.objects.count() == 1
