"""Parse a file uploaded in the browser or the API into article records, listing EVERY bad line. Pure: no Django.

Formats: `.txt` (one article), `.jsonl` (one object a line, as import_articles reads it, plus optional
`spans`: suggestions `{start, end, label, score?}` from a model or another tool), `.csv` (a header row
with a `text` column; optional `title`, `source`, `url`, `published_at`, `external_id`) and `.zip`
(of `.txt` files, one article each). `check_upload` refuses a whole file before any work (size, empty,
not UTF-8, unsafe or too many zip members); `parse_upload` then returns the records and the list of
line errors: the caller writes nothing when that list is not empty (all or nothing), and may be told how
far the parse is (`on_progress`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from annotations.errors import ImportLineError
from annotations.importers import ArticleRecord, parse_jsonl_object, parse_txt
from annotations.text.inputs import json_problem
from annotations.text.offsets import validate_span

UPLOAD_SUFFIXES = (".txt", ".jsonl", ".csv", ".zip")
CSV_COLUMNS = ("text", "title", "source", "url", "published_at", "external_id")
# Lines (CSV rows, zip members) between two reports to `on_progress`: a report may be a database write,
# which costs as much as parsing a few lines; every 1,000 lines it is lost in the parse's time.
PROGRESS_EVERY = 1_000
ZIP_PROGRESS_EVERY = 50  # a zip holds at most IMPORT_MAX_ZIP_MEMBERS (1,000) articles, each a file to inflate

ProgressCallback = Callable[[float], None]


class UploadRefused(ValueError):
    """The whole file is refused before parsing (`message` says why)."""


@dataclass(frozen=True)
class SuggestedSpan:
    start: int
    end: int
    label: str
    score: float | None = None


@dataclass(frozen=True)
class UploadedArticle:
    record: ArticleRecord
    suggestions: tuple[SuggestedSpan, ...] = ()


@dataclass(frozen=True)
class UploadLimits:
    max_chars: int = 500_000
    min_chars: int = 20
    max_zip_members: int = 1000
    max_unzipped_bytes: int = 200 * 1024 * 1024


def suffix_of(name: str) -> str:
    return posixpath.splitext(name.lower())[1]


def _zip_members(data: bytes, limits: UploadLimits) -> list[zipfile.ZipInfo]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadRefused("not a readable .zip file") from None
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > limits.max_zip_members:
        raise UploadRefused(f"the zip holds {len(members)} files; the limit is {limits.max_zip_members}")
    total = 0
    for info in members:
        name = info.filename.replace("\\", "/")
        # "Zip slip": a member named ../x or /etc/x would land outside the archive if ever extracted.
        if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/")[0]:
            raise UploadRefused(f"the zip member {info.filename!r} points outside the archive")
        if suffix_of(name) != ".txt":
            raise UploadRefused(f"the zip member {info.filename!r} is not a .txt file")
        total += info.file_size
    if total > limits.max_unzipped_bytes:
        raise UploadRefused(f"the zip unpacks to {total:,} bytes; the limit is {limits.max_unzipped_bytes:,}")
    return members


def check_upload(name: str, data: bytes, limits: UploadLimits) -> None:
    """Refuses the whole file (UploadRefused) for a wrong type, no content, text that is not UTF-8, or a
    zip with unsafe paths, too many members, or too much unpacked data."""
    suffix = suffix_of(name)
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused("only .txt, .jsonl, .csv and .zip files are accepted")
    if not data.strip():
        raise UploadRefused("the file is empty")
    if suffix == ".zip":
        _zip_members(data, limits)
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UploadRefused(f"the file is not UTF-8 text (line {line}, byte {exc.start})") from None


def _check_length(record: ArticleRecord, limits: UploadLimits) -> str | None:
    length = len(record.text.strip())
    if length < limits.min_chars:
        return f"text has {length} characters; an article has at least {limits.min_chars}"
    return None


def parse_suggestions(value, text: str, labels: set[str]) -> tuple[SuggestedSpan, ...]:
    """The `spans` of one JSONL line, validated like a reviewer's spans; ValueError with the reason."""
    if not isinstance(value, list):
        raise ValueError('"spans" must be a list of {start, end, label}')
    spans = []
    for index, item in enumerate(value):
        where = f'"spans"[{index}]'
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be an object with start, end and label")
        start, end, label, score = item.get("start"), item.get("end"), item.get("label"), item.get("score")
        for field, number in (("start", start), ("end", end)):
            if isinstance(number, bool) or not isinstance(number, int):
                raise ValueError(f"{where}.{field} must be an integer")
        problems = validate_span(text, start, end)
        if problems:
            field, message = next(iter(problems.items()))
            raise ValueError(f"{where}.{field}: {message}")
        if not isinstance(label, str) or label not in labels:
            known = ", ".join(sorted(labels)) or "none yet"
            raise ValueError(f"{where}.label {label!r} is not a label of this project (known: {known})")
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1
        ):
            raise ValueError(f"{where}.score must be a number from 0 to 1")
        spans.append(SuggestedSpan(start, end, label, None if score is None else float(score)))
    return tuple(spans)


