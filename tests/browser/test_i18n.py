"""The workbench in Arabic and in English, in a real Chromium: every page's <html lang dir>, no chrome left
in English in Arabic, axe-core clean of serious and critical violations, the layout at 1280, 800 and
390 px (screenshots in test-artifacts/), a phone reviewer's whole flow, and the language switch."""

import unicodedata
from pathlib import Path

import pytest

from annotations.models import Claim, ClaimLink, ReliabilityRating, Role, UserProfile
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.demo import CONFLICT_EVENT_LABELS, SEED_DIR, labels_ensure
from annotations.services.spans import span_create
from tests.browser.a11y import axe_violations, english_runs, horizontal_overflow
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_workspace import SELECT_JS, utf16
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEDS = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(Path(SEED_DIR).glob("*.txt"))]
WORD = "تنظيم داعش"


@pytest.fixture
def world():
    """A project with a document both reviewers submitted (ready to adjudicate) and one open for reviewer1."""
    project = ProjectFactory(slug="badia", name="أخبار البادية", overlap_k=2)
    labels_ensure(project, CONFLICT_EVENT_LABELS)
    users = {name: UserFactory(username=name) for name in ("manager", "adjudicator", "reviewer1", "reviewer2")}
    MembershipFactory(project=project, user=users["manager"], role=Role.MANAGER)
    MembershipFactory(project=project, user=users["adjudicator"], role=Role.ADJUDICATOR)
    for name in ("reviewer1", "reviewer2"):
        MembershipFactory(project=project, user=users[name], role=Role.REVIEWER)
    outlet = SourceFactory(name="المرصد السوري لحقوق الإنسان")
    done = DocumentFactory(project=project, text=SEEDS[0], source=outlet)
    start = SEEDS[0].index(WORD)
    for name in ("reviewer1", "reviewer2"):
        assignment = assignment_open(document=done, reviewer=users[name])
        span_create(assignment=assignment, start=start, end=start + len(WORD), label="actor")
        assignment_submit(assignment=assignment)
    open_work = assignment_open(
        document=DocumentFactory(project=project, text=SEEDS[1], source=outlet), reviewer=users["reviewer1"]
    )
    return {"project": project, "done": done, "open": open_work}


def new_page(browser, language: str, width: int = 1280, height: int = 900):
    locale = {"ar": "ar", "en": "en-US"}[language]
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def wait_saved(page):
    """Saved in any language: the status is "saved" and no span is pending (drawn or listed)."""
    page.wait_for_function(
        "() => document.getElementById('save-status').classList.contains('saved')"
        " && !document.querySelector('#article .seg.pending, #span-list li.pending')"
    )


def pages_of(world):
    project, done, open_work = world["project"], world["done"], world["open"]
    slug = project.slug
    return [
        (None, "login", "/accounts/login/", None),
        ("reviewer1", "home", "/", None),
        ("reviewer1", "workspace", f"/assignments/{open_work.id}/", "body[data-workspace-ready=true]"),
        ("adjudicator", "adjudication-queue", f"/projects/{slug}/adjudication/", None),
        ("adjudicator", "adjudication", f"/adjudication/{done.id}/", "body[data-adjudication-ready=true]"),
        ("manager", "project", f"/projects/{slug}/", None),
        ("manager", "agreement", f"/projects/{slug}/agreement/", None),
        ("manager", "claims", f"/projects/{slug}/claims/", None),
        ("manager", "exports", f"/projects/{slug}/exports/", None),
        ("manager", "audit", f"/projects/{slug}/audit/", None),
        # the manager's pages: project setup without the admin
        ("manager", "project-settings", f"/projects/{slug}/settings/", None),
        ("manager", "labels", f"/projects/{slug}/labels/", None),
        ("manager", "members", f"/projects/{slug}/members/", None),
        ("manager", "import", f"/projects/{slug}/import/", None),
        ("manager", "documents", f"/projects/{slug}/documents/", None),
        ("manager", "document-view", f"/documents/{done.id}/", None),
    ]


def shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_page_speaks_the_language_mirrors_and_passes_axe(live_server, browser, world, language):
    signed_in_as = "?"
    page = None
    problems = []
    for username, name, path, ready in pages_of(world):
        if username != signed_in_as:
            if page is not None:
                page.context.close()
            page = new_page(browser, language)
            if username:
                sign_in(page, live_server.url, username)
            signed_in_as = username
        page.goto(f"{live_server.url}{path}")
        if ready:
            page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        html = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
        assert html == [language, "rtl" if language == "ar" else "ltr"], (name, html)
        if name in ("workspace", "adjudication"):
            assert page.get_attribute("#article", "dir") == "rtl"  # the article is right to left in both
        if language == "ar":
            runs = english_runs(page)
            if runs:
                problems.append(f"{name}: untranslated {runs}")
        violations = axe_violations(page, live_server.url)
        if violations:
            problems.append(f"{name} ({language}): axe {violations}")
        assert not page.console_errors, (name, page.console_errors)
        shoot(page, f"i18n-{language}-{name}-1280")
    page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_side_pane_sits_on_the_reading_end(live_server, browser, world, language):
    """Side pane left of the article in Arabic, right of it in English; the label names in the language."""
    page = new_page(browser, language)
    sign_in(page, live_server.url, "reviewer1")
    page.goto(f"{live_server.url}/assignments/{world['open'].id}/")
    page.wait_for_selector("body[data-workspace-ready=true]")
    article = page.locator(".article-pane").bounding_box()
    side = page.locator(".side-pane").bounding_box()
    if language == "ar":
        assert side["x"] + side["width"] <= article["x"] + 1
    else:
        assert article["x"] + article["width"] <= side["x"] + 1
    first = page.locator(".label-button").first
    assert first.locator(".label-name").inner_text() == ("فاعل" if language == "ar" else "Actor")
    assert first.locator("kbd").inner_text() == "1"
    assert first.locator(".label-mark").inner_text() in {"ف", "A"}  # a letter as well as the colour
    page.context.close()


