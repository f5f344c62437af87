"""The exports as their consumers read them, with the real tools (pinned in requirements-dev.txt), offline:

* Hugging Face `datasets.load_dataset` on the JSONL splits (and on the export directory through the
  card's `configs`) and on the CoNLL-2003 file;
* `spacy convert -c ner` (the real command, no model) on the CoNLL-2003 file: the entities it reads are
  the gold's;
* PyLD expanding the Web Annotation files with the W3C context shipped in tests/consumers/data;
* `huggingface_hub.DatasetCard` on the dataset card;
* `jsonschema` (draft 2020-12, formats checked) on every JSONL record, with the schema from the export.

Deselect locally with `-m "not consumer"`; CI runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest

from annotations.exporters import get_writer
from annotations.models import ExportJob
from annotations.services.exports import export_file_path, export_run_create, export_run_execute
from annotations.tasks import export_run_task

pytestmark = [pytest.mark.consumer, pytest.mark.django_db]

DATA = Path(__file__).parent / "data"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
OA = "http://www.w3.org/ns/oa#"
AS = "http://www.w3.org/ns/activitystreams#"


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def run(project, fmt, **options) -> ExportJob:
    with mock.patch.object(export_run_task, "apply_async"):
        job = export_run_create(project=project, fmt=fmt, options=options)
    job = export_run_execute(export_id=job.pk)
    assert job.status == "done", job.error
    return job


def manifest_of(job) -> dict:
    return json.loads(export_file_path(job, "manifest").read_text(encoding="utf-8"))


def data_files(job) -> dict[str, Path]:
    directory = export_file_path(job, "manifest").parent
    return {item.get("split"): directory / item["name"] for item in manifest_of(job)["files"] if item["role"] == "data"}


# --- Hugging Face datasets ----------------------------------------------------------------------------------
def test_datasets_loads_the_jsonl_splits_with_one_type_per_column(project, dataset, tmp_path):
    import datasets

    job = run(project, "jsonl", splits="train=0.8,dev=0.1,test=0.1", utf16_offsets=True)
    manifest = manifest_of(job)
    files = data_files(job)
    assert set(files) == {"train", "dev", "test"}
    loaded = datasets.load_dataset(
        "json", data_files={name: str(path) for name, path in files.items()}, cache_dir=str(tmp_path / "hf")
    )
    for name in files:
        assert loaded[name].num_rows == manifest["splits"]["splits"][name]["documents"] > 0
    assert sum(loaded[name].num_rows for name in files) == 40
    span = loaded["train"].features["spans"]
    # one struct type for every span (not Json): adjudicated rows' null votes and majority rows' counts agree
    inner = span.feature if hasattr(span, "feature") else span[0]
    assert inner["votes"].dtype == "int64" and inner["start_utf16"].dtype == "int64"
    assert loaded["train"].features["reviewers"].dtype == "int64"
    rows = [row for name in files for row in loaded[name]]
    majority = [row for row in rows if row["resolution"] == "majority"]
    assert len(majority) == 8 and {s["votes"] for row in majority for s in row["spans"]} == {2}
    assert {s["votes"] for row in rows if row["resolution"] == "adjudicated" for s in row["spans"]} == {None}
    for row in rows:
        for s in row["spans"]:
            assert row["text"][s["start"] : s["end"]] == s["text"]

    # the export directory as a dataset repository: the card's `configs` name the splits and files
    by_card = datasets.load_dataset(str(files["train"].parent), cache_dir=str(tmp_path / "hf-dir"))
    assert {name: by_card[name].num_rows for name in by_card} == {name: loaded[name].num_rows for name in files}


def conll_sentences(text: str) -> list[list[tuple[str, str]]]:
    """The CoNLL-2003 file read by hand: sentences of (token, tag), -DOCSTART- lines skipped."""
    sentences, current = [], []
    for line in text.split("\n"):
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
        elif not line.startswith("-DOCSTART-"):
            token, tag = line.split()
            current.append((token, tag))
    return sentences


def test_datasets_reads_the_conll2003_file(project, dataset, tmp_path):
    import datasets

    job = run(project, "conll2003")
    path = data_files(job)[None]
    loaded = datasets.load_dataset(
        "conll", data_files=str(path), column_names=["tokens", "ner_tags"], cache_dir=str(tmp_path / "hf")
    )["train"]
    expected = conll_sentences(path.read_text(encoding="utf-8"))
    assert loaded.num_rows == len(expected) == 80  # two sentences per article
    assert [list(zip(row["tokens"], row["ner_tags"], strict=True)) for row in loaded] == expected
    chunks = sum(tag.startswith("B-") for row in loaded for tag in row["ner_tags"])
    stats = manifest_of(job)["format_stats"]
    assert chunks == stats["conll2003_entities"] == 40 * 4 - dataset["left_out"]
    # the card tells how: the very call above
    card = export_file_path(job, "card").read_text(encoding="utf-8")
    assert f'load_dataset("conll", data_files={{"train": "{path.name}"}}, column_names=["tokens", "ner_tags"])' in card


# --- spaCy --------------------------------------------------------------------------------------------------
def test_spacy_convert_reads_the_conll2003_file_and_finds_the_gold_entities(project, dataset, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    job = run(project, "conll2003")
    path = data_files(job)[None]
    out = tmp_path / "spacy"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "convert", str(path), str(out), "--converter", "ner"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "E177" not in result.stdout + result.stderr
    (converted,) = out.glob("*.spacy")
    docs = list(DocBin().from_disk(converted).get_docs(spacy.blank("xx").vocab))
    assert len(docs) == 40  # one per -DOCSTART-
    labels = Counter(ent.label_ for doc in docs for ent in doc.ents)
    assert labels == {"actor": dataset["actor"], "casualty_figure": dataset["casualty_figure"], "place": 40}
    assert sum(labels.values()) == manifest_of(job)["counts"]["spans"] - dataset["left_out"]
    first = docs[0]
    assert [ent.text for ent in first.ents] == ["المرصد السوري", "3 عنصراً", "الرقة"]
    assert [sent.text.split()[0] for sent in first.sents] == ["قال", "وأضاف"]


# --- PyLD ---------------------------------------------------------------------------------------------------
def local_loader(url, options=None):
    """PyLD's document loader with the W3C context from tests/consumers/data: nothing from the network."""
    if url != ANNO_CONTEXT:
        raise AssertionError(f"PyLD asked for {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads((DATA / "anno.jsonld").read_text(encoding="utf-8")),
    }


