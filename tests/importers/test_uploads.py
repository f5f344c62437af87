"""Parsing an upload reports how far it is (pure: no database)."""

import io
import json
import zipfile

import pytest

from annotations.importers import uploads
from annotations.importers.uploads import UploadLimits, parse_upload

ARTICLE = "شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام في بادية حمص الشرقية"


def jsonl(count: int) -> bytes:
    return "\n".join(json.dumps({"text": f"{n} {ARTICLE}"}, ensure_ascii=False) for n in range(count)).encode()


def csv_file(count: int) -> bytes:
    # a cell over two lines: the CSV reader counts physical lines, as the progress does
    rows = [f'"{n} {ARTICLE}\nسطر ثان",عنوان {n}' for n in range(count)]
    return ("text,title\n" + "\n".join(rows) + "\n").encode()


def zip_file(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(count):
            archive.writestr(f"{n}.txt", f"{n} {ARTICLE}")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reports"),
    [
        ("news.jsonl", jsonl(2_500), [0.2, 0.4, 0.6, 0.8, 1.0]),  # every 500 of 2,500 lines
        # every 500 rows of 1,250, two lines each after the header line (2,502 lines with the last newline)
        ("news.csv", csv_file(1_250), [1001 / 2502, 2001 / 2502]),
        ("news.zip", zip_file(6), [2 / 6, 4 / 6, 6 / 6]),  # every 2 members
    ],
)
def test_the_parse_reports_the_share_of_the_file_done(monkeypatch, name, data, reports):
    monkeypatch.setattr(uploads, "PROGRESS_EVERY", 500)
    monkeypatch.setattr(uploads, "ZIP_PROGRESS_EVERY", 2)
    told: list[float] = []
    limits = UploadLimits()
    articles, errors = parse_upload(name, data, limits=limits, labels=set(), on_progress=told.append)
    assert told == pytest.approx(reports)
    assert errors == [] and (articles, errors) == parse_upload(name, data, limits=limits, labels=set())


def test_a_single_article_reports_nothing():
    told: list[float] = []
    articles, errors = parse_upload(
        "one.txt", ARTICLE.encode(), limits=UploadLimits(), labels=set(), on_progress=told.append
    )
    assert len(articles) == 1 and errors == [] and told == []
