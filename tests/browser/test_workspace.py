"""The annotation workspace in a real Chromium: selections become exact code point spans."""

import re
import time
import unicodedata
from pathlib import Path

import pytest

from annotations.models import Assignment, LabelType, Role, Span
from annotations.services.assignments import assignment_open
from annotations.services.demo import CONFLICT_EVENT_LABELS, SEED_DIR, labels_ensure
from annotations.services.spans import span_create
from annotations.text.tokens import tokenize
from tests.browser.conftest import sign_in
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_TEXT = unicodedata.normalize("NFC", sorted(Path(SEED_DIR).glob("*.txt"))[0].read_text(encoding="utf-8"))
# tashkeel, tatweel, an emoji, a flag, a Latin word with digits, an RLM, an LRM, an embedding
SPECIAL_TEXT = (
    "قَالَ المرصد إن الجيـــش 👍 نفّذ هجوماً على SY24 وقتل 30 جندياً\u200f في 2023 🇮🇶 قرب "
    "\u202bالرقة\u202c و\u200eISIS\u200e أيضاً."
)

# JavaScript helpers run in the page: a DOM Range over UTF-16 offsets of the article's text.
RANGE_JS = """
([start, end]) => {
  const article = document.getElementById("article");
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node, setStart = false;
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    if (!setStart && start <= seen + len) { range.setStart(node, start - seen); setStart = true; }
    if (end <= seen + len) { range.setEnd(node, end - seen); break; }
    seen += len;
  }
  return range;
}
"""
SELECT_JS = f"""
(offsets) => {{
  const range = ({RANGE_JS})(offsets);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return selection.toString();
}}
"""
RECTS_JS = f"""
(offsets) => {{
  const rects = ({RANGE_JS})(offsets).getClientRects();
  return Array.from(rects).map(r => ({{left: r.left, right: r.right, top: r.top, bottom: r.bottom}}));
}}
"""


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