def nodes_of_type(expanded: list, kind: str) -> list[dict]:
    return [node for node in expanded if kind in node.get("@type", [])]


def test_pyld_expands_the_paged_web_annotation_file_with_the_w3c_context(project, dataset):
    from pyld import jsonld

    job = run(project, "web-annotation")
    document = json.loads(data_files(job)[None].read_text(encoding="utf-8"))
    expanded = jsonld.expand(document, {"documentLoader": local_loader})
    (collection,) = nodes_of_type(expanded, AS + "OrderedCollection")
    pages = nodes_of_type(expanded, AS + "OrderedCollectionPage")
    total = manifest_of(job)["format_stats"]["annotations"]
    assert collection[AS + "totalItems"] == [{"@value": total}]
    assert collection[AS + "first"] == [{"@id": pages[0]["@id"]}] and collection[AS + "last"] == [
        {"@id": pages[-1]["@id"]}
    ]
    annotations = []
    for page in pages:
        assert page[AS + "partOf"] == [{"@id": collection["@id"]}]
        assert isinstance(page[AS + "startIndex"][0]["@value"], int)
        (items,) = page[AS + "items"]
        annotations += items["@list"]
    assert len(annotations) == total == 40 * 4
    texts = {doc["sha256"]: doc["text"] for doc in [json.loads(line) for line in _jsonl(project)]}
    for annotation in annotations:
        assert annotation["@type"] == [OA + "Annotation"]
        assert annotation[OA + "motivatedBy"] == [{"@id": OA + "tagging"}]
        (target,) = annotation[OA + "hasTarget"]
        quote, position = target[OA + "hasSelector"]
        text = texts[target["urn:workbench:vocab#textSha256"][0]["@value"]]
        start, end = position[OA + "start"][0]["@value"], position[OA + "end"][0]["@value"]
        assert text[start:end] == quote[OA + "exact"][0]["@value"]


