from django import template
from django.utils.safestring import mark_safe

from annotations.text.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(source: str) -> str:
    """Guidelines in Markdown as HTML: raw HTML is escaped, links get rel=noopener (annotations.text.markdown)."""
    return mark_safe(render_markdown(source))  # noqa: S308 - markdown-it escapes everything (html=False)
