"""The workspace in Chromium (issue 13): Delete on a span with a claim link and a grade asks first, undo brings
the same span back with both; a reviewer flags the document and notes a span for the adjudicator."""

import pytest

from annotations.models import Claim, ClaimLink, DocumentFlag, ReliabilityRating, Span, SpanComment
from annotations.services.spans import span_create
from tests.browser.test_workspace import wait_for, wait_saved, workspace  # noqa: F401 - the shared fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "قتل 30 عنصراً من قوات النظام في هجوم لداعش"


def test_delete_asks_and_undo_restores_links_and_grade(workspace, page, screenshot):  # noqa: F811
    assignment = workspace(TEXT)
    start = TEXT.index("داعش")
    span = span_create(assignment=assignment, start=start, end=start + 4, label="actor")
    claim = Claim.objects.create(project=assignment.document.project, text="هاجم داعش قوات النظام")
    ClaimLink.objects.create(span=span, claim=claim, stance="supports")
    ReliabilityRating.objects.create(assignment=assignment, span=span, source_reliability="C", credibility=3)
    page.reload()
    page.wait_for_selector("body[data-workspace-ready=true]")
    page.locator(".span-item").first.click()
    page.keyboard.press("Delete")  # dismissed: nothing happens
    assert page.dialogs == ["This span has claim links or a grade. Delete it with them? Undo brings them back."]
    assert Span.objects.filter(pk=span.pk).exists()
    page.accept_dialogs = True
    page.keyboard.press("Delete")
    wait_for(page, "document.querySelectorAll('.span-item').length === 0")
    wait_saved(page)
    assert not Span.objects.filter(pk=span.pk).exists() and Span.all_objects.filter(pk=span.pk).exists()
    page.keyboard.press("Control+z")
    wait_for(page, "document.querySelectorAll('.span-item').length === 1")
    wait_saved(page)
    assert Span.objects.get(pk=span.pk).claim_links.get().claim_id == claim.pk
    assert ReliabilityRating.objects.get(span=span).code == "C3"
    page.locator(".span-item").first.click()
    wait_for(page, "document.querySelector('.grade-code')?.textContent.includes('C3')")
    screenshot("workspace-undo-restored")


def test_flags_and_span_notes_for_the_adjudicator(workspace, page, screenshot):  # noqa: F811
    assignment = workspace(TEXT)
    start = TEXT.index("30")
    span = span_create(assignment=assignment, start=start, end=start + 2, label="casualty_figure")
    page.reload()
    page.wait_for_selector("body[data-workspace-ready=true]")
    page.wait_for_selector("#review-notes-panel .document-flags")
    page.fill("#review-notes-panel .flag-note", "نشر سابقاً")
    page.check("#review-notes-panel input[value=duplicate]")
    wait_for(page, "document.querySelector('#review-notes-panel .flag bdi')")
    assert DocumentFlag.objects.get(assignment=assignment).note == "نشر سابقاً"
    page.locator(".span-item").first.click()
    page.wait_for_selector("#review-notes-panel textarea.span-note")
    page.fill("#review-notes-panel textarea.span-note", "الرقم من مصدر واحد")
    page.click("#review-notes-panel .span-notes button")
    wait_for(page, "document.querySelectorAll('#review-notes-panel .span-notes li').length === 1")
    assert SpanComment.objects.get(span=span).text == "الرقم من مصدر واحد"
    screenshot("workspace-notes")
