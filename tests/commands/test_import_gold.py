"""import_gold: our JSONL back into a project, exactly; all or nothing; the manifest's SHA-256 checked."""

from __future__ import annotations

import json
import re
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line
from django.utils import timezone

from annotations.models import (
    Adjudication,
    AgreementRun,
    Claim,
    Document,
    GoldClaimLink,
    GoldReliability,
    GoldSpan,
    JobStatus,
    LabelType,
    Project,
)
from tests.factories import ProjectFactory, UserFactory
from tests.selectors.test_gold import gold  # noqa: F401


def run(command, *argv):
    with mock.patch("django.core.management.base.connections.close_all"):
        execute_from_command_line(["manage.py", command, *map(str, argv)])


def export(project, path, *extra):
    run("export_gold", "--project", project.slug, "--format", "jsonl", "--output", path, *extra)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


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


def masked(data: bytes) -> bytes:
    """The data file with the only bytes that belong to one database, document and claim ids, set to 0."""
    data = re.sub(rb'^\{"id":\d+,', b'{"id":0,', data, flags=re.MULTILINE)
    return re.sub(rb'"claim":\{"id":\d+,', b'"claim":{"id":0,', data)


def test_round_trip_export_import_export_is_byte_identical_with_majority_rows(project, gold, tmp_path, capsys):
    AgreementRun.objects.create(
        project=project,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        results={"documents": [{"document": gold["a"].pk, "token_alpha": 0.25, "overlap_f1": 1.0, "reviewers": 2}]},
    )
    first = export(project, tmp_path / "a.jsonl", "--include-majority")
    assert [r["resolution"] for r in first] == ["adjudicated", "adjudicated", "majority"]
    assert first[2]["spans"][0]["votes"] == 2 and first[0]["agreement"]["token_alpha"] == 0.25
    assert first and any(r["claim_links"] for r in first)
    assert not Project.objects.filter(slug="copy").exists()
    run("import_gold", "--project", "copy", tmp_path / "a.jsonl")
    out = capsys.readouterr().out
    assert f"Created project 'copy' ({project.name})." in out  # named as in the manifest
    assert (
        "Imported gold for 3 document(s) into 'copy' (3 new, 0 already in the project): 8 span(s), 2 claim link(s), "
        "2 grade(s); 2 new claim(s)." in out
    )
    assert "New labels: actor, place, casualty_figure" in out and "Manifest checked: SHA-256 matches." in out
    other = Project.objects.get(slug="copy")
    # without --include-majority: the imported majority document is final gold that still says majority
    second = export(other, tmp_path / "b.jsonl")
    a_bytes, b_bytes = (tmp_path / "a.jsonl").read_bytes(), (tmp_path / "b.jsonl").read_bytes()
    assert masked(b_bytes) == masked(a_bytes)
    assert a_bytes != b_bytes  # the ids do differ (another project), and only they
    assert [r["adjudicator"] for r in second] == ["adjudicator", "adjudicator", None]
    assert list(other.label_types.order_by("order").values_list("name", "name_ar")) == [
        ("actor", "فاعل"),
        ("place", "مكان"),
        ("casualty_figure", "عدد الضحايا"),
    ]
    # and once more: import the second file elsewhere, export, same bytes
    run("import_gold", "--project", "third", tmp_path / "b.jsonl")
    export(Project.objects.get(slug="third"), tmp_path / "c.jsonl")
    assert masked((tmp_path / "c.jsonl").read_bytes()) == masked(a_bytes)
    # importing again adds nothing: those documents already have final gold
    before = state()
    run("import_gold", "--project", "copy", tmp_path / "a.jsonl")
    assert "Skipped 3 document(s) that already had final gold." in capsys.readouterr().out
    assert state() == before


def test_a_bad_slug_for_a_new_project_is_one_line_and_creates_nothing(project, gold, tmp_path, capsys):
    export(project, tmp_path / "a.jsonl")
    with pytest.raises(SystemExit):
        run("import_gold", "--project", "no spaces", tmp_path / "a.jsonl")
    assert capsys.readouterr().err.strip().startswith("CommandError: --project: 'no spaces' is not a valid slug")
    assert not Project.objects.filter(slug="no spaces").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": ""}\n', encoding="utf-8")
    with pytest.raises(SystemExit):
        run("import_gold", "--project", "fresh", bad)
    assert not Project.objects.filter(slug="fresh").exists()  # all or nothing, the project too


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


def test_unknown_user_is_one_line(project, gold, tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    export(project, path)
    with pytest.raises(SystemExit):
        run("import_gold", "--project", project.slug, path, "--as", "nobody")
    assert capsys.readouterr().err.strip() == "CommandError: --as: no user named 'nobody'"