@pytest.fixture
def workspace(live_server, page):
    """A reviewer signed in on the workspace of a document; returns a function that opens one."""
    project = ProjectFactory(slug="badia", name="أخبار البادية")
    labels_ensure(project, CONFLICT_EVENT_LABELS)
    reviewer = UserFactory(username="reviewer1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    sign_in(page, live_server, "reviewer1")

    def open_document(text: str, *, snap: bool = True) -> Assignment:
        project.snap_to_words = snap
        project.save()
        document = DocumentFactory(project=project, text=text)
        assignment = assignment_open(document=document, reviewer=reviewer)
        page.goto(f"{live_server.url}/assignments/{assignment.id}/")
        page.wait_for_selector("body[data-workspace-ready=true]")
        return assignment

    return open_document


def wait_for(page, expression: str, timeout: float = 15.0):
    """Polls a JS expression. (Playwright's wait_for_function uses eval, which our CSP forbids.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
        page.wait_for_timeout(50)


def wait_saved(page):
    # a span drawn by a key is pending at once; the list and the status line follow after its frame
    wait_for(page, "!document.querySelector('#article .seg.pending')")
    wait_for(page, "document.getElementById('save-status').textContent === 'All changes saved'")
    wait_for(page, "!document.querySelector('.span-item.pending')")


def stored(assignment):
    return list(
        Span.objects.filter(assignment=assignment)
        .order_by("start", "end")
        .values_list("start", "end", "label__name", "text")
    )


def test_mouse_selection_then_hotkey_stores_the_word(workspace, page, screenshot):
    assignment = workspace(SEED_TEXT)
    word = "الرصافة"
    start = SEED_TEXT.index(word)
    # Drag from inside the word's second letter to inside its second-to-last: snapping makes it whole.
    rects = page.evaluate(RECTS_JS, [utf16(SEED_TEXT, start + 1), utf16(SEED_TEXT, start + len(word) - 1)])
    assert len(rects) == 1
    rect = rects[0]
    y = (rect["top"] + rect["bottom"]) / 2
    page.mouse.move(rect["right"] - 2, y)  # right-to-left: the word begins on the right
    page.mouse.down()
    page.mouse.move((rect["left"] + rect["right"]) / 2, y, steps=4)
    page.mouse.move(rect["left"] + 2, y, steps=4)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") in word
    page.keyboard.press("1")
    wait_saved(page)
    assert stored(assignment) == [(start, start + len(word), "actor", word)]
    assert page.locator(".span-item .span-text").inner_text() == word
    screenshot("workspace-seed")
    # a span saved is a span shown after reload
    page.reload()
    page.wait_for_selector("body[data-workspace-ready=true]")
    assert page.locator(".span-item .span-text").all_inner_texts() == [word]
    assert page.locator(".seg.marked").first.inner_text() == word


def test_keyboard_selection_then_hotkey(workspace, page):
    assignment = workspace(SEED_TEXT)
    word = "داعش"
    start = SEED_TEXT.index(word)
    page.locator("#article").focus()
    page.evaluate(SELECT_JS, [utf16(SEED_TEXT, start), utf16(SEED_TEXT, start)])  # the caret, as a click leaves it
    for _ in range(len(word)):
        page.keyboard.press("Shift+ArrowLeft")  # in right-to-left text, left is forward
    assert page.evaluate("window.getSelection().toString()") == word
    page.keyboard.press("2")
    wait_saved(page)
    assert stored(assignment) == [(start, start + len(word), "place", word)]


@pytest.mark.parametrize("snap", [True, False])
def test_offsets_round_trip_through_tashkeel_tatweel_emoji_latin_and_bidi_marks(workspace, page, snap):
    assignment = workspace(SPECIAL_TEXT, snap=snap)
    targets = ["قَالَ", "الجيـــش", "👍", "نفّذ", "SY24", "30", "جندياً", "2023", "🇮🇶", "الرقة", "ISIS", "أيضاً"]
    expected = []
    for target in targets:
        start = SPECIAL_TEXT.index(target)
        end = start + len(target)
        selected = page.evaluate(SELECT_JS, [utf16(SPECIAL_TEXT, start), utf16(SPECIAL_TEXT, end)])
        assert selected == target
        page.keyboard.press("1")
        expected.append((start, end, "actor", target))
        wait_saved(page)
    assert stored(assignment) == sorted(expected)


def test_without_snapping_a_partial_word_keeps_its_letters_and_marks(workspace, page):
    assignment = workspace(SPECIAL_TEXT, snap=False)
    start = SPECIAL_TEXT.index("قَالَ")
    # select ق plus half of its fatha's cluster boundary: the end moves past the mark, not before it
    page.evaluate(SELECT_JS, [utf16(SPECIAL_TEXT, start), utf16(SPECIAL_TEXT, start + 1)])
    page.keyboard.press("1")
    wait_saved(page)
    assert stored(assignment) == [(start, start + 2, "actor", "قَ")]


def test_overlapping_spans_are_drawn_and_each_can_be_deleted(workspace, page, screenshot):
    text = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام ببادية الرصافة عند مثلث الرقة-حمص-ديرالزور."
    assignment = workspace(text)
    spans = [
        ("event", text.index("هجوماً"), text.index(" عند")),  # the whole attack phrase
        ("actor", text.index("قوات"), text.index(" ببادية")),  # nested inside it
        ("place", text.index("ببادية"), text.index(" عند")),  # nested, next to the actor
        ("place", text.index("الرصافة"), text.index(" عند")),  # nested inside the place
        ("actor", text.index("عناصر"), text.index(" هجوماً")),  # overlaps nothing above
    ]
    for label, start, end in spans:
        span_create(assignment=assignment, start=start, end=end, label=label)
    page.reload()
    page.wait_for_selector("body[data-workspace-ready=true]")
    assert page.locator(".span-item").count() == 5
    # where three spans overlap, three underline lanes are drawn
    inner = page.locator(".seg.marked", has_text="الرصافة")
    shadows = inner.evaluate("el => getComputedStyle(el).boxShadow")
    assert len(re.findall(r"rgb\(", shadows)) == 3, shadows
    assert inner.evaluate("el => el.dataset.spans.split(' ').length") == 3
    screenshot("workspace-overlaps")
    # clicking cycles through the overlapping spans, innermost first
    inner.click()
    assert page.locator("#selected-span bdi").inner_text() == "الرصافة"
    inner.click()
    assert page.locator("#selected-span bdi").inner_text() == "ببادية الرصافة"
    for remaining in range(5, 0, -1):
        page.locator(".span-item").first.click()
        page.keyboard.press("Delete")
        wait_for(page, f"document.querySelectorAll('.span-item').length === {remaining - 1}")
        wait_saved(page)
        assert Span.objects.filter(assignment=assignment).count() == remaining - 1
    assert page.locator(".seg.marked").count() == 0


def test_relabel_and_undo(workspace, page):
    text = "قتل 30 عنصراً من قوات النظام"
    assignment = workspace(text)
    start = text.index("30")
    page.evaluate(SELECT_JS, [start, start + 2])
    page.keyboard.press("4")  # casualty_figure
    wait_saved(page)
    page.locator(".span-item").first.click()
    page.keyboard.press("1")  # relabel as actor
    wait_saved(page)
    assert stored(assignment) == [(start, start + 2, "actor", "30")]
    page.keyboard.press("Control+z")  # undo the relabel
    wait_saved(page)
    assert stored(assignment) == [(start, start + 2, "casualty_figure", "30")]
    page.keyboard.press("Control+z")  # undo the creation
    wait_saved(page)
    assert stored(assignment) == []


def test_a_span_waiting_for_the_server_is_drawn_pending_and_the_status_says_saving(workspace, page):
    # The key's frame draws the span (pending); the status line and the list follow after that frame.
    text = "قتل 30 عنصراً من قوات النظام"
    assignment = workspace(text)
    held = []
    page.route("**/api/assignments/*/spans/", lambda route: held.append(route))
    start = text.index("قوات")
    page.evaluate(SELECT_JS, [start, start + 4])
    page.keyboard.press("1")
    assert page.evaluate("document.querySelector('#article .seg.pending')?.textContent") == "قوات"
    wait_for(page, "document.getElementById('save-status').textContent === 'Saving…'")
    wait_for(page, "document.querySelector('.span-item.pending .span-text')?.textContent === 'قوات'")
    assert page.locator("#save-status").get_attribute("aria-live") == "polite"
    deadline = time.monotonic() + 15
    while not held:  # the request leaves after the frame; held here until the checks are done
        assert time.monotonic() < deadline, "the span was never sent"
        page.wait_for_timeout(50)
    assert stored(assignment) == []
    held[0].continue_()
    wait_saved(page)
    assert stored(assignment) == [(start, start + 4, "actor", "قوات")]


def test_a_failed_save_is_shown_and_retried(workspace, page):
    text = "قتل 30 عنصراً من قوات النظام"
    assignment = workspace(text)
    failures = {"left": 2}

    def flaky(route):
        if route.request.method == "POST" and failures["left"]:
            failures["left"] -= 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/assignments/*/spans/", flaky)
    start = text.index("قوات")
    page.evaluate(SELECT_JS, [start, start + 4])
    page.keyboard.press("1")
    wait_for(page, "document.getElementById('save-status').textContent.startsWith('Not saved')")
    assert "retrying" in page.locator("#message").inner_text()
    wait_saved(page)  # the retries go through once the network is back
    assert failures["left"] == 0
    assert stored(assignment) == [(start, start + 4, "actor", "قوات")]
    assert page.locator("#message").is_hidden()


def test_a_refused_save_is_explained_and_undrawn(workspace, page):
    text = "قتل 30 عنصراً"
    assignment = workspace(text)
    Assignment.objects.filter(pk=assignment.pk).update(status="submitted", submitted_at="2026-01-01T00:00:00Z")
    page.evaluate(SELECT_JS, [0, 3])
    page.keyboard.press("1")
    wait_for(page, "document.getElementById('message').textContent.includes('already submitted')")
    assert page.locator(".span-item").count() == 0 and stored(assignment) == []


def test_browser_tokenizer_matches_the_server(workspace, page):
    workspace("نص")
    samples = [SEED_TEXT, SPECIAL_TEXT, "👨‍👩‍👧 و١٬٠٠٠ قتيل، 3.5% «داعش» “أثريا-الرقة” ـ\u200cـ ، ؟"]
    for sample in samples:
        tokens = page.evaluate(
            """async (text) => {
                const model = await import('/static/annotations/js/textmodel.js');
                return model.tokenize(Array.from(text));
            }""",
            sample,
        )
        assert [tuple(t) for t in tokens] == [(t.start, t.end) for t in tokenize(sample)]


def test_the_article_is_right_to_left_in_an_arabic_font(workspace, page, screenshot):
    workspace(SEED_TEXT)
    article = page.locator("#article")
    assert article.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # the text appears in one element, in order, as a reader selects and copies it (its innerText has each line
    # break twice: the article's lines are blocks, workbench.css)
    copied = article.evaluate(
        "el => { const range = document.createRange(); range.selectNodeContents(el);"
        " getSelection().removeAllRanges(); getSelection().addRange(range); return getSelection().toString(); }"
    )
    assert copied == SEED_TEXT and "\n" in SEED_TEXT
    screenshot("workspace-rtl")


def test_offset_tables_round_trip_on_random_text(workspace, page):
    # Offsets: the browser's UTF-16 <-> code point conversion, against Python's, on random
    # mixes of Arabic letters, harakat, tatweel, joiners, RLM, astral emoji and ASCII.
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from annotations.text.offsets import codepoint_to_utf16, utf16_to_codepoint

    workspace("نص")
    alphabet = st.sampled_from(
        list("ابتثجحخدذرسشصضطظعغفقكلمنهوي")
        + [chr(c) for c in range(0x064B, 0x0653)]
        + ["\u0640", "\u200c", "\u200d", "\u200f", "👍", "🇮", "🇶", "😀", "a", "1", " "]
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(alphabet=alphabet, max_size=40))
    def check(text):
        result = page.evaluate(
            """async (text) => {
                const { OffsetTable } = await import('/static/annotations/js/textmodel.js');
                const table = new OffsetTable(text);
                const toU16 = Array.from({ length: table.length + 1 }, (_, i) => table.toUtf16(i));
                const toCp = Array.from({ length: text.length + 1 }, (_, u) => {
                  try { return table.toCodePoint(u, 'strict'); } catch (e) { return null; }
                });
                return { toU16, toCp };
            }""",
            text,
        )
        assert result["toU16"] == [codepoint_to_utf16(text, i) for i in range(len(text) + 1)]
        expected = []
        for u in range(len(text.encode("utf-16-le")) // 2 + 1):
            try:
                expected.append(utf16_to_codepoint(text, u))
            except ValueError:
                expected.append(None)  # inside a surrogate pair: refused, not rounded
        assert result["toCp"] == expected

    check()


LANES_JS = """async (n) => {
  const { assignLanes } = await import('/static/annotations/js/textmodel.js');
  let seed = 7;
  const rand = (k) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
  const spans = Array.from({ length: n }, (_, id) => {
    const start = rand(600);
    return { id, start, end: start + 1 + rand(40) };
  });
  const got = assignLanes(spans);
  // the rule, the slow way: by start (longer first), the lowest lane whose last span has ended by this start
  const order = [...spans].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
  const ends = [], want = new Map();
  for (const s of order) {
    let lane = ends.findIndex((end) => end <= s.start);
    if (lane < 0) { lane = ends.length; ends.push(0); }
    ends[lane] = s.end;
    want.set(s.id, lane);
  }
  const overlapping = spans.some((a) => spans.some((b) =>
    a !== b && a.start < b.end && b.start < a.end && got.get(a.id) === got.get(b.id)));
  const same = spans.every((s) => got.get(s.id) === want.get(s.id));
  return { same, overlapping, lanes: Math.max(...got.values()) + 1 };
}"""


def test_underline_lanes_follow_the_greedy_rule_on_many_spans(workspace, page):
    workspace("نص")
    result = page.evaluate(LANES_JS, 3000)
    assert result["same"] and not result["overlapping"] and result["lanes"] > 3, result


# Offsets of selections in an article of paragraphs, some cut into segments and some still plain text (the
# workspace cuts paragraphs off screen while idle), at text positions and between elements.
PARAGRAPH_SELECTIONS_JS = """async (text) => {
  const { selectionOffsets } = await import('/static/annotations/js/selection.js');
  const { OffsetTable } = await import('/static/annotations/js/textmodel.js');
  const table = new OffsetTable(text);
  const article = document.createElement('div');
  document.body.append(article);
  const positions = []; // [code point, DOM node, offset]
  let at = 0;
  text.split(/(?<=\\n)/).forEach((line, p) => {
    const para = document.createElement('span');
    para.className = 'para';
    para.dataset.start = at;
    const chars = Array.from(line);
    if (p % 2) {  // plain text
      para.textContent = line;
      let u = 0;
      chars.forEach((ch, i) => { positions.push([at + i, para.firstChild, u]); u += ch.length; });
      positions.push([at, para, 0]);
    } else {  // segments of three code points
      for (let i = 0; i < chars.length; i += 3) {
        const seg = document.createElement('span');
        seg.className = 'seg';
        seg.dataset.start = at + i;
        seg.textContent = chars.slice(i, i + 3).join('');
        para.append(seg);
        let u = 0;
        for (let k = i; k < Math.min(i + 3, chars.length); k++) {
          positions.push([at + k, seg.firstChild, u]);
          u += chars[k].length;
        }
        positions.push([at + i, para, para.childNodes.length - 1]);
      }
    }
    article.append(para);
    positions.push([at, article, p]);
    at += chars.length;
  });
  positions.push([at, article, article.childNodes.length]);
  const wrong = [];
  for (const [a, nodeA, offA] of positions) {
    for (const [b, nodeB, offB] of positions) {
      if (b <= a) continue;
      const range = document.createRange();
      range.setStart(nodeA, offA);
      range.setEnd(nodeB, offB);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      const got = selectionOffsets(article, table);
      if (!got || got[0] !== a || got[1] !== b) wrong.push([a, b, got]);
    }
  }
  article.remove();
  return { checked: positions.length, wrong: wrong.slice(0, 5) };
}"""


def test_selections_map_to_offsets_in_cut_and_plain_paragraphs(workspace, page):
    workspace("نص")
    text = "قال 👍 المرصد\nنصٌّ ثانٍ 🇮🇶 هنا\n\nثالث و رابع\ne\u0301 👨\u200d👩\u200d👧 خامس"
    result = page.evaluate(PARAGRAPH_SELECTIONS_JS, text)
    assert result["checked"] > len(text) and result["wrong"] == [], result


LISTED_JS = "[...document.querySelectorAll('.span-item')].map((li) => [+li.dataset.start, +li.dataset.end])"


def test_a_long_article_is_drawn_in_paragraphs_and_labelled_far_down(workspace, page):
    # 24 paragraphs, a span on every other word, phrases overlapping them, one span across a line break
    text = "\n".join([SEED_TEXT.strip()] * 6)
    assignment = workspace(text)
    labels = list(LabelType.objects.filter(project=assignment.document.project).order_by("order", "id"))
    tokens = [t for t in tokenize(text) if t.text.isalpha()]
    spans = {(t.start, t.end, labels[i % 3]) for i, t in enumerate(tokens[:-40:2])}
    spans |= {(a.start, b.end, labels[4]) for a, b in zip(tokens[:-40:7], tokens[2:-40:7], strict=False)}
    line_break = text.index("\n", len(text) // 2)
    before = max((t for t in tokens if t.end <= line_break), key=lambda t: t.start)
    after = min((t for t in tokens if t.start > line_break), key=lambda t: t.start)
    spans.add((before.start, after.end, labels[5]))
    Span.objects.bulk_create(
        Span(assignment=assignment, label=label, start=start, end=end, text=text[start:end])
        for start, end, label in spans
    )
    page.reload()
    page.wait_for_selector("body[data-workspace-ready=true]")
    # every paragraph cut and every item listed, soon after the first paint
    wait_for(page, f"document.querySelectorAll('.span-item').length === {len(spans)}")
    wait_for(page, "[...document.querySelectorAll('#article .para')].every((p) => p.firstElementChild)")
    assert page.evaluate("document.getElementById('article').textContent") == text
    assert page.evaluate("document.querySelectorAll('#article .para').length") == text.count("\n") + 1
    listed = page.evaluate(LISTED_JS)
    assert listed == sorted(listed) and len(listed) == len(spans)
    across = Span.objects.get(assignment=assignment, start=before.start, end=after.end)
    paragraphs = page.evaluate(
        "(id) => [...document.querySelectorAll('#article .seg[data-spans]')]"
        ".filter((el) => el.dataset.spans.split(' ').includes(String(id))).map((el) => el.parentNode.dataset.start)",
        across.id,
    )
    assert len(set(paragraphs)) == 2  # drawn on both sides of the line break
    # a word near the end, scrolled to and selected, gets its span
    word = next(t for t in reversed(tokens) if not any(s <= t.start < e for s, e, _ in spans))
    page.evaluate(
        f"(offsets) => ({RANGE_JS})(offsets).startContainer.parentElement.scrollIntoView({{ block: 'center' }})",
        [utf16(text, word.start), utf16(text, word.end)],
    )
    page.evaluate(SELECT_JS, [utf16(text, word.start), utf16(text, word.end)])
    page.keyboard.press("2")
    wait_saved(page)
    assert (word.start, word.end, "place", word.text) in stored(assignment)
    wait_for(page, f"document.querySelectorAll('.span-item').length === {len(spans) + 1}")
    listed = page.evaluate(LISTED_JS)
    assert listed == sorted(listed)
    page.keyboard.press("Control+z")
    wait_saved(page)
    wait_for(page, f"document.querySelectorAll('.span-item').length === {len(spans)}")
    assert len(stored(assignment)) == len(spans)


def test_hostile_strings_stay_inert_in_the_workspace(live_server, page):
    # Stored strings never run, data in <script> goes through json_script: a label and article text carrying markup
    # are shown literally, never run.
    from annotations.models import LabelType

    project = ProjectFactory(slug="hostile", name="<svg onload=alert(3)>")
    hostile_label = "</script><script>alert(1)</script>"
    LabelType.objects.create(project=project, name=hostile_label, name_ar="<img src=x onerror=alert(5)>", hotkey="1")
    text = "<script>alert(4)</script> قال <img src=x onerror=alert(2)> المرصد"
    reviewer = UserFactory(username="reviewer1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    assignment = assignment_open(document=DocumentFactory(project=project, text=text), reviewer=reviewer)
    sign_in(page, live_server, "reviewer1")
    page.goto(f"{live_server.url}/assignments/{assignment.id}/")
    page.wait_for_selector("body[data-workspace-ready=true]")
    assert (
        page.evaluate("JSON.parse(document.getElementById('workspace-data').textContent).labels[0].name")
        == hostile_label
    )
    assert page.locator("#article").text_content() == text
    start = text.index("المرصد")
    page.evaluate(SELECT_JS, [start, start + len("المرصد")])
    page.locator(".label-button").first.click()  # applying a label by clicking it
    wait_saved(page)
    assert stored(assignment) == [(start, start + len("المرصد"), hostile_label, "المرصد")]
    assert hostile_label in page.locator(".span-item").inner_text()
    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll(\"img[src='x'], svg[onload], #article script\").length") == 0


def test_another_reviewers_workspace_is_not_found(live_server, page, workspace):
    assignment = workspace("نص الخبر")
    other = UserFactory(username="reviewer2")
    MembershipFactory(project=assignment.document.project, user=other, role=Role.REVIEWER)
    page.context.clear_cookies()
    sign_in(page, live_server, "reviewer2")
    response = page.goto(f"{live_server.url}/assignments/{assignment.id}/")
    assert response.status == 404 and "نص الخبر" not in page.content()


HOLD_IDLE_JS = "window.__idle = []; window.requestIdleCallback = (work) => window.__idle.push(work);"
RUN_IDLE_JS = """() => {
  for (let n = 0; n < 10000 && window.__idle.length; n++) window.__idle.shift()({ timeRemaining: () => 50 });
}"""
PLAIN_JS = "[...document.querySelectorAll('#article .para')].map((p) => !p.firstElementChild)"


def test_a_selection_made_before_the_article_is_cut_survives_the_cutting(workspace, page):
    """A reader who selects a word far down a page opened a moment ago, before its paragraph has been cut
    into segments while idle, keeps the selection (cutting would replace the text under it) and labels it."""
    text = "\n".join([SEED_TEXT.strip()] * 6)
    page.add_init_script(HOLD_IDLE_JS)  # the page's idle work waits for the test
    assignment = workspace(text)
    word = next(t for t in reversed(tokenize(text)) if t.text.isalpha())
    offsets = [utf16(text, word.start), utf16(text, word.end)]
    for attempt in ("labelled", "left"):
        page.reload()
        page.wait_for_selector("body[data-workspace-ready=true]")
        assert page.evaluate(PLAIN_JS)[-1]  # the last paragraph is still plain text
        page.evaluate(f"(offsets) => ({RANGE_JS})(offsets).startContainer.parentElement.scrollIntoView()", offsets)
        assert page.evaluate(SELECT_JS, offsets) == word.text
        page.evaluate(RUN_IDLE_JS)
        plain = page.evaluate(PLAIN_JS)
        assert plain[-1] and not any(plain[:-1])  # every paragraph cut but the one holding the selection
        assert page.evaluate("window.getSelection().toString()") == word.text
        if attempt == "labelled":
            page.keyboard.press("2")
            wait_saved(page)
            assert (word.start, word.end, "place", word.text) in stored(assignment)
            page.keyboard.press("Control+z")
            wait_saved(page)
            assert stored(assignment) == []
        else:  # once the selection has gone, the paragraph is cut while idle
            page.evaluate("window.getSelection().removeAllRanges()")
            page.wait_for_timeout(100)  # selectionchange is dispatched as a task
            page.evaluate(RUN_IDLE_JS)
            assert not any(page.evaluate(PLAIN_JS))
