"""Workspace load and hotkey-to-drawn-span times in headless Chromium.

An article of 20,000 characters with 2,000 spans (overlapping, all labels) is served from a throwaway
SQLite database as shipped: DEBUG off, gunicorn with 2 workers, the collected static files through WhiteNoise
(`--dev`: runserver with DEBUG on, as in development). Prints the time from navigation start until the
workspace is interactive (goal < 300 ms, issue 17) and from a label hotkey to the span drawn (goal < 16 ms:
one frame).

What is measured:
- interactive: the page sets `body[data-workspace-ready]` and `window.__workspaceReadyAt` once the frame that
  draws the article with all its spans has been painted (a message posted from requestAnimationFrame runs
  after that frame's style, layout and paint), the scripts done, the page listening for keys;
- hotkey: from the keydown's time stamp to the span in the DOM, to the next frame's requestAnimationFrame,
  and to the end of that frame (painted). The reviewer selects a word on screen, as a person would: the word
  is scrolled to the middle and drawn before it is selected. The Event Timing API's count of keys whose next
  paint was presented 16 ms or more after the key is printed as a check from the browser itself.

Run: .venv/bin/python bench/workspace_bench.py [--dev] [--loads N] [--hotkeys N]
(needs /usr/bin/chromium: scripts/install-browser.sh)
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import secrets
import shutil
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
atexit.register(shutil.rmtree, TMP, ignore_errors=True)  # the throwaway database and collected static files
ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--dev", action="store_true", help="runserver with DEBUG on instead of the shipped setup")
ARGS.add_argument("--loads", type=int, default=7)
ARGS.add_argument("--hotkeys", type=int, default=25)
OPTIONS = ARGS.parse_args()
ENV = {
    **os.environ,
    "DATABASE_URL": f"sqlite:///{TMP}/bench.sqlite3",
    "DEBUG": "1" if OPTIONS.dev else "0",
    "DJANGO_SETTINGS_MODULE": "workbench.settings",
    "WORKBENCH_VAR_DIR": str(TMP),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECRET_KEY": secrets.token_urlsafe(48),
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
LOADS = OPTIONS.loads
HOTKEYS = OPTIONS.hotkeys
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
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    assignment_id, text = build()
    port = free_port()
    if OPTIONS.dev:
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"]
    else:
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "workbench.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2"]
    server = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            page.click("main button[type=submit]")  # the header has submit buttons too (language switch)
            page.wait_for_load_state()
            url = f"{base}/assignments/{assignment_id}/"
            loads, phases = [], []
            for _ in range(LOADS):
                page.goto(url)
                page.wait_for_selector("body[data-workspace-ready=true]")
                loads.append(page.evaluate("window.__workspaceReadyAt"))  # ms since navigation start
                # where the time went: the page received, parsed, the workspace's script started, the
                # article and list built (workspace-state.js and workspace.js set these marks)
                timing = page.evaluate(
                    """() => { const n = performance.getEntriesByType('navigation')[0];
                      const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
                      return [n.encodedBodySize, n.responseEnd, n.domInteractive, mark('workspace:start'),
                              mark('workspace:drawn')]; }"""
                )
                page_bytes = timing[0]
                phases.append(timing[1:])
            draws, frames, paints = [], [], []
            tokens = [t for t in tokenize(text) if t.end < len(text) and t.text.isalpha()]
            rng = random.Random(11)
            # Event Timing API (what Chrome reports as interaction latency): the key's time to the next paint
            # presented, in steps of 8 ms; entries only for the keys that took 16 ms or more.
            page.evaluate(
                """() => { window.__slowKeys = [];
                  new PerformanceObserver((list) => { for (const e of list.getEntries())
                    if (e.name === 'keydown') window.__slowKeys.push(e.duration); })
                  .observe({ type: 'event', durationThreshold: 16 }); }"""
            )
            for _ in range(HOTKEYS):
                token = rng.choice(tokens)
                u16 = lambda i: len(text[:i].encode("utf-16-le")) // 2  # noqa: E731
                # A reviewer selects a word they see: scroll it to the middle of the screen and let the page
                # draw it (two frames), then select it and press the label's key.
                page.evaluate(
                    """async ([s, e]) => {
                      const article = document.getElementById('article');
                      const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
                      const range = document.createRange(); let seen = 0, node, started = false;
                      while ((node = walker.nextNode())) {
                        const len = node.data.length;
                        if (!started && s <= seen + len) { range.setStart(node, s - seen); started = true; }
                        if (e <= seen + len) { range.setEnd(node, e - seen); break; }
                        seen += len;
                      }
                      range.startContainer.parentElement.scrollIntoView({ block: 'center' });
                      for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
                      await new Promise((r) => setTimeout(r, 30));
                      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                      window.__lastFrameMs = null; window.__lastPaintMs = null;
                    }""",
                    [u16(token.start), u16(token.end)],
                )
                page.keyboard.press("1")
                deadline = time.monotonic() + 5
                while page.evaluate("window.__lastPaintMs") is None and time.monotonic() < deadline:
                    page.wait_for_timeout(5)
                draws.append(page.evaluate("window.__lastDrawMs"))
                frames.append(page.evaluate("window.__lastFrameMs"))
                paints.append(page.evaluate("window.__lastPaintMs"))
                # saved: no span waiting for the server (the request leaves after the frame)
                while page.evaluate(
                    "document.querySelector('#article .seg.pending') !== null"
                    " || document.getElementById('save-status').textContent !== 'All changes saved'"
                ):
                    page.wait_for_timeout(10)
            slow_keys = page.evaluate("window.__slowKeys")
            segments = page.evaluate("document.querySelectorAll('#article .seg').length")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    def p95(values):
        return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]

    print(f"article: {len(text):,} characters, {SPANS:,} spans, {segments:,} drawn segments")
    served = "dev server (runserver, DEBUG on)" if OPTIONS.dev else "as shipped (gunicorn, DEBUG off)"
    print(f"{served}: page {page_bytes / 1024:.0f} KiB; medians of {LOADS} loads, ms after navigation start:")
    names = ["page received", "page parsed", "workspace script starts", "article and list built", "interactive"]
    for name, values in zip(names, [*zip(*phases, strict=True), loads], strict=True):
        values = [v for v in values if v is not None]
        print(f"  {name:42} {statistics.median(values):8.1f}" if values else f"  {name:42} {'-':>8}")
    print(f"{'measure':44} {'median ms':>10} {'p95 ms':>10} {'goal ms':>8}  met")
    rows = [
        ("load -> interactive (navigation start)", loads, 300),
        ("hotkey -> span in the DOM", draws, 16),
        ("hotkey -> next frame begins (rAF)", frames, 16),
        ("hotkey -> next frame painted", paints, 16),
    ]
    for name, values, goal in rows:
        median = statistics.median(values)
        print(f"{name:44} {median:10.1f} {p95(values):10.1f} {goal:8d}  {'yes' if median < goal else 'NO'}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")
    print(
        f"hotkeys whose next paint was presented 16 ms or more after the key (Event Timing API): "
        f"{len(slow_keys)} of {HOTKEYS}"
        + (f" ({', '.join(f'{d:.0f}' for d in sorted(slow_keys))} ms)" if slow_keys else "")
    )


if __name__ == "__main__":
    main()
