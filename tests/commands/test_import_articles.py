"""import_articles: all-or-nothing per run, one readable line for a bad file, idempotent."""

import hashlib
import json
import unicodedata
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line

from annotations.models import Document, DocumentStats, Source


def run(*argv):
    """As from a shell (exit code, stderr), but keeping the test's database connection open."""
    with mock.patch("django.core.management.base.connections.close_all"):
        execute_from_command_line(["manage.py", "import_articles", *map(str, argv)])


def snapshot():
    return sorted(Document.objects.values_list("id", "sha256", "title")), Source.objects.count()


@pytest.fixture
def good_jsonl(tmp_path):
    path = tmp_path / "good.jsonl"
    rows = [
        {
            "text": "قتل 30 عسكرياً في بادية الرصافة.",
            "title": "هجوم الرصافة",
            "source": "المرصد السوري",
            "url": "https://www.syriahr.com/a",
        },
        {"text": "اشتباكات على طريق “أثريا-الرقة”.", "source": "المرصد السوري", "external_id": "ath-1"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_imports_jsonl_and_txt_then_second_run_adds_nothing(
    project, good_jsonl, tmp_path, capsys, django_capture_on_commit_callbacks
):
    txt = tmp_path / "article.txt"
    txt.write_text("شن عناصر تنظيم داعش هجوماً عنيفاً.\nو جرى الهجوم بالأسلحة الرشاشة.", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run("--project", project.slug, good_jsonl, txt)
    assert len(callbacks) == 1  # one statistics job for the whole import, sent after commit
    assert "Imported 3 article(s) from 2 file(s); skipped 0 duplicate(s)." in capsys.readouterr().out
    first = snapshot()
    assert len(first[0]) == 3
    source = Source.objects.get(name="المرصد السوري")
    assert source.domain == "syriahr.com"
    # the background job (in-process here) computed statistics for each new document
    assert DocumentStats.objects.filter(document__project=project).count() == 3

    run("--project", project.slug, good_jsonl, txt)
    assert "Imported 0 article(s) from 2 file(s); skipped 3 duplicate(s)." in capsys.readouterr().out
    assert snapshot() == first


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("bad.txt", b"\xff\xfe\x00broken", "bad.txt:1: not valid UTF-8 at byte 0"),
        ("empty.txt", b"", "empty.txt: empty file"),
        (
            "third.jsonl",
            '{"text": "أ"}\n{"text": "ب"}\n{"text": "ج",\n{"text": "د"}\n'.encode(),
            "third.jsonl:3: invalid JSON (",
        ),
        # hostile input: each is one line naming file and line, never a traceback
        ("second.txt", "سطر أول\nسطر ثان \udcff".encode("utf-8", "surrogatepass"), "second.txt:2: not valid UTF-8"),
        (
            "surrogate.jsonl",
            b'{"text": "ok ok"}\n{"text": "lone \\ud800 here"}\n',
            "surrogate.jsonl:2: text contains a lone",
        ),
        (
            "deep.jsonl",
            b'{"text": "ok ok"}\n' + b"[" * 100_000 + b"]" * 100_000 + b"\n",
            "deep.jsonl:2: invalid JSON (nested",
        ),
        (
            "nested.jsonl",
            b'{"text": "ok", "title": ' + b"[" * 80 + b"]" * 80 + b"}\n",
            'nested.jsonl:1: "title" must be a string',
        ),
        ("extra.jsonl", b'{"text": "ok", "extra": ' + b"[" * 80 + b"]" * 80 + b"}\n", "extra.jsonl:1: JSON is nested"),
        ("nul.jsonl", b'{"text": "a\\u0000b"}\n', "nul.jsonl:1: text contains a null character"),
    ],
)
def test_bad_file_exits_non_zero_with_one_line_and_imports_nothing(
    project, good_jsonl, tmp_path, capsys, name, content, expected
):
    bad = tmp_path / name
    bad.write_bytes(content)
    before = snapshot()
    # the good file comes first: it must not be imported either
    with pytest.raises(SystemExit) as exit_info:
        run("--project", project.slug, good_jsonl, bad)
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("CommandError: ") and expected in err and str(bad) in err
    assert snapshot() == before


def test_unknown_project_is_one_line(db, good_jsonl, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run("--project", "nope", good_jsonl)
    assert exit_info.value.code != 0
    assert capsys.readouterr().err.strip() == "CommandError: No project with slug 'nope' (known: none yet)."


def test_nfd_text_is_stored_nfc_and_hashed_as_stored(project, tmp_path):
    nfd = unicodedata.normalize("NFD", "أحمد قال إن الآلاف نزحوا")
    assert nfd != unicodedata.normalize("NFC", nfd)
    path = tmp_path / "nfd.txt"
    path.write_text(nfd, encoding="utf-8")
    call_command("import_articles", "--project", project.slug, str(path))
    document = Document.objects.get(project=project)
    assert document.text == unicodedata.normalize("NFC", nfd)
    assert document.sha256 == hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    # the same article arriving in NFC is a duplicate (NFC at ingest: duplicate detection ignores the normalization
    # form)
    path.write_text(document.text, encoding="utf-8")
    call_command("import_articles", "--project", project.slug, str(path))
    assert Document.objects.filter(project=project).count() == 1


def test_path_like_external_id_is_only_data(project, tmp_path):
    # No path traversal: ids and titles that look like paths are stored, never opened.
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"text": "نص", "external_id": "../../../../etc/passwd", "title": "/etc/passwd"}) + "\n")
    call_command("import_articles", "--project", project.slug, str(path))
    document = Document.objects.get(project=project)
    assert document.external_id == "../../../../etc/passwd" and document.text == "نص"
