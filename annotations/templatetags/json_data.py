"""`{{ value|json_script_utf8:"id" }}`: Django's json_script, smaller and faster for a large bootstrap.

The text stays UTF-8 (an Arabic letter is 2 bytes, and 6 as `\\u0627`), the separators carry no spaces, and `<`,
`>` and `&` are escaped as json_script escapes them (so the data cannot end the script) by three replaces
instead of a `str.translate` over every character: a 20,000-character article with 2,000 spans is a third of
the bytes, written in a few milliseconds.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def json_script_utf8(value, element_id: str) -> str:
    data = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    safe = mark_safe(data)  # noqa: S308 - JSON with <, > and & escaped: it cannot end the script element
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, safe)
