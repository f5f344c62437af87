"""import_gold: our JSONL back into a project, exactly; all or nothing; the manifest's SHA-256 checked."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line

from annotations.models import Adjudication, Claim, Document, GoldClaimLink, GoldReliability, GoldSpan, LabelType
from tests.factories import ProjectFactory, UserFactory
from tests.selectors.test_gold import gold  # noqa: F401


def run(command, *argv):
    with mock.patch("django.core.management.base.connections.close_all"):
        execute_from_command_line(["manage.py", command, *map(str, argv)])


def export(project, path, *extra):
    run("export_gold", "--project", project.slug, "--format", "jsonl", "--output", path, *extra)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def normalized(records):
    """Everything but what belongs to one project's database (ids) or to who ran the import."""
    out = []
    for record in records:
        record = json.loads(json.dumps(record))
        record.pop("id")
        record["adjudicator"] = None
        record["agreement"] = None
        for item in record["spans"] + record["claim_links"] + record["reliability"]:
            item["decided_by"] = None
        for link in record["claim_links"]:
            link["claim"].pop("id")
        out.append(record)
    return out


def state():
    return (
        Document.objects.count(),
        Adjudication.objects.count(),
        GoldSpan.objects.count(),
        GoldClaimLink.objects.count(),
        GoldReliability.objects.count(),
        Claim.objects.count(),
        LabelType.objects.count(),
    )


def test_round_trip_export_import_export_is_exact(project, gold, tmp_path, capsys):
    first = export(project, tmp_path / "a.jsonl")
    assert first and any(r["claim_links"] for r in first)
    other = ProjectFactory(slug="copy", name="نسخة")
    run("import_gold", "--project", "copy", tmp_path / "a.jsonl")
    out = capsys.readouterr().out
    assert (
        "Imported gold for 2 document(s) into 'copy' (2 new, 0 already in the project): 7 span(s), 2 claim link(s), "
        "2 grade(s); 2 new claim(s)." in out
    )
    assert "New labels: actor, place, casualty_figure" in out and "Manifest checked: SHA-256 matches." in out
    second = export(other, tmp_path / "b.jsonl")
    assert normalized(second) == normalized(first)
    # exact offsets, texts, labels, links and grades, and labels with their Arabic names from the manifest
    assert [r["text"] for r in second] == [r["text"] for r in first]
    assert list(other.label_types.order_by("order").values_list("name", "name_ar")) == [
        ("actor", "فاعل"),
        ("place", "مكان"),
        ("casualty_figure", "عدد الضحايا"),
    ]
    assert {r["adjudicator"] for r in second} == {"gold-import"}
    # importing again adds nothing: those documents already have final gold
    before = state()
    run("import_gold", "--project", "copy", tmp_path / "a.jsonl")
    assert "Skipped 2 document(s) that already had final gold." in capsys.readouterr().out
    assert state() == before


def test_documents_already_in_the_project_are_reused_by_hash(project, gold, tmp_path, capsys):
    export(project, tmp_path / "a.jsonl")
    other = ProjectFactory(slug="copy")
    Document.objects.create(project=other, text=gold["a"].text, title="موجود")
    run("import_gold", "--project", "copy", tmp_path / "a.jsonl")
    assert "(1 new, 1 already in the project)" in capsys.readouterr().out
    assert Document.objects.filter(project=other).count() == 2


def test_the_decider_can_be_named(project, gold, tmp_path):
    export(project, tmp_path / "a.jsonl")
    ProjectFactory(slug="copy")
    UserFactory(username="editor")
    call_command("import_gold", str(tmp_path / "a.jsonl"), project="copy", username="editor")
    assert set(
        GoldSpan.objects.filter(adjudication__document__project__slug="copy").values_list(
            "decided_by__username", flat=True
        )
    ) == {"editor"}


def test_a_bad_line_imports_nothing_and_names_the_line(project, gold, tmp_path, capsys):
    lines = tmp_path / "a.jsonl"
    records = export(project, lines)
    broken = dict(records[1])
    broken["spans"] = [dict(broken["spans"][0], text="ليس النص")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [records[0], broken]) + "\n", encoding="utf-8")
    ProjectFactory(slug="copy")
    before = state()
    with pytest.raises(SystemExit) as exit_info:
        run("import_gold", "--project", "copy", bad)
    assert exit_info.value.code != 0
    start, end = broken["spans"][0]["start"], broken["spans"][0]["end"]
    assert capsys.readouterr().err.strip() == (f"CommandError: {bad}:2: spans[0].text differs from text[{start}:{end}]")
    assert state() == before  # the first line's document is not there either


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "x"', "1: invalid JSON (Expecting ',' delimiter)"),
        (b"[1, 2]", "1: not a JSON object"),
        (b'\n{"text": "abc", "sha256": "0"}', "2: sha256 does not match the text"),
        (
            b'{"text": "abc", "spans": [{"start": 2, "end": 9, "label": "x", "text": "c"}]}',
            "1: spans[0]: offsets [2, 9) are not within the text",
        ),
        (
            b'{"text": "abc", "spans": [], "claim_links": [{"span": 0, "claim": {"text": "c"}, "stance": "supports"}]}',
            "1: claim_links[0].span is not an index into spans",
        ),
        (
            b'{"text": "abc", "reliability": [{"span": null, "source_reliability": "G", "credibility": 2}]}',
            "1: reliability[0].source_reliability must be one of A-F",
        ),
        (b'{"text": "e\xcc\x81"}', "1: text is not NFC-normalized (offsets would not match)"),
        (b"\xff", "1: not valid UTF-8 at byte 0"),
    ],
)
def test_each_kind_of_bad_line_is_one_readable_error(project, tmp_path, capsys, content, message):
    path = tmp_path / "g.jsonl"
    path.write_bytes(content)
    with pytest.raises(SystemExit):
        run("import_gold", "--project", project.slug, path)
    assert capsys.readouterr().err.strip() == f"CommandError: {path}:{message}"
    assert Document.objects.count() == 0


def test_a_file_that_differs_from_its_manifest_is_refused(project, gold, tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    export(project, path)
    path.write_bytes(path.read_bytes().replace("الجَيْشُ".encode(), "الجيش".encode(), 1))
    ProjectFactory(slug="copy")
    with pytest.raises(SystemExit):
        run("import_gold", "--project", "copy", path)
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"CommandError: {path}: SHA-256 ") and "differs from the manifest's" in err
    assert not Document.objects.filter(project__slug="copy").exists()


def test_unknown_project_or_user_is_one_line(project, gold, tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    export(project, path)
    with pytest.raises(SystemExit):
        run("import_gold", "--project", "nope", path)
    assert capsys.readouterr().err.strip() == "CommandError: No project with slug 'nope' (known: badia)."
    with pytest.raises(SystemExit):
        run("import_gold", "--project", project.slug, path, "--as", "nobody")
    assert capsys.readouterr().err.strip() == "CommandError: --as: no user named 'nobody'"
