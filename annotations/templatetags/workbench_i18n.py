"""Template helpers for the interface language."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def label_name(label) -> str:
    """A label's name in the interface language (LabelType.display_name)."""
    return label.display_name(get_language() or "en")