def _parse_jsonl(
    data: bytes, limits: UploadLimits, labels: set[str], errors: list, on_progress: ProgressCallback | None
) -> list[UploadedArticle]:
    articles = []
    lines = data.split(b"\n")
    for number, raw_line in enumerate(lines, start=1):
        if on_progress is not None and number % PROGRESS_EVERY == 0:
            on_progress(number / len(lines))
        if not raw_line.strip():
            continue
        line = raw_line.decode("utf-8")
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        try:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"invalid JSON ({exc.msg})") from None
            except RecursionError:
                raise ValueError("invalid JSON (nested too deeply)") from None
            spans = obj.pop("spans", None) if isinstance(obj, dict) else None
            record = dataclasses.replace(parse_jsonl_object(obj, max_chars=limits.max_chars), line=number)
            problem = json_problem(obj)
            if problem:
                where, message = problem
                raise ValueError(f'"{where}" {message}' if where else message)
            if short := _check_length(record, limits):
                raise ValueError(short)
            suggestions = () if spans is None else parse_suggestions(spans, record.text, labels)
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        articles.append(UploadedArticle(record, suggestions))
    return articles


def _parse_csv(
    data: bytes, limits: UploadLimits, errors: list, on_progress: ProgressCallback | None
) -> list[UploadedArticle]:
    text = data.decode("utf-8").removeprefix("\ufeff")
    lines = text.count("\n") + 1  # physical lines, as reader.line_num counts them (a cell may hold several)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [name.strip() for name in (reader.fieldnames or [])]
    if "text" not in columns:
        errors.append((1, 'the header row has no "text" column'))
        return []
    reader.fieldnames = columns
    articles = []
    try:
        for rows, row in enumerate(reader, start=1):
            number = reader.line_num
            if on_progress is not None and rows % PROGRESS_EVERY == 0:
                on_progress(min(1.0, number / lines))
            if None in row:
                errors.append((number, "more cells than header columns"))
                continue
            obj = {name: value for name, value in row.items() if name in CSV_COLUMNS and value not in (None, "")}
            obj.setdefault("text", "")
            try:
                record = dataclasses.replace(parse_jsonl_object(obj, max_chars=limits.max_chars), line=number)
                if short := _check_length(record, limits):
                    raise ValueError(short)
            except ValueError as exc:
                errors.append((number, str(exc)))
                continue
            articles.append(UploadedArticle(record))
    except csv.Error as exc:
        errors.append((reader.line_num, f"not valid CSV ({exc})"))
    return articles


def _parse_txt(name: str, data: bytes, limits: UploadLimits, errors: list, line=None) -> list[UploadedArticle]:
    try:
        record = parse_txt(PurePosixPath(posixpath.basename(name)), data, max_chars=limits.max_chars)[0]
    except ImportLineError as exc:
        errors.append((line, exc.message))
        return []
    if short := _check_length(record, limits):
        errors.append((line, f"{name}: {short}"))
        return []
    return [UploadedArticle(record)]


def parse_upload(
    name: str, data: bytes, *, limits: UploadLimits, labels: set[str], on_progress: ProgressCallback | None = None
) -> tuple[list[UploadedArticle], list[tuple[int | None, str]]]:
    """Every article of the file, and every problem as (line, message): all of them, not only the first.

    For a zip the "line" is the member's position (1 for the first file). Call check_upload first.
    `on_progress(fraction)` is told the share of the file's lines parsed so far, every PROGRESS_EVERY lines
    (CSV rows; every ZIP_PROGRESS_EVERY zip members); not at the end (the caller knows when it returns)."""
    suffix = suffix_of(name)
    errors: list[tuple[int | None, str]] = []
    if suffix == ".jsonl":
        articles = _parse_jsonl(data, limits, labels, errors, on_progress)
    elif suffix == ".csv":
        articles = _parse_csv(data, limits, errors, on_progress)
    elif suffix == ".txt":
        articles = _parse_txt(name, data, limits, errors)
    else:
        articles = []
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = _zip_members(data, limits)
        for position, info in enumerate(members, start=1):
            articles += _parse_txt(info.filename, archive.read(info), limits, errors, line=position)
            if on_progress is not None and position % ZIP_PROGRESS_EVERY == 0:
                on_progress(position / len(members))
    if not articles and not errors:
        errors.append((None, "no articles in the file"))
    return articles, errors
