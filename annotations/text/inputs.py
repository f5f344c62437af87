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


def json_problem(data: object, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """The first problem in decoded JSON: nesting deeper than `max_depth`, or a key or string
    `forbidden_char_message` refuses. Iterative, so hostile input cannot exhaust the stack."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            message = forbidden_char_message(value)
            if message:
                return f"a string {message}"
        elif isinstance(value, dict | list):
            if depth > max_depth:
                return f"JSON is nested deeper than {max_depth} levels"
            if isinstance(value, dict):
                for key, item in value.items():
                    message = forbidden_char_message(key)
                    if message:
                        return f"a key {message}"
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
    return None
