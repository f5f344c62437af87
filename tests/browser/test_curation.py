"""Side-by-side curation in Chromium (issue 13): one lane per reviewer with distinct outline patterns, the
candidates grouped by agreement, and the keyboard flow: next disagreement, reject, accept, edit a boundary
with Shift+arrows, relabel with a hotkey, and Finalize warning about undecided candidates."""

import time

import pytest

from annotations.models import Adjudication, CandidateRejection, GoldSpan
from tests.browser.conftest import sign_in
from tests.browser.test_adjudication import TEXT, ready_document  # noqa: F401 - the shared fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_until(check, page, timeout=15.0):
    """Polls the database while Playwright keeps handling the page's events (dialogs, answers)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def current_text(page):
    return page.locator("#candidate-list .candidate.current .span-text").inner_text()


def test_curation_keyboard_flow(live_server, page, screenshot, ready_document):  # noqa: F811
    from annotations.models import Assignment, DocumentFlag, SpanComment

    second = Assignment.objects.get(document=ready_document, reviewer__username="reviewer2")
    DocumentFlag.objects.create(assignment=second, kind="unclear", note="FLAG-NOTE")
    SpanComment.objects.create(span=second.spans.get(text="ببادية الرصافة"), author=second.reviewer, text="SPAN-NOTE")
    missing = []
    page.on("response", lambda response: response.status == 404 and missing.append(response.url))
    sign_in(page, live_server, "adjudicator")
    page.goto(f"{live_server.url}/adjudication/{ready_document.id}/")
    page.wait_for_selector("body[data-adjudication-ready=true]")
    lanes = page.locator("#lanes .lane")
    assert lanes.count() == 2
    patterns = [lanes.nth(i).get_attribute("class") for i in range(2)]
    assert patterns == ["lane lane-solid", "lane lane-dashed"]  # reviewers differ by outline shape
    styles = page.evaluate(
        "() => [...document.querySelectorAll('#lanes .lane .seg.marked')].map("
        "(el) => getComputedStyle(el).borderBottomStyle)"
    )
    assert {"solid", "dashed"} <= set(styles)
    notes = page.locator("#review-notes").inner_text()
    assert "FLAG-NOTE" in notes and "SPAN-NOTE" in notes and "reviewer2" in notes
    headings = page.locator("#candidate-list .group-heading").all_inner_texts()
    assert headings == ["All reviewers agree (2)", "One reviewer (3)"]
    screenshot("curation-lanes")

    # n: the first disagreement in the text ("ببادية الرصافة", reviewer2 only); r rejects it
    page.keyboard.press("n")
    assert current_text(page) == "ببادية الرصافة"
    assert page.locator("#lanes .seg.current").count() >= 1
    page.keyboard.press("r")
    wait_until(lambda: CandidateRejection.objects.filter(adjudication__document=ready_document).exists(), page)
    page.wait_for_selector("#candidate-list .candidate.status-rejected")

    # n again: "الرصافة" (reviewer1); a accepts it into the gold and selects it
    page.keyboard.press("n")
    assert current_text(page) == "الرصافة"
    page.keyboard.press("a")
    wait_until(lambda: GoldSpan.objects.filter(adjudication__document=ready_document, text="الرصافة").exists(), page)
    page.wait_for_selector("#article .seg.gold-selected .handle-end")
    gold = GoldSpan.objects.get(adjudication__document=ready_document)
    end = gold.end
    # Shift+← in right-to-left text moves the end forward (over the Arabic comma), Shift+→ back
    page.keyboard.press("Shift+ArrowLeft")
    wait_until(lambda: GoldSpan.objects.get(pk=gold.pk).end == end + 1, page)
    page.keyboard.press("Shift+ArrowRight")
    wait_until(lambda: GoldSpan.objects.get(pk=gold.pk).end == end, page)
    page.keyboard.press("Shift+ArrowLeft")
    wait_until(lambda: GoldSpan.objects.get(pk=gold.pk).end == end + 1, page)
    edited = GoldSpan.objects.get(pk=gold.pk)
    assert edited.text == TEXT[gold.start : end + 1] and edited.decision == "edited"
    # 7 relabels the selected gold span ("event", the seventh label)
    page.wait_for_selector("#article .seg.gold-selected")
    page.keyboard.press("7")
    wait_until(lambda: GoldSpan.objects.get(pk=gold.pk).label.name == "event", page)
    page.wait_for_selector("#candidate-list .candidate.status-edited")
    screenshot("curation-edited")

    # e on the casualty figure: accepted and selected for editing
    page.keyboard.press("n")
    assert current_text(page) == "30"
    page.keyboard.press("e")
    wait_until(lambda: GoldSpan.objects.filter(adjudication__document=ready_document, text="30").exists(), page)
    page.wait_for_selector("#candidate-list .candidate.status-accepted")

    # Finalize warns: the two agreed spans are still undecided; dismissing keeps the gold open
    page.locator("#finalize").click()
    wait_until(lambda: len(page.dialogs) == 1, page)
    assert page.dialogs[0].startswith("2 candidate(s) are neither accepted, edited nor rejected")
    assert Adjudication.objects.get(document=ready_document).status == "in_progress"
    page.locator("#accept-agreed").click()
    wait_until(lambda: page.locator("#undecided-count").inner_text().endswith(": 0"), page)
    screenshot("curation-decided")
    page.accept_dialogs = True
    page.locator("#finalize").click()
    page.wait_for_url(f"{live_server.url}/projects/badia/adjudication/")
    assert Adjudication.objects.get(document=ready_document).status == "final"
    # every resource the pages asked for was served (the browser's own favicon request is no response event)
    assert not missing
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Error" in e]


def test_drag_a_handle_to_move_a_gold_boundary(live_server, page, screenshot, ready_document):  # noqa: F811
    sign_in(page, live_server, "adjudicator")
    page.goto(f"{live_server.url}/adjudication/{ready_document.id}/")
    page.wait_for_selector("body[data-adjudication-ready=true]")
    page.locator("#candidate-list .candidate", has_text="الرصافة").filter(has_not_text="ببادية").click()
    page.keyboard.press("e")
    page.wait_for_selector("#article .seg.gold-selected .handle-start")
    gold = GoldSpan.objects.get(adjudication__document=ready_document)
    assert gold.text == "الرصافة"
    # drag the start handle onto the word before it ("ببادية"): the gold span grows to "ببادية الرصافة"
    handle = page.locator("#article .handle-start").bounding_box()
    # where the first letter of "ببادية" is drawn (a Range over it; right-to-left: its right half)
    box = page.evaluate(
        """() => {
          const seg = [...document.querySelectorAll('#article .seg')].find((el) => el.textContent.includes('ببادية'));
          const node = seg.firstChild, at = node.textContent.indexOf('ببادية');
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + 1);
          const r = range.getBoundingClientRect();
          return { x: r.left + r.width * 0.75, y: r.top + r.height / 2 };
        }"""
    )
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"], box["y"], steps=5)
    page.mouse.up()
    wait_until(lambda: GoldSpan.objects.get(pk=gold.pk).text != "الرصافة", page)
    assert GoldSpan.objects.get(pk=gold.pk).text == "ببادية الرصافة"
    # the page draws the new gold: the same offsets and label as reviewer2's candidate, now accepted
    wait_until(lambda: "ببادية الرصافة" in page.locator("#gold-list").inner_text(), page)
    accepted = page.locator("#candidate-list .candidate.status-accepted .span-text").all_inner_texts()
    assert accepted == ["ببادية الرصافة"]
    screenshot("curation-dragged")
