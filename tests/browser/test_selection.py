"""Selections at clitics, exact selection and grapheme clusters, in a real Chromium against the Python rules.

The Python modules in annotations/text/ are the specification; textmodel.js and selection.js port them.
These tests run both on the same strings: the seed articles and hostile Unicode.
"""

import random
import unicodedata
from pathlib import Path

import pytest

from annotations.models import Adjudication, GoldSpan, Role
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.demo import CONFLICT_EVENT_LABELS, SEED_DIR, labels_ensure
from annotations.services.spans import span_create
from annotations.text.chars import graphemes
from annotations.text.clitics import enclitic_starts, proclitic_ends
from annotations.text.snap import snap_to_clusters, snap_to_words
from annotations.text.tokens import tokenize
from tests.browser.conftest import sign_in
from tests.browser.test_workspace import RECTS_JS, SELECT_JS, SPECIAL_TEXT, stored, utf16, wait_for, wait_saved
from tests.browser.test_workspace import workspace as workspace  # noqa: F401  (fixture)
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.text.test_snap import CLITIC_CASES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEDS = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(Path(SEED_DIR).glob("*.txt"))]
SEED_A, SEED_B = SEEDS  # 000_… (Rusafa attack), 004_… (Athriya-Raqqa road)

HOSTILE = [
    "👍🏽 👩🏾\u200d🚀 👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈 ❤\ufe0f",  # skin tones, ZWJ sequences, VS16
    "🇮🇶🇸🇾🇮 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # flags, odd indicator, tag flag
    "1\ufe0f\u20e3 #\ufe0f\u20e3 *\u20e3",  # keycaps
    "قَالَ مُحَمَّدٌ إِنَّ الجـــيش ـ ــَـ",  # tashkeel, shadda, tatweel (with a mark on it)
    "\u200fقال\u200e SY24 \u202bالرقة\u202c \u2067نص\u2069 \u061cو",  # bidi marks and isolates
    "می\u200cخواهم ل\u200dا \u200d\u200c ﻻ ﷺ",  # ZWNJ/ZWJ inside words and alone, presentation forms
    " \u064e قال\u064e\u0651 \r\n \u00ad",  # a mark after a space, CR LF, soft hyphen
    "한국어 \u1100\u1161\u11a8 e\u0301 a\u0308\u0301",  # Hangul syllables and jamo, Latin marks
]

GRAPHEMES_JS = """async (texts) => {
  const model = await import('/static/annotations/js/textmodel.js');
  return texts.map((text) => model.graphemes(text));
}"""

SNAP_JS = """async ([text, selections]) => {
  const model = await import('/static/annotations/js/textmodel.js');
  const snapper = new model.Snapper(new model.OffsetTable(text));
  return selections.map(([s, e]) => [snapper.toWords(s, e), snapper.toClusters(s, e)]);
}"""

CLITICS_JS = """async (words) => {
  const model = await import('/static/annotations/js/textmodel.js');
  return words.map((w) => [model.procliticEnds(Array.from(w)), model.encliticStarts(Array.from(w))]);
}"""


def test_grapheme_clusters_match_the_server_on_hostile_strings_and_the_seeds(workspace, page):  # noqa: F811
    workspace("نص")
    texts = HOSTILE + SEEDS
    browser = page.evaluate(GRAPHEMES_JS, texts)
    for text, clusters in zip(texts, browser, strict=True):
        assert [tuple(c) for c in clusters] == list(graphemes(text)), text


def test_tokens_and_clitic_cuts_match_the_server(workspace, page):  # noqa: F811
    workspace("نص")
    words = sorted({t.text for text in SEEDS + HOSTILE for t in tokenize(text)})
    browser = page.evaluate(CLITICS_JS, words)
    assert [(w, p, e) for w, (p, e) in zip(words, browser, strict=True)] == [
        (w, proclitic_ends(w), enclitic_starts(w)) for w in words
    ]
    for text in HOSTILE:
        tokens = page.evaluate(
            "async (t) => (await import('/static/annotations/js/textmodel.js')).tokenize(Array.from(t))", text
        )
        assert [tuple(t) for t in tokens] == [(t.start, t.end) for t in tokenize(text)], text


def test_snapping_matches_the_server(workspace, page):  # noqa: F811
    workspace("نص")
    rng = random.Random(12)
    for text in SEEDS + HOSTILE:
        n = len(text)
        selections = set()
        for token in tokenize(text):  # every clitic cut, as a start and as an end
            for cut in proclitic_ends(token.text) + enclitic_starts(token.text):
                selections.add((token.start + cut, token.end))
                selections.add((token.start, token.start + cut))
                selections.add((token.start + cut, min(n, token.end + 12)))
        for _ in range(300):
            a, b = sorted(rng.randrange(n + 1) for _ in range(2))
            selections.add((a, b))
        selections = sorted(selections)
        browser = page.evaluate(SNAP_JS, [text, selections])
        for (start, end), (words, exact) in zip(selections, browser, strict=True):
            expected_words = snap_to_words(text, start, end)
            assert (tuple(words) if words else None) == expected_words, (text[start:end], start, end)
            if start < end:
                assert tuple(exact) == snap_to_clusters(text, start, end), (start, end)


# --- real drags -----------------------------------------------------------------------------------------


