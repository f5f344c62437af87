"""Checks run in a page: axe-core (vendored, served from our origin like any static file) and a scan
for chrome left in English."""

from __future__ import annotations

AXE_URL = "/static/annotations/vendor/axe-core/axe.min.js"

AXE_RUN = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }));
}
"""


def axe_violations(page, base_url: str) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{base_url}{AXE_URL}")
    return page.evaluate(AXE_RUN)


# Text a person reads, minus what is not chrome: the article and snippets (Arabic news), names (<bdi>),
# code and keys, and anything explicitly marked as English (the switch's "English" button).
ENGLISH_RUNS = r"""
() => {
  const skip = ["script, style, template, noscript, .article, .snippet, bdi, code, kbd, pre",
                "[lang=en], [data-keep-digits], dialog:not([open]), [hidden]"].join(", ");
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(skip) || !node.data.trim()) continue;
    texts.push(node.data);
  }
  for (const el of document.body.querySelectorAll("[title], [aria-label], [placeholder], [alt]")) {
    if (el.closest(skip)) continue;
    for (const name of ["title", "aria-label", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  texts.push(document.title);
  const run = /\b[A-Za-z]{2,}[’']?[a-z]*\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b/g;
  const found = [];
  for (const text of texts) for (const match of text.match(run) || []) found.push(match);
  return found;
}
"""


def english_runs(page) -> list[str]:
    """Runs of three English words in the page's chrome (a string left untranslated)."""
    return page.evaluate(ENGLISH_RUNS)


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the viewport (0: no horizontal scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
