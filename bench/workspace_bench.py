"""Workspace load and hotkey-to-drawn-span times in headless Chromium.

An article of 20,000 characters with 2,000 spans (overlapping, all labels) is served by runserver on
127.0.0.1 from a throwaway SQLite database. Prints the time from navigation start until the workspace
is interactive (goal < 300 ms, issue 17) and from a label hotkey to the span drawn (goal < 16 ms: one frame).

Run: .venv/bin/python bench/workspace_bench.py   (needs /usr/bin/chromium: scripts/install-browser.sh)
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="workspace-bench-"))
ENV = {
    **os.environ,
    "DATABASE_URL": f"sqlite:///{TMP}/bench.sqlite3",
    "DEBUG": "1",
    "DJANGO_SETTINGS_MODULE": "workbench.settings",
    "WORKBENCH_VAR_DIR": str(TMP),
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from annotations.models import Assignment, Document, LabelType, Membership, Project, Span  # noqa: E402
from annotations.services.demo import CONFLICT_EVENT_LABELS, SEED_DIR, labels_ensure  # noqa: E402
from annotations.text.tokens import tokenize  # noqa: E402

CHARS = 20_000
SPANS = 2_000
LOADS = 7
HOTKEYS = 25
PASSWORD = "bench-password-1"


def build() -> tuple[int, str]:
    call_command("migrate", verbosity=0)
    seeds = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in sorted(SEED_DIR.glob("*.txt"))]
    text = ""
    while len(text) < CHARS:
        text += "\n".join(seeds) + "\n"
    text = text[:CHARS]
    project = Project.objects.create(slug="bench", name="Bench")
    labels_ensure(project, CONFLICT_EVENT_LABELS)
    labels = list(LabelType.objects.filter(project=project))
    user = get_user_model().objects.create_user("bench", password=PASSWORD)
    Membership.objects.create(project=project, user=user, role="reviewer")
    document = Document.objects.create(project=project, text=text, title="20k")
    assignment = Assignment.objects.create(document=document, reviewer=user)
    tokens = [t for t in tokenize(text) if t.end < len(text)]
    rng = random.Random(7)
    spans, seen = [], set()
    while len(spans) < SPANS:
        i = rng.randrange(len(tokens) - 4)
        j = i + rng.choice([0, 0, 0, 1, 2, 3])  # mostly single words, some phrases: many overlaps
        start, end = tokens[i].start, tokens[j].end
        label = rng.choice(labels)
        if (start, end, label.pk) in seen:  # a reviewer marks a span once (unique constraint)
            continue
        seen.add((start, end, label.pk))
        spans.append(Span(assignment=assignment, label=label, start=start, end=end, text=text[start:end]))
    Span.objects.bulk_create(spans)
    return assignment.id, text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    assignment_id, text = build()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            url = f"{base}/assignments/{assignment_id}/"
            loads = []
            for _ in range(LOADS):
                page.goto(url)
                page.wait_for_selector("body[data-workspace-ready=true]")
                loads.append(page.evaluate("window.__workspaceReadyAt"))  # ms since navigation start
            segments = page.evaluate("document.querySelectorAll('#article .seg').length")
            draws, frames = [], []
            tokens = [t for t in tokenize(text) if t.end < len(text) and t.text.isalpha()]
            rng = random.Random(11)
            for _ in range(HOTKEYS):
                token = rng.choice(tokens)
                u16 = lambda i: len(text[:i].encode("utf-16-le")) // 2  # noqa: E731
                page.evaluate(
                    """([s, e]) => {
                      const article = document.getElementById('article');
                      const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
                      const range = document.createRange(); let seen = 0, node, started = false;
                      while ((node = walker.nextNode())) {
                        const len = node.data.length;
                        if (!started && s <= seen + len) { range.setStart(node, s - seen); started = true; }
                        if (e <= seen + len) { range.setEnd(node, e - seen); break; }
                        seen += len;
                      }
                      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                      window.__lastFrameMs = null;
                    }""",
                    [u16(token.start), u16(token.end)],
                )
                page.keyboard.press("1")
                deadline = time.monotonic() + 5
                while page.evaluate("window.__lastFrameMs") is None and time.monotonic() < deadline:
                    page.wait_for_timeout(5)
                draws.append(page.evaluate("window.__lastDrawMs"))
                frames.append(page.evaluate("window.__lastFrameMs"))
                while page.evaluate("document.getElementById('save-status').textContent") != "All changes saved":
                    page.wait_for_timeout(10)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    def p95(values):
        return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]

    print(f"article: {len(text):,} characters, {SPANS:,} spans, {segments:,} drawn segments")
    print(f"{'measure':44} {'median ms':>10} {'p95 ms':>10} {'goal ms':>8}  met")
    rows = [
        ("load -> interactive (navigation start)", loads, 300),
        ("hotkey -> span in the DOM", draws, 16),
        ("hotkey -> next frame painted", frames, 16),
    ]
    for name, values, goal in rows:
        median = statistics.median(values)
        print(f"{name:44} {median:10.1f} {p95(values):10.1f} {goal:8d}  {'yes' if median < goal else 'NO'}")


if __name__ == "__main__":
    main()