def drag(page, text: str, start: int, end: int, *, alt: bool = False) -> str:
    """Drags the mouse from before text[start] to after text[end - 1] (right to left); returns the selection."""
    first = page.evaluate(RECTS_JS, [utf16(text, start), utf16(text, start + 1)])[0]
    page.evaluate("(y) => window.scrollBy(0, y)", first["top"] - 300)
    first = page.evaluate(RECTS_JS, [utf16(text, start), utf16(text, start + 1)])[0]
    last = page.evaluate(RECTS_JS, [utf16(text, end - 1), utf16(text, end)])[-1]
    if alt:
        page.keyboard.down("Alt")
    page.mouse.move(first["right"] - 1, (first["top"] + first["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(last["left"] + 1, (last["top"] + last["bottom"]) / 2, steps=8)
    page.mouse.up()
    if alt:
        page.keyboard.up("Alt")
    return page.evaluate("window.getSelection().toString()")


ISSUE_DRAGS = CLITIC_CASES[:4]  # the four drags of issue 12


def test_the_four_drags_of_the_issue_store_exactly_what_was_dragged(workspace, page, screenshot):  # noqa: F811
    expected = {}
    for article in (SEED_A, SEED_B):
        assignment = workspace(article)
        expected[assignment] = []
        for text, context, dragged, _ in ISSUE_DRAGS:
            if text != article:
                continue
            start = article.index(dragged, article.index(context))
            assert drag(page, article, start, start + len(dragged)) == dragged
            page.keyboard.press("1")
            wait_saved(page)
            expected[assignment].append((start, start + len(dragged), "actor", dragged))
        if article is SEED_B:
            screenshot("selection-clitics")
    for assignment, spans in expected.items():
        assert stored(assignment) == sorted(spans)
    assert sum(len(spans) for spans in expected.values()) == 4


def test_a_mid_word_drag_still_snaps_and_an_alt_drag_keeps_the_exact_partial_word(workspace, page):  # noqa: F811
    assignment = workspace(SEED_A)
    word = "الرصافة"
    start = SEED_A.index(word)
    # from inside ببادية (not at a clitic cut) to inside الرصافة: both ends grow to whole words
    inner = SEED_A.index("ادية", SEED_A.index("ببادية"))
    assert drag(page, SEED_A, inner, start + 3) == SEED_A[inner : start + 3]
    page.keyboard.press("2")
    wait_saved(page)
    # Alt held: exactly الرص
    assert drag(page, SEED_A, start, start + 4, alt=True) == "الرص"
    page.keyboard.press("2")
    wait_saved(page)
    bb = SEED_A.index("ببادية")
    assert stored(assignment) == [
        (bb, start + len(word), "place", "ببادية الرصافة"),
        (start, start + 4, "place", "الرص"),
    ]


def test_the_exact_toggle_keeps_partial_words_but_never_splits_a_letter_from_its_marks(workspace, page):  # noqa: F811
    assignment = workspace(SPECIAL_TEXT)
    page.click("#exact-selection")  # with the mouse: the label keys still work afterwards
    assert page.is_checked("#exact-selection")
    start = SPECIAL_TEXT.index("قَالَ")
    page.evaluate(SELECT_JS, [utf16(SPECIAL_TEXT, start), utf16(SPECIAL_TEXT, start + 1)])  # ق without its fatha
    page.keyboard.press("1")
    wait_saved(page)
    start2 = SPECIAL_TEXT.index("جندياً")
    page.evaluate(SELECT_JS, [utf16(SPECIAL_TEXT, start2), utf16(SPECIAL_TEXT, start2 + 3)])
    page.keyboard.press("1")
    wait_saved(page)
    assert stored(assignment) == [(start, start + 2, "actor", "قَ"), (start2, start2 + 3, "actor", "جند")]


# --- the adjudication page uses the same selection code and the project's setting -----------------------


@pytest.fixture
def adjudication(live_server, page):
    def open_page(text: str, *, snap: bool) -> object:
        project = ProjectFactory(slug="badia", name="أخبار البادية", snap_to_words=snap, overlap_k=1)
        labels_ensure(project, CONFLICT_EVENT_LABELS)
        MembershipFactory(project=project, user=UserFactory(username="adjudicator"), role=Role.ADJUDICATOR)
        reviewer = UserFactory(username="reviewer1")
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
        document = DocumentFactory(project=project, text=text)
        assignment = assignment_open(document=document, reviewer=reviewer)
        span_create(assignment=assignment, start=0, end=2, label="actor")
        assignment_submit(assignment=assignment)
        sign_in(page, live_server, "adjudicator")
        page.goto(f"{live_server.url}/adjudication/{document.id}/")
        page.wait_for_selector("body[data-adjudication-ready=true]")
        return document

    return open_page


def gold(document):
    return list(
        GoldSpan.objects.filter(adjudication__in=Adjudication.objects.filter(document=document))
        .order_by("start")
        .values_list("start", "end", "label__name")
    )


@pytest.mark.parametrize("snap", [True, False])
def test_adjudication_keeps_a_clitic_cut_and_honours_snap_to_words(adjudication, page, snap):
    text = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام ببادية الرصافة"
    document = adjudication(text, snap=snap)
    start = text.index("بادية")
    page.evaluate(SELECT_JS, [utf16(text, start), utf16(text, start + len("بادية الرص"))])
    page.keyboard.press("2")
    wait_for(page, "document.querySelectorAll('#gold-list li').length === 1")
    end = len(text) if snap else start + len("بادية الرص")
    assert gold(document) == [(start, end, "place")]
