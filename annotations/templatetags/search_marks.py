"""`{{ text|mark_words:query }}`: the text, escaped, with the words a word search found in <mark>."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from annotations.text.words import word_matches

register = template.Library()


@register.filter
def mark_words(text: str, query: str) -> str:
    text = str(text)
    if not query or not str(query).strip():
        return conditional_escape(text)
    pieces = []
    at = 0
    for start, end in word_matches(text, str(query)):
        pieces.append(conditional_escape(text[at:start]))
        pieces.append(f"<mark>{conditional_escape(text[start:end])}</mark>")
        at = end
    pieces.append(conditional_escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above
