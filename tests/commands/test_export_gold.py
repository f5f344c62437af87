"""export_gold: exactly three files at and beside --output, counts and sha256 printed, the same bytes
twice, one readable line and a non-zero exit for an unknown format or project."""

from __future__ import annotations

import hashlib
import json
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line

from annotations.exporters import FORMATS
from tests.selectors.test_gold import gold  # noqa: F401


def run(*argv):
    """As from a shell (exit code, stderr), keeping the test's database connection open."""
    with mock.patch("django.core.management.base.connections.close_all"):
        execute_from_command_line(["manage.py", "export_gold", *map(str, argv)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_writes_the_data_file_its_manifest_and_card_and_nothing_else(project, gold, tmp_path, capsys, fmt, settings):
    settings.EXPORT_ROOT = tmp_path / "export-root"  # the command never uses it
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"gold.{fmt}"
    run("--project", project.slug, "--format", fmt, "--output", target)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["out", target.name, f"{target.name}.manifest.json", f"{target.name}.README.md"]
    )
    data = target.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    manifest = json.loads((out / f"{target.name}.manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][0]["sha256"] == digest and manifest["files"][0]["name"] == target.name
    assert manifest["counts"]["documents"] == 2 and manifest["counts"]["spans"] == 7
    printed = capsys.readouterr().out
    assert f"Exported 2 document(s), 7 span(s), 2 claim link(s), 2 grade(s) of project 'badia' as {fmt}." in printed
    assert f"sha256 {digest}" in printed and "Spans per label: actor 2, place 3, casualty_figure 2" in printed

    # the same gold again: the same bytes
    run("--project", project.slug, "--format", fmt, "--output", target)
    assert target.read_bytes() == data


def test_relative_output_paths_are_the_operators_choice(project, gold, tmp_path, monkeypatch):
    """No path traversal: `--output ../outside/x.jsonl` writes there, exactly the documented files."""
    work = tmp_path / "work"
    outside = tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    monkeypatch.chdir(work)
    run("--project", project.slug, "--format", "jsonl", "--output", "../outside/x.jsonl")
    assert sorted(p.name for p in outside.iterdir()) == ["x.jsonl", "x.jsonl.README.md", "x.jsonl.manifest.json"]
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "xlsx"],
            "Unknown format 'xlsx'; choose one of: jsonl, conll, web-annotation, claimreview, csv, conll2003, "
            "web-annotation-jsonl.",
        ),
        (["--project", "nope"], "No project with slug 'nope' (known: badia)."),
        (["--output", "{tmp}/missing/x.jsonl"], "{tmp}/missing is not a directory."),
        (["--output", "{tmp}"], "{tmp} is a directory; give the path of the file to write."),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(project, tmp_path, capsys, args, message):
    values = {"--project": project.slug, "--format": "jsonl", "--output": str(tmp_path / "x.jsonl")}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        values[flag] = value.format(tmp=tmp_path)
    argv = [item for pair in values.items() for item in pair]
    with pytest.raises(SystemExit) as exit_info:
        run(*argv)
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err == f"CommandError: {message.format(tmp=tmp_path)}"
    assert list(tmp_path.iterdir()) == []


def test_majority_option(project, gold, tmp_path, capsys):
    call_command(
        "export_gold", project=project.slug, fmt="jsonl", output=str(tmp_path / "g.jsonl"), include_majority=True
    )
    assert "(1 resolved by majority vote)" in capsys.readouterr().out
    lines = [json.loads(line) for line in (tmp_path / "g.jsonl").read_text().splitlines()]
    assert [line["resolution"] for line in lines] == ["adjudicated", "adjudicated", "majority"]


def test_help_names_the_three_files(capsys):
    with pytest.raises(SystemExit):
        execute_from_command_line(["manage.py", "export_gold", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "PATH.manifest.json" in text and "PATH.README.md" in text and "exactly three files" in text


def test_splits_and_the_other_options_from_the_command_line(project, gold, tmp_path, capsys):
    target = tmp_path / "gold.jsonl"
    run(
        "--project",
        project.slug,
        "--format",
        "jsonl",
        "--output",
        target,
        "--splits",
        "train=0.5,test=0.5",
        "--pseudonymize",
        "--utf16-offsets",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gold.jsonl.README.md",
        "gold.jsonl.manifest.json",
        "gold.test.jsonl",
        "gold.train.jsonl",
    ]
    printed = capsys.readouterr().out
    manifest = json.loads((tmp_path / "gold.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"] == {
        "include_majority": False,
        "splits": "train=0.5,test=0.5",
        "split_by_outlet": False,
        "pseudonymize": True,
        "utf16_offsets": True,
        "segment_clitics": False,
        "include_audit": False,
    }
    records = []
    for item in manifest["files"][:2]:
        data = (tmp_path / item["name"]).read_bytes()
        assert f"{tmp_path / item['name']}  {len(data)} bytes  sha256 {hashlib.sha256(data).hexdigest()}" in printed
        records += [json.loads(line) for line in data.decode().splitlines()]
    assert len(records) == 2 and all("start_utf16" in s for r in records for s in r["spans"])
    assert {r["adjudicator"] for r in records} != {"adjudicator"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--splits", "train=0.8"], "Bad option splits: Give between 2 and 10 splits."),
        (["--splits", "train=0.8,test=0.1"], "Bad option splits: The fractions add up to 0.9, not 1."),
        (["--split-by-outlet"], "Bad option split_by_outlet: Grouping by outlet needs splits."),
    ],
)
def test_bad_options_exit_non_zero_with_one_line(project, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        run("--project", project.slug, "--format", "jsonl", "--output", tmp_path / "x.jsonl", *args)
    assert exit_info.value.code != 0
    assert capsys.readouterr().err.strip() == f"CommandError: {message}"
    assert list(tmp_path.iterdir()) == []


def test_segment_clitics_option(project, gold, tmp_path, capsys):
    target = tmp_path / "g.conll"
    run("--project", project.slug, "--format", "conll", "--output", target, "--segment-clitics")
    manifest = json.loads((tmp_path / "g.conll.manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["segment_clitics"] is True
    assert "conll clitic cuts:" in capsys.readouterr().out
    assert "segment_clitics" in (tmp_path / "g.conll.README.md").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        run("--project", project.slug, "--format", "jsonl", "--output", tmp_path / "g.jsonl", "--segment-clitics")
    assert exit_info.value.code != 0
    assert capsys.readouterr().err.strip() == "CommandError: --segment-clitics is only for the conll format."
