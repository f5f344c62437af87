"""Parse article files into plain records. Pure: no Django.

`.txt` is one UTF-8 article per file; `.jsonl` is one JSON object per line with
`text` and optional `title`, `source`, `url`, `published_at`, `external_id`.
Every problem raises ImportLineError naming the file and, for JSONL, the line,
so that the caller can refuse the whole file before writing anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from annotations.errors import ImportLineError
from annotations.text.inputs import forbidden_char_message, json_problem

SUPPORTED_SUFFIXES = (".txt", ".jsonl")
OPTIONAL_STRING_FIELDS = ("title", "source", "url", "external_id")
MAX_FIELD_CHARS = {"title": 500, "source": 200, "url": 2000, "external_id": 200}
TITLE_FROM_TEXT_CHARS = 120


@dataclass(frozen=True)
class ArticleRecord:
    text: str  # NFC
    title: str = ""
    source: str = ""
    url: str = ""
    published_at: dt.datetime | None = None
    external_id: str = ""
    line: int | None = None  # where it came from, for messages


def title_from_text(text: str) -> str:
    """The first line, cut on a word boundary: articles in .txt files carry no title of their own."""
    first_line = text.strip().split("\n", 1)[0].strip()
    if len(first_line) <= TITLE_FROM_TEXT_CHARS:
        return first_line
    cut = first_line[:TITLE_FROM_TEXT_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def check_url(url: str) -> str | None:
    """Only http(s) links with a host: a `javascript:` or `data:` URL must never reach a page."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "Enter a valid URL (http or https)."
    return None


def parse_published_at(value: str) -> dt.datetime:
    """ISO 8601 date or date-time; a naive value is taken as UTC."""
    parsed = dt.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def check_text(text: str, max_chars: int) -> tuple[str, str | None]:
    """Returns the NFC text and an error message, if any."""
    problem = forbidden_char_message(text)
    if problem:
        return text, f"text {problem}"
    if not text.strip():
        return text, "text is empty"
    text = unicodedata.normalize("NFC", text)
    if len(text) > max_chars:
        return text, f"text has {len(text)} characters; the limit is {max_chars}"
    return text, None


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportLineError(str(path), line, f"not valid UTF-8 at byte {exc.start}") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_txt(path: Path, data: bytes, *, max_chars: int) -> list[ArticleRecord]:
    text, error = check_text(_decode(path, data), max_chars)
    if error == "text is empty":
        raise ImportLineError(str(path), None, "empty file")
    if error:
        raise ImportLineError(str(path), None, error)
    return [ArticleRecord(text=text, title=title_from_text(text), external_id=path.stem)]


def parse_jsonl_object(obj: object, *, max_chars: int) -> ArticleRecord:
    """Validates one decoded JSONL object; raises ValueError with the reason."""
    if not isinstance(obj, dict):
        raise ValueError('expected a JSON object with a "text" field')
    if "text" not in obj:
        raise ValueError('missing "text"')
    if not isinstance(obj["text"], str):
        raise ValueError('"text" must be a string')
    text, error = check_text(obj["text"], max_chars)
    if error:
        raise ValueError(error)
    values: dict[str, object] = {}
    for name in OPTIONAL_STRING_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "external_id":
            value = str(value)
        if not isinstance(value, str):
            raise ValueError(f'"{name}" must be a string')
        problem = forbidden_char_message(value)
        if problem:
            raise ValueError(f'"{name}" {problem}')
        if len(value) > MAX_FIELD_CHARS[name]:
            raise ValueError(f'"{name}" is longer than {MAX_FIELD_CHARS[name]} characters')
        values[name] = value.strip()
    if values.get("url"):
        url_error = check_url(values["url"])
        if url_error:
            raise ValueError(f'"url": {url_error}')
    published_at = None
    if obj.get("published_at") not in (None, ""):
        raw = obj["published_at"]
        if not isinstance(raw, str):
            raise ValueError('"published_at" must be an ISO 8601 string')
        try:
            published_at = parse_published_at(raw)
        except ValueError:
            raise ValueError(f'"published_at" is not an ISO 8601 date: {raw!r}') from None
    return ArticleRecord(
        text=text,
        title=values.get("title") or title_from_text(text),
        source=values.get("source", ""),
        url=values.get("url", ""),
        published_at=published_at,
        external_id=values.get("external_id", ""),
    )


def parse_jsonl(path: Path, data: bytes, *, max_chars: int) -> list[ArticleRecord]:
    records = []
    # Split on \n only: JSON strings may not hold raw newlines, and U+2028 inside text is legal.
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        if not raw_line.strip():
            continue
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportLineError(str(path), number, f"not valid UTF-8 at byte {exc.start}") from None
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportLineError(str(path), number, f"invalid JSON ({exc.msg})") from None
        except RecursionError:
            raise ImportLineError(str(path), number, "invalid JSON (nested too deeply)") from None
        try:
            record = parse_jsonl_object(obj, max_chars=max_chars)
        except ValueError as exc:
            raise ImportLineError(str(path), number, str(exc)) from None
        problem = json_problem(obj)  # what the named fields did not already refuse, anywhere in the line
        if problem:
            where, message = problem
            raise ImportLineError(str(path), number, f'"{where}" {message}' if where else message)
        records.append(dataclasses.replace(record, line=number))
    if not records:
        raise ImportLineError(str(path), None, "empty file: no articles in it")
    return records


def parse_article_file(path: str | Path, *, max_chars: int = 500_000) -> list[ArticleRecord]:
    """All the articles of one file, or ImportLineError for the first problem found."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportLineError(str(path), None, "Only .txt and .jsonl files are accepted.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportLineError(str(path), None, "no such file") from None
    except IsADirectoryError:
        raise ImportLineError(str(path), None, "is a directory, not a file") from None
    except OSError as exc:
        raise ImportLineError(str(path), None, f"cannot be read ({exc.strerror})") from None
    if suffix == ".txt":
        return parse_txt(path, data, max_chars=max_chars)
    return parse_jsonl(path, data, max_chars=max_chars)
