"""Characters and shapes no stored value may carry. Pure: no Django.

A NUL cannot be stored in a PostgreSQL text column, and a lone surrogate (a JSON
escape like "\\ud800" that pairs with nothing) cannot be encoded as UTF-8: both
would fail deep inside the database driver as a 500. They are refused at the door.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")

# Deeper than any real request or article record; far below Python's recursion limit.
MAX_JSON_DEPTH = 64


def forbidden_char_message(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a null character (U+0000)"
    return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not a character"


def json_problem(data: object, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[str, str] | None:
    """The first problem in decoded JSON as (where, message): nesting deeper than `max_depth` (where is
    ""), or a key or string that `forbidden_char_message` refuses (where is its dotted path, such as
    "text" or "spans.0.label"). Iterative, so hostile input cannot exhaust the stack."""
    stack: list[tuple[object, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            message = forbidden_char_message(value)
            if message:
                return path, message
        elif isinstance(value, dict | list):
            if depth > max_depth:
                return "", f"JSON is nested deeper than {max_depth} levels"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                shown = _FORBIDDEN.sub(lambda found: f"\\u{ord(found.group()):04x}", str(key))  # printable again
                where = f"{path}.{shown}" if path else shown
                if isinstance(key, str):
                    message = forbidden_char_message(key)
                    if message:
                        return where, f"the name {message}"
                stack.append((item, depth + 1, where))
    return None
