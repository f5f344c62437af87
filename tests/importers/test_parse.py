"""Pure parsing of article files (no database)."""

import json
import unicodedata

import pytest

from annotations.errors import ImportLineError
from annotations.importers import parse_article_file, title_from_text

ARTICLE = (
    "شن عناصر تنظيم داعش فجر اليوم الأربعاء 8 نومبر 2023 هجوماً عنيفاً على مواقع قوات النظام.\n"
    "و جرى الهجوم بالأسلحة الرشاشة."
)


def write_jsonl(path, objects):
    path.write_text(
        "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objects) + "\n",
        encoding="utf-8",
    )
    return path


def test_txt_is_one_article_with_title_from_first_line(tmp_path):
    path = tmp_path / "000_abc.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    [record] = parse_article_file(path)
    assert record.text == ARTICLE
    assert record.title.startswith("شن عناصر تنظيم داعش")
    assert record.external_id == "000_abc"


def test_txt_decomposed_text_becomes_nfc(tmp_path):
    # NFC at ingest: أحمد typed as alef + combining hamza above is 5 code points; NFC makes it 4.
    path = tmp_path / "nfd.txt"
    path.write_text("\u0627\u0654\u062d\u0645\u062f", encoding="utf-8")
    [record] = parse_article_file(path)
    assert record.text == unicodedata.normalize("NFC", "\u0627\u0654\u062d\u0645\u062f")
    assert len(record.text) == 4
    # never NFKC: the lam-alef ligature stays one code point
    path.write_text("\ufefb قال", encoding="utf-8")
    assert parse_article_file(path)[0].text == "\ufefb قال"


def test_txt_invalid_utf8_names_file_and_byte(tmp_path):
    path = tmp_path / "arabic.txt"
    path.write_bytes(b"\xc7\xe1\xcc\xed\xd4")  # Windows-1256 bytes of الجيش
    with pytest.raises(ImportLineError) as error:
        parse_article_file(path)
    assert str(error.value) == f"{path}:1: not valid UTF-8 at byte 0"


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_empty_txt_is_refused(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ImportLineError, match=r"empty\.txt: empty file"):
        parse_article_file(path)


def test_jsonl_third_line_broken_names_line(tmp_path):
    path = write_jsonl(tmp_path / "articles.jsonl", [{"text": "أ"}, {"text": "ب"}, '{"text": "ج"', {"text": "د"}])
    with pytest.raises(ImportLineError) as error:
        parse_article_file(path)
    assert error.value.line == 3
    assert str(error.value).startswith(f"{path}:3: invalid JSON (")


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"title": "no text"}, 'missing "text"'),
        ({"text": 5}, '"text" must be a string'),
        ({"text": "   "}, "text is empty"),
        ({"text": "a\u0000b"}, "null character"),
        ({"text": "نص", "url": "javascript:alert(1)"}, '"url"'),
        ({"text": "نص", "url": " JaVaScRiPt:alert(1)"}, '"url"'),
        ({"text": "نص", "url": "data:text/html,<script>"}, '"url"'),
        ({"text": "نص", "published_at": "yesterday"}, '"published_at" is not an ISO 8601 date'),
        ({"text": "نص", "title": ["x"]}, '"title" must be a string'),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_jsonl_bad_object_names_line_and_field(tmp_path, obj, message):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "سطر أول"}, obj])
    with pytest.raises(ImportLineError) as error:
        parse_article_file(path)
    assert error.value.line == 2
    assert message in str(error.value)


def test_jsonl_fields_and_blank_lines(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "text": ARTICLE,
                "title": "هجوم في البادية",
                "source": "المرصد السوري",
                "url": "https://www.syriahr.com/x",
                "published_at": "2023-11-08T06:00:00",
                "external_id": 42,
            },
            "",
            {"text": "خبر ثان", "published_at": "2023-11-09"},
        ],
    )
    first, second = parse_article_file(path)
    assert (first.title, first.source, first.external_id, first.line) == ("هجوم في البادية", "المرصد السوري", "42", 1)
    assert first.published_at.isoformat() == "2023-11-08T06:00:00+00:00"
    assert second.line == 3 and second.title == "خبر ثان"


def test_jsonl_without_articles_is_refused(tmp_path):
    path = tmp_path / "none.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ImportLineError, match="no articles"):
        parse_article_file(path)


def test_other_extensions_are_refused(tmp_path):
    # Nothing served becomes HTML: an .html or .svg upload never becomes a document.
    path = tmp_path / "x.html"
    path.write_text("<script>alert(1)</script>", encoding="utf-8")
    with pytest.raises(ImportLineError, match=r"Only \.txt and \.jsonl files are accepted\."):
        parse_article_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImportLineError, match="no such file"):
        parse_article_file(tmp_path / "nope.txt")


def test_title_from_long_first_line_is_cut_on_a_word():
    title = title_from_text("كلمة " * 60)
    assert len(title) <= 121 and title.endswith("…") and not title.endswith(" …")
