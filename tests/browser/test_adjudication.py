"""The adjudication page in Chromium: agreed spans accepted in one action, the rest decided by hand."""

import time

import pytest

from annotations.models import Adjudication, Claim, ClaimLink, GoldClaimLink, GoldSpan, Role
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.demo import CONFLICT_EVENT_LABELS, labels_ensure
from annotations.services.spans import span_create
from tests.browser.conftest import sign_in
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_CLAIM = "</script><script>alert(2)</script> هاجم داعش قوات النظام"
TEXT = "شن عناصر تنظيم داعش فجر اليوم هجوماً عنيفاً على مواقع قوات النظام ببادية الرصافة، وقتل 30 عسكرياً."


def wait_for(page, expression, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, expression
        page.wait_for_timeout(50)


@pytest.fixture
def ready_document():
    project = ProjectFactory(slug="badia", name="أخبار البادية")
    labels_ensure(project, CONFLICT_EVENT_LABELS)
    MembershipFactory(project=project, user=UserFactory(username="adjudicator"), role=Role.ADJUDICATOR)
    document = DocumentFactory(project=project, text=TEXT)
    marks = {
        "reviewer1": [("داعش", "actor"), ("قوات النظام", "actor"), ("الرصافة", "place"), ("30", "casualty_figure")],
        "reviewer2": [("داعش", "actor"), ("قوات النظام", "actor"), ("ببادية الرصافة", "place")],
    }
    # the reviewers disagree on how the actor span relates to the claim; its text is hostile markup
    claim = Claim.objects.create(project=project, text=HOSTILE_CLAIM)
    stances = {"reviewer1": "supports", "reviewer2": "mentions"}
    for name, spans in marks.items():
        reviewer = UserFactory(username=name)
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
        assignment = assignment_open(document=document, reviewer=reviewer)
        for word, label in spans:
            start = TEXT.index(word)
            span = span_create(assignment=assignment, start=start, end=start + len(word), label=label)
            if word == "داعش":
                ClaimLink.objects.create(span=span, claim=claim, stance=stances[name])
        assignment_submit(assignment=assignment)
    return document


def test_accept_agreed_in_one_action_then_decide_and_finalize(live_server, page, screenshot, ready_document):
    sign_in(page, live_server, "adjudicator")
    page.goto(f"{live_server.url}/projects/badia/adjudication/")
    page.get_by_role("link", name="Adjudicate").click()
    page.wait_for_selector("body[data-adjudication-ready=true]")
    assert page.locator("#candidate-list .candidate").count() == 5
    assert page.locator("#candidate-list .candidate.agreed").count() == 2
    assert page.locator("#accept-agreed").inner_text() == "Accept all agreed (2)"
    screenshot("adjudication-before")

    page.locator("#accept-agreed").click()
    wait_for(page, "document.querySelectorAll('#gold-list li').length === 2")
    gold = GoldSpan.objects.filter(adjudication__document=ready_document).order_by("start")
    assert [(g.text, g.label.name, g.decision) for g in gold] == [
        ("داعش", "actor", "accepted"),
        ("قوات النظام", "actor", "accepted"),
    ]
    assert page.locator("#accept-agreed").is_disabled()
    assert not GoldClaimLink.objects.exists()  # the reviewers' stances differ: the adjudicator decides

    # the adjudicator takes reviewer1's stance for the claim link
    link_rows = page.locator("#candidate-list .candidate-link")
    assert link_rows.count() == 2 and HOSTILE_CLAIM in link_rows.first.inner_text()
    page.locator("#candidate-list .candidate-link", has_text="supports").locator("button").click()
    wait_for(page, "document.querySelector('#candidate-list .candidate-link button[disabled]')")
    assert list(GoldClaimLink.objects.values_list("stance", "gold_span__text")) == [("supports", "داعش")]

    # the adjudicator takes reviewer1's narrower place, then grades the source and finalizes
    page.locator("#candidate-list .candidate", has_text="الرصافة").filter(has_not_text="ببادية").locator(
        "button.accept"
    ).click()
    wait_for(page, "document.querySelectorAll('#gold-list li').length === 3")
    page.select_option("select[name=source_reliability]", "B")
    page.select_option("select[name=credibility]", "2")
    page.click("#reliability-form button[type=submit]")
    wait_for(page, "document.querySelector('#reliability-table .gold-row')")
    page.accept_dialogs = True
    page.locator("#finalize").click()
    # issue 13: nothing else to adjudicate, so the queue opens, with this document under "done"
    page.wait_for_url(f"{live_server.url}/projects/badia/adjudication/")
    assert "adjudicator" in page.locator("#adjudication-done").inner_text()
    screenshot("adjudication-final")
    adjudication = Adjudication.objects.get(document=ready_document)
    assert adjudication.status == "final" and adjudication.adjudicator.username == "adjudicator"
    assert adjudication.ratings.get().source_reliability == "B"
    assert sorted(g.text for g in adjudication.spans.all()) == ["الرصافة", "داعش", "قوات النظام"]
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    assert page.dialogs == [  # no alert ran; issue 13: the two candidates left undecided are named first
        "2 candidate(s) are neither accepted, edited nor rejected. Finalize anyway?",
        "Finalize the gold for this document? It cannot be changed afterwards.",
    ]