def _jsonl(project) -> list[str]:
    return data_files(run(project, "jsonl"))[None].read_text(encoding="utf-8").splitlines()


def test_pyld_expands_every_line_of_web_annotation_jsonl_and_many_pages(project, dataset):
    from pyld import jsonld

    from tests.exporters.samples import CONTEXT, document_1

    job = run(project, "web-annotation-jsonl")
    lines = data_files(job)[None].read_text(encoding="utf-8").splitlines()
    assert len(lines) == 160
    for line in lines:
        (annotation,) = jsonld.expand(json.loads(line), {"documentLoader": local_loader})
        assert annotation["@type"] == [OA + "Annotation"] and annotation[OA + "hasTarget"]
    # three pages (1,000 + 1,000 + 400), linked both ways
    text = "".join(get_writer("web-annotation").write([document_1(id=n) for n in range(1, 172)], CONTEXT, None))
    expanded = jsonld.expand(json.loads(text), {"documentLoader": local_loader})
    pages = nodes_of_type(expanded, AS + "OrderedCollectionPage")
    assert [len(page[AS + "items"][0]["@list"]) for page in pages] == [1000, 1000, 394]
    assert pages[0][AS + "next"] == [{"@id": pages[1]["@id"]}] and pages[1][AS + "prev"] == [{"@id": pages[0]["@id"]}]
    assert AS + "next" not in pages[-1] and AS + "prev" not in pages[0]


# --- huggingface_hub ----------------------------------------------------------------------------------------
def test_huggingface_hub_parses_the_dataset_card(project, dataset, settings):
    from huggingface_hub import DatasetCard

    job = run(project, "jsonl", splits="train=0.8,dev=0.1,test=0.1")
    card = DatasetCard.load(export_file_path(job, "card"))
    data = card.data.to_dict()
    assert data["license"] == "other" and data["license_name"]
    assert data["language"] == ["ar"] and data["task_categories"] == ["token-classification"]
    assert data["size_categories"] == ["n<1K"] and data["pretty_name"] == f"Gold annotations: {project.name}"
    files = {item["split"]: item["name"] for item in manifest_of(job)["files"] if item["role"] == "data"}
    (config,) = data["configs"]
    assert config["config_name"] == "default"
    assert {item["split"]: item["path"] for item in config["data_files"]} == files
    assert "copyright stays with their publishers" in card.text
    assert "`O`, `B-actor`, `I-actor`, `B-place`, `I-place`, `B-casualty_figure`, `I-casualty_figure`" in card.text
    assert "priority: `actor` > `place` > `casualty_figure`" in card.text

    settings.EXPORT_DATASET_LICENSE = "cc-by-4.0"
    data = DatasetCard.load(export_file_path(run(project, "conll2003"), "card")).data.to_dict()
    assert data["license"] == "cc-by-4.0" and "license_name" not in data
    assert [item["split"] for item in data["configs"][0]["data_files"]] == ["train"]


# --- jsonschema ---------------------------------------------------------------------------------------------
def test_every_jsonl_record_validates_against_the_exported_json_schema(project, dataset):
    import jsonschema

    for options in ({}, {"utf16_offsets": True, "pseudonymize": True}):
        job = run(project, "jsonl", **options)
        manifest = manifest_of(job)
        schema = manifest["record_schema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        records = [json.loads(line) for line in data_files(job)[None].read_text(encoding="utf-8").splitlines()]
        assert len(records) == 40
        for record in records:
            validator.validate(record)
        assert ("start_utf16" in schema["properties"]["spans"]["items"]["required"]) == bool(options)
        # the card carries the same schema, and the label schema lists the ordered labels and BIO tags
        card = export_file_path(job, "card").read_text(encoding="utf-8")
        block = card.split("```json\n", 1)[1].split("\n```", 1)[0]
        assert json.loads(block) == schema
        assert manifest["label_schema"]["labels"] == ["actor", "place", "casualty_figure"]
        assert manifest["label_schema"]["bio_tags"][:3] == ["O", "B-actor", "I-actor"]
    # a record that breaks the schema is caught (the schema is not vacuous)
    broken = dict(records[0], spans=[{**records[0]["spans"][0], "label": "weapon"}])
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)
