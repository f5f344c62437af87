"""Helpers shared by the writers: one JSON encoding, line-safe and deterministic."""

from __future__ import annotations

import json
import math
import re
from json.encoder import c_make_encoder, encode_basestring
from urllib.parse import urlsplit

# Characters that some line readers (Python's str.splitlines, JavaScript's old JSON.parse) treat as
# line breaks or refuse in string literals. JSON allows them raw; we write them escaped so every data
# file splits into records on "\n" alone, whatever reads it. The decoded values are unchanged.
_LINE_LIKE = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)
# The C encoder that json.dumps builds for every call with these options, built once (records hold no
# cycles, so no circular check): the same text, without a JSONEncoder and an encoder made per value.
_C_ENCODE = (
    c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, False)
    if c_make_encoder is not None
    else None
)


def encode(value) -> str:
    """`json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)` (without the
    line-safe pass of `dumps`)."""
    if _C_ENCODE is not None:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def dumps(value) -> str:
    """Compact JSON, UTF-8 characters kept (ensure_ascii=False), no NaN, keys in the order given."""
    return line_safe(encode(value))


def line_safe(text: str) -> str:
    """`text` (JSON) with the line-like characters escaped, as `dumps` leaves them."""
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        for ch, escaped in _LINE_LIKE.items():
            text = text.replace(ch, escaped)
    return text


# The writers' fast path builds JSON text from pieces instead of dicts; each piece is exactly what
# `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` writes for that value (the same C string
# encoder), so the joined text is byte for byte `dumps` of the equivalent dict (tests compare the two).
# `line_safe` is applied to the whole text, as `dumps` does.
json_string = encode_basestring  # a str as a JSON string literal (UTF-8 kept; " \\ and controls escaped)
_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]')  # what json_string escapes (the C encoder's set, ensure_ascii off)


def json_plain(text: str) -> bool:
    """Whether `json_string(text) == '"' + text + '"'`, so every piece of `text` can be written between
    quotes as it is: one scan of a document instead of an encoder call per span."""
    return _JSON_ESCAPED.search(text) is None


def json_value(item) -> str:
    """Any JSON value as `dumps` writes it (without the line-safe pass): quick for None, str and int."""
    if item is None:
        return "null"
    kind = type(item)
    if kind is str:
        return encode_basestring(item)
    if kind is int:
        return int.__repr__(item)
    return encode(item)


class Cached(dict):
    """json_value(x) for the few distinct values a column holds (labels, decisions, names): computed once."""

    def __missing__(self, key):
        text = self[key] = json_value(key)
        return text


_FORMATTED: dict[str, list[str]] = {}


def formatted(form: str, limit: int) -> list[str]:
    """A table with table[i] == form % i for every i < limit (at least), e.g. the ID cells "%d\t" of CoNLL:
    indexing it costs half of formatting an int, which the writers do for every offset and token number.
    One per form, shared and grown on demand (replaced, never changed in place, so a reader in another
    thread always holds a correct table)."""
    table = _FORMATTED.get(form)
    if table is None or len(table) < limit:
        size = max(limit, 2 * len(table) if table is not None else 0, 4096)
        table = _FORMATTED[form] = list(map(str, range(size))) if form == "%d" else [form % i for i in range(size)]
    return table


def numbers(limit: int) -> list[str]:
    """str(i) for every i < limit (at least): `formatted("%d", limit)`."""
    return formatted("%d", limit)


def finite(value):
    """A float for JSON: None when it is missing, NaN or infinite."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    return None


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")  # \s: what str.isspace() calls whitespace


# http(s)://host[:port] then the end or / ? #, the host of plain ASCII name characters only (no user
# info, no brackets): urlsplit gives scheme http(s) and that host, non-empty.
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9._~-]+(?::[0-9]*)?(?:[/?#]|\Z)", re.IGNORECASE)


def http_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) URL with a host, usable as an IRI (else we use a URN)."""
    if not url or _SPACE_OR_CONTROL.search(url):
        return False
    if _PLAIN_HTTP_URL.match(url):  # the usual shape, where urlsplit could only agree (it costs ~3 us)
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def document_urn(sha256: str) -> str:
    """A document's stable, project-independent IRI: the SHA-256 of its NFC text."""
    return f"urn:workbench:document:{sha256}"
