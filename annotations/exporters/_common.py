"""Helpers shared by the writers: one JSON encoding, line-safe and deterministic."""

from __future__ import annotations

import json
import math
from urllib.parse import urlsplit

# Characters that some line readers (Python's str.splitlines, JavaScript's old JSON.parse) treat as
# line breaks or refuse in string literals. JSON allows them raw; we write them escaped so every data
# file splits into records on "\n" alone, whatever reads it. The decoded values are unchanged.
_LINE_LIKE = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def dumps(value) -> str:
    """Compact JSON, UTF-8 characters kept (ensure_ascii=False), no NaN, keys in the order given."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if any(ch in text for ch in _LINE_LIKE):
        for ch, escaped in _LINE_LIKE.items():
            text = text.replace(ch, escaped)
    return text


def finite(value):
    """A float for JSON: None when it is missing, NaN or infinite."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    return None


def http_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) URL with a host, usable as an IRI (else we use a URN)."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def document_urn(sha256: str) -> str:
    """A document's stable, project-independent IRI: the SHA-256 of its NFC text."""
    return f"urn:workbench:document:{sha256}"
