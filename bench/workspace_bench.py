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
- hotkey: from the keydown's time stamp to the span in the DOM and to the next frame's requestAnimationFrame
  (both timed by the page), to the end of the frame that draws it on the main thread (style, layout, paint,
  commit to the compositor: "painted") and to that frame presented on screen (after raster and the display
  compositor; software, no GPU here). The last two come from a Chromium trace of the hotkeys (its Event Timing
  record of each keydown and the main thread's frames), which also gives where each key's time went: our
  work (handlers, the frame's style, layout, paint) and waiting (for the frame's vsync, for raster and
  display). The page's own "painted" probe (a message posted from requestAnimationFrame, run after the frame)
  is printed as well: Chromium holds such tasks back after an input until the next frame is drawn, so when
  the key is handled inside a frame (often) the probe fires one frame late. The reviewer selects a word on
  screen, as a person would: the word is scrolled to the middle and drawn before it is selected. The Event
  Timing API's count of keys whose next paint was presented 16 ms or more after the key (in steps of 8 ms)
  is printed as a check from the page itself.

Run: .venv/bin/python bench/workspace_bench.py [--dev] [--loads N] [--hotkeys N] [--trace FILE]
(needs /usr/bin/chromium: scripts/install-browser.sh)
"""

from __future__ import annotations

import argparse
import atexit
import json
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
ARGS.add_argument("--trace", metavar="FILE", help="record a Chromium trace of the hotkeys (Performance panel format)")
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
TRACE = OPTIONS.trace or str(TMP / "hotkeys-trace.json")
TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "blink.user_timing",
    "input",
    "benchmark",
    "cc",
    "viz",
    "latencyInfo",
]


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


# The main thread's steps of a frame (Chromium trace event names), in order; "paint" includes layerizing.
FRAME_STEPS = [
    ("requestAnimationFrame callbacks", "FireAnimationFrame"),
    ("style recalculation", "UpdateLayoutTree"),
    ("layout", "Layout"),
    ("pre-paint", "PrePaint"),
    ("paint and layerize", "LocalFrameView::RunPaintLifecyclePhase"),
    ("commit to the compositor", "Commit"),
]


def key_breakdown(path: str) -> list[dict[str, float]]:
    """
    Where each label key's time went, in ms, from Chromium's trace of the hotkeys: the Event Timing record of
    the keydown (its time stamp, the handlers' start and end, and the time until the next frame was presented
    on screen, unrounded) and the renderer's main thread (its tasks and the frame that follows the handlers:
    ProxyMain::BeginMainFrame, with its style, layout, paint and commit).
    """
    data = json.loads(Path(path).read_text())
    events = data["traceEvents"] if isinstance(data, dict) else data
    keys = [
        e
        for e in events
        if e.get("name") == "EventTiming" and e.get("ph") == "b" and e["args"]["data"].get("type") == "keydown"
    ]
    if not keys:
        return []
    thread = (keys[0]["pid"], keys[0]["tid"])  # the page's main thread
    complete = sorted(
        (e for e in events if e.get("ph") == "X" and (e["pid"], e["tid"]) == thread), key=lambda e: e["ts"]
    )
    tasks = [e for e in complete if e["name"] == "RunTask"]
    frames = [e for e in complete if e["name"] == "ProxyMain::BeginMainFrame"]
    rows = []
    for key in keys:
        timing = key["args"]["data"]
        at = key["ts"] / 1000 - timing["timeStamp"]  # performance.now() -> trace clock (ms)
        handled = timing["processingEnd"] + at
        frame = next((f for f in frames if (f["ts"] + f["dur"]) / 1000 > handled), None)
        if frame is None:
            continue
        ends = (frame["ts"] + frame["dur"]) / 1000
        pressed = timing["timeStamp"] + at

        def within(e, handled=handled, ends=ends):  # the part of e between the handlers' end and the frame's end
            return max(0.0, min(ends, (e["ts"] + e["dur"]) / 1000) - max(handled, e["ts"] / 1000))

        busy = sum(within(t) for t in tasks)
        # CPU time of the main thread from the handlers' start to the frame's end (tasks' thread time, the part
        # in the window): the wall time less this is time the thread waited for a core (other processes ran)
        started = timing["processingStart"] + at
        cpu = sum(
            t.get("tdur", t["dur"]) / t["dur"] * within(t, started)
            for t in tasks
            if t["dur"] > 0 and within(t, started)
        )
        row = {
            "key -> handlers start (input delivery)": timing["processingStart"] - timing["timeStamp"],
            "handlers (the span drawn in the DOM)": timing["processingEnd"] - timing["processingStart"],
            "main thread busy from the handlers to frame end": busy,
        }
        # the frame's steps, and the style and layout a task before it forced (the next input event's)
        for label, name in FRAME_STEPS:
            row[f"  {label}"] = sum(within(e) for e in complete if e["name"] == name)
        idle = "main thread idle: waiting for the frame (vsync)"
        row[idle] = (ends - handled) - busy
        row["frame ended -> presented (raster, display)"] = timing["duration"] - (ends - pressed)
        row["our work: main-thread CPU time, handlers to frame end"] = cpu
        row["  waiting for a core meanwhile (machine's load)"] = max(0.0, ends - started - cpu - row[idle])
        row["key -> frame ended on the main thread"] = ends - pressed
        row["key -> frame presented (Event Timing)"] = timing["duration"]
        rows.append(row)
    return rows


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
            # The keys come once the page has cut every paragraph into segments (its work while idle after the
            # first paint): cutting a paragraph replaces the text nodes a selection was made in, which left the
            # selection collapsed and a key with nothing to label (no time to report) when one came first.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not page.evaluate(
                "[...document.querySelectorAll('#article .para')].every((p) => p.firstElementChild)"
            ):
                page.wait_for_timeout(50)
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
            browser.start_tracing(page=page, path=TRACE, categories=TRACE_CATEGORIES)
            for _ in range(HOTKEYS):
                token = rng.choice(tokens)
                u16 = lambda i: len(text[:i].encode("utf-16-le")) // 2  # noqa: E731
                # A reviewer selects a word they see: scroll it to the middle of the screen and let the page
                # draw it (two frames), then select it and press the label's key. A person's key comes at
                # any moment of the 16.7 ms between two frames: the pause after the last frame is drawn
                # at random over one frame interval (a fixed pause would put every key at the same phase).
                pause = 30 + rng.uniform(0, 1000 / 60)
                page.evaluate(
                    """async ([s, e, pause]) => {
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
                      await new Promise((r) => setTimeout(r, pause));
                      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                      window.__lastFrameMs = null; window.__lastPaintMs = null;
                    }""",
                    [u16(token.start), u16(token.end), pause],
                )
                page.keyboard.press("1")
                # no request to the page while its frame is made (each would be a task on its main thread)
                page.wait_for_timeout(100)
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
            browser.stop_tracing()
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
    breakdown = key_breakdown(TRACE)
    painted = [r["key -> frame ended on the main thread"] for r in breakdown]
    presented = [r["key -> frame presented (Event Timing)"] for r in breakdown]
    rows = [
        ("load -> interactive (navigation start)", loads, 300),
        ("hotkey -> span in the DOM", draws, 16),
        ("hotkey -> next frame begins (rAF)", frames, 16),
        ("hotkey -> that frame painted (main thread)", painted, 16),
        ("hotkey -> that frame presented (screen)", presented, 16),
    ]
    for name, values, goal in rows:
        median = statistics.median(values)
        print(f"{name:44} {median:10.1f} {p95(values):10.1f} {goal:8d}  {'yes' if median < goal else 'NO'}")
    print(f"{'(page probe after the frame, late when held)':44} {statistics.median(paints):10.1f} {p95(paints):10.1f}")
    print(f"where a key's time went (Chromium trace of {len(breakdown)} hotkeys; medians do not add up), ms:")
    print(f"  {'':48} {'median':>8} {'p95':>8}")
    for name in breakdown[0] if breakdown else []:
        values = [row[name] for row in breakdown]
        print(f"  {name:48} {statistics.median(values):8.1f} {p95(values):8.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")
    print(
        f"hotkeys whose next paint was presented 16 ms or more after the key (Event Timing API): "
        f"{len(slow_keys)} of {HOTKEYS}"
        + (f" ({', '.join(f'{d:.0f}' for d in sorted(slow_keys))} ms)" if slow_keys else "")
    )


if __name__ == "__main__":
    main()