@pytest.mark.parametrize("width,height", [(800, 900), (390, 844)])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_reviewer_selects_labels_links_grades_and_submits_without_horizontal_scrolling(
    live_server, browser, world, width, height, language
):
    page = new_page(browser, language, width, height)
    sign_in(page, live_server.url, "reviewer1")
    assert horizontal_overflow(page) <= 0
    assignment = world["open"]
    text = assignment.document.text
    page.goto(f"{live_server.url}/assignments/{assignment.id}/")
    page.wait_for_selector("body[data-workspace-ready=true]")
    assert horizontal_overflow(page) <= 0
    shoot(page, f"flow-{language}-{width}-open")
    # Submit is on screen from the start (the bottom sheet's header on a phone).
    assert page.locator("#submit").is_visible()
    assert page.locator("#submit").bounding_box()["y"] < height

    start = text.index(WORD)
    page.locator("#article").scroll_into_view_if_needed()
    page.evaluate(SELECT_JS, [utf16(text, start), utf16(text, start + len(WORD))])
    page.keyboard.press("1")
    wait_saved(page)
    page.locator("#span-list li").first.click()
    page.wait_for_selector("#selected-span .claim-search")
    page.locator("#selected-span .claim-search").fill("هاجم مقاتلو داعش القوات الحكومية في البادية")
    page.click("#new-claim")
    page.locator("#selected-span .claim-result button[data-stance=supports]").first.click()
    page.wait_for_selector("#selected-span .claim-links li")
    page.select_option("#outlet-grade select[name=source_reliability]", "B")
    page.select_option("#outlet-grade select[name=credibility]", "2")
    page.click("#outlet-grade button[type=submit]")
    page.wait_for_function("() => /B2/.test(document.querySelector('#outlet-grade .grade-code').textContent)")
    assert horizontal_overflow(page) <= 0
    shoot(page, f"flow-{language}-{width}-linked")
    page.locator("#submit").click()
    page.wait_for_selector("#workspace.read-only")
    assert page.locator("#read-only-note").is_visible()
    assert horizontal_overflow(page) <= 0
    shoot(page, f"flow-{language}-{width}-submitted")

    assignment.refresh_from_db()
    assert assignment.status == "submitted"
    assert ClaimLink.objects.filter(span__assignment=assignment, stance="supports").count() == 1
    assert Claim.objects.count() == 1
    assert ReliabilityRating.objects.filter(assignment=assignment).values_list(
        "source_reliability", "credibility"
    ).get() == ("B", 2)
    page.context.close()


@pytest.mark.parametrize("width", [800, 390])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_pages_fit_narrow_screens(live_server, browser, world, width, language):
    page = new_page(browser, language, width, 844)
    signed_in_as = "?"
    for username, name, path, ready in pages_of(world):
        if username != signed_in_as:
            page.context.clear_cookies()
            if username:
                sign_in(page, live_server.url, username)
            signed_in_as = username
        page.goto(f"{live_server.url}{path}")
        if ready:
            page.wait_for_selector(ready)
        assert horizontal_overflow(page) <= 0, (name, width, horizontal_overflow(page))
        if name in ("home", "workspace", "adjudication", "agreement", "exports"):
            shoot(page, f"i18n-{language}-{name}-{width}")
    page.context.close()


def test_language_from_the_browser_then_the_switch_persists_across_sign_out_and_sign_in(live_server, browser, world):
    page = new_page(browser, "ar")
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("() => document.documentElement.lang") == "ar"  # Accept-Language for a new visitor
    assert page.locator("main h1").inner_text() == "تسجيل الدخول"
    sign_in(page, live_server.url, "reviewer1")
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    page.click(".language-switch button[name=language]")  # "English"
    page.wait_for_load_state()
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == ["en", "ltr"]
    assert UserProfile.objects.get(user__username="reviewer1").language == "en"
    page.click("text=Sign out")
    page.wait_for_load_state()
    page.context.close()

    # Another browser that prefers Arabic: after sign-in the saved choice wins.
    page = new_page(browser, "ar")
    sign_in(page, live_server.url, "reviewer1")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator("main h1").inner_text() == "Your projects"
    # ...and back to Arabic, with Arabic-Indic digits as a preference.
    page.click(".language-switch button[name=language]")
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.lang") == "ar"
    page.click(".language-switch button[name=digits]")
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.dataset.digits") == "arab"
    row = page.locator("table.list tbody tr").first.inner_text()  # the project: 2 documents, 2 reviewers each
    assert "٢" in row and "2" not in row
    page.context.close()
    profile = UserProfile.objects.get(user__username="reviewer1")
    assert (profile.language, profile.digits) == ("ar", "arab")


def test_shortcut_overlay_opens_on_question_mark(live_server, browser, world):
    page = new_page(browser, "ar")
    sign_in(page, live_server.url, "reviewer1")
    page.goto(f"{live_server.url}/assignments/{world['open'].id}/")
    page.wait_for_selector("body[data-workspace-ready=true]")
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    assert page.locator("#shortcuts h2").inner_text() == "اختصارات لوحة المفاتيح"
    page.keyboard.press("Escape")
    assert not page.locator("#shortcuts").is_visible()
    page.context.close()
