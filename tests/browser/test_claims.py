"""Verification in the browser: a span in each seed article linked to one claim, both sources graded,
and the claim page shows both pieces of evidence with their sources and grades."""

import unicodedata
from pathlib import Path

import pytest

from annotations.models import Claim, ClaimLink, ReliabilityRating, Role
from annotations.services.assignments import assignment_open
from annotations.services.demo import CONFLICT_EVENT_LABELS, SEED_DIR, labels_ensure
from tests.browser.conftest import sign_in
from tests.browser.test_workspace import SELECT_JS, utf16, wait_for, wait_saved
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEDS = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(Path(SEED_DIR).glob("*.txt"))]
CLAIM = "ISIS fighters attacked government forces in the Syrian Badia"


@pytest.fixture
def desk():
    project = ProjectFactory(slug="badia", name="أخبار البادية")
    labels_ensure(project, CONFLICT_EVENT_LABELS)
    reviewer = UserFactory(username="reviewer1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="manager"), role=Role.MANAGER)
    outlets = [SourceFactory(name="المرصد السوري لحقوق الإنسان"), SourceFactory(name="نورث برس")]
    assignments = []
    for text, outlet in zip(SEEDS, outlets, strict=True):
        document = DocumentFactory(project=project, text=text, source=outlet)
        assignments.append(assignment_open(document=document, reviewer=reviewer))
    return project, assignments


def annotate_and_link(page, live_server, assignment, word, *, create: bool, grade):
    text = assignment.document.text
    page.goto(f"{live_server.url}/assignments/{assignment.id}/")
    page.wait_for_selector("body[data-workspace-ready=true]")
    start = text.index(word)
    page.evaluate(SELECT_JS, [utf16(text, start), utf16(text, start + len(word))])
    page.keyboard.press("1")
    wait_saved(page)
    page.wait_for_selector("#selected-span .claim-search")
    search = page.locator("#selected-span .claim-search")
    if create:
        search.fill(CLAIM)
        page.click("#new-claim")
    else:
        search.fill("ISIS fighters")  # found in the catalogue
    page.wait_for_selector("#selected-span .claim-result button[data-stance=supports]")
    page.locator("#selected-span .claim-result button[data-stance=supports]").first.click()
    page.wait_for_selector("#selected-span .claim-links li")
    reliability, credibility = grade
    page.select_option("#outlet-grade select[name=source_reliability]", reliability)
    page.select_option("#outlet-grade select[name=credibility]", str(credibility))
    page.click("#outlet-grade button[type=submit]")
    wait_for(
        page,
        f"document.querySelector('#outlet-grade .grade-code').textContent === 'Current: {reliability}{credibility}'",
    )


def test_link_both_seed_articles_to_one_claim_and_see_the_evidence(live_server, page, screenshot, desk):
    project, assignments = desk
    sign_in(page, live_server, "reviewer1")
    annotate_and_link(page, live_server, assignments[0], "تنظيم داعش", create=True, grade=("B", 2))
    screenshot("workspace-evidence")
    annotate_and_link(page, live_server, assignments[1], "تنظيم داعش", create=False, grade=("C", 3))

    claim = Claim.objects.get()
    assert claim.text == CLAIM
    assert sorted((link.span.assignment_id, link.stance, link.span.text) for link in ClaimLink.objects.all()) == sorted(
        (a.id, "supports", "تنظيم داعش") for a in assignments
    )
    assert sorted(ReliabilityRating.objects.values_list("source_reliability", "credibility")) == [("B", 2), ("C", 3)]

    page.context.clear_cookies()
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/claims/{claim.id}/")
    rows = page.locator("tr.evidence-row")
    assert rows.count() == 2
    seen = sorted(
        (
            r.locator(".evidence-source").inner_text(),
            r.locator(".evidence-grade").inner_text(),
            r.locator(".evidence-text bdi").inner_text(),
        )
        for r in rows.all()
    )
    assert seen == sorted([("المرصد السوري لحقوق الإنسان", "B2", "تنظيم داعش"), ("نورث برس", "C3", "تنظيم داعش")])
    screenshot("claim-page")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_hostile_claims_stay_inert_on_claim_pages(live_server, page, desk):
    # Stored strings never run (XSS): a claim `</script><script>alert(2)</script>` and a rationale `{{7*7}}` show
    # literally.
    project, _ = desk
    hostile = "</script><script>alert(2)</script> <img src=x onerror=alert(1)> هجوم"
    claim = Claim.objects.create(project=project, text=hostile, rationale="{{7*7}}", verdict="mixed")
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/claims/{claim.id}/")
    assert page.locator("h1").inner_text() == hostile
    assert "{{7*7}}" in page.content() and "49" not in page.locator("body").inner_text()
    page.goto(f"{live_server.url}/projects/{project.slug}/claims/")
    assert page.get_by_role("link", name=hostile.strip()).count() == 1
    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll(\"img[src='x']\").length") == 0
