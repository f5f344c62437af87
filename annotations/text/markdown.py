"""Project guidelines in Markdown, rendered safely. Pure: no Django.

CommonMark through markdown-it-py with raw HTML turned off (a `<script>` in the source is shown as
text), its link validation (no `javascript:`, `vbscript:`, `file:` or `data:` links), and every link
opened with rel="noopener noreferrer nofollow" in a new tab."""

from __future__ import annotations

from markdown_it import MarkdownIt

LINK_REL = "noopener noreferrer nofollow"


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

    def link_open(self, tokens, idx, options, env):
        tokens[idx].attrSet("rel", LINK_REL)
        tokens[idx].attrSet("target", "_blank")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _renderer()


def render_markdown(source: str) -> str:
    """HTML safe to put in a page as is."""
    return _MD.render(source or "")
