"""Template helpers for the interface language."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from annotations.i18n import javascript_catalog_version

register = template.Library()


@register.simple_tag
def javascript_catalog_url() -> str:
    """The JavaScript catalog of the interface language, at a URL that changes only with the catalog."""
    language = get_language() or "en"
    query = urlencode({"l": language, "v": javascript_catalog_version(language)})
    return f"{reverse('javascript-catalog')}?{query}"


@register.filter
def label_name(label) -> str:
    """A label's name in the interface language (LabelType.display_name)."""
    return label.display_name(get_language() or "en")
