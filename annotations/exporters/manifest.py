"""The manifest (JSON, beside every data file) and the dataset card (Markdown README).

`counted(documents, counts)` passes the records through to a writer while counting them, so the
counts in the manifest are those of the records actually written, never a separate query; the
agreement summary is gathered the same way, from the exported documents' own figures only.

The card starts with Hugging Face YAML front matter (`license`, `language`, `task_categories`,
`size_categories`, `pretty_name`, `configs` with the data files and splits), written by hand as JSON
scalars (valid YAML) since this package imports nothing outside the standard library.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter

from .records import ADJUDICATED, MAJORITY, OFFSET_NOTE, OFFSET_UNIT, ExportContext, GoldDocument
from .schema import label_schema, record_schema

SCHEMA_VERSION = 2
DEFAULT_LICENSE = "other"
TEXTS_NOTE = (
    "The article texts are news articles whose copyright stays with their publishers (see `source` and "
    "`url` of each record); they are included so that the annotations can be read and checked, not "
    "relicensed. The licence above covers the annotations only; reuse of the texts needs the publishers' "
    "permission or an exception such as research use where it applies."
)
# Hugging Face's size_categories, by number of documents
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
# formats that Hugging Face `datasets` loads from the card's `configs` (with these builder options)
HF_LOADABLE = {"jsonl": {}, "csv": {}, "conll2003": {}}
# how to load each of them with `datasets` (written in the card). The CoNLL builder's column names cannot
# come from the card: datasets 5.2 ignores config fields that have a default factory, as `column_names` has.
HF_LOADING = {
    "jsonl": 'load_dataset("json", data_files={files})',
    "csv": 'load_dataset("csv", data_files={files})',
    "conll2003": 'load_dataset("conll", data_files={files}, column_names=["tokens", "ner_tags"])',
    "web-annotation-jsonl": 'load_dataset("json", data_files={files}) (one annotation per row; the body and '
    "target shapes vary, so Arrow may need explicit features)",
}


@dataclass
class Counts:
    documents: int = 0
    spans: int = 0
    claim_links: int = 0
    ratings: int = 0
    per_label: dict[str, int] = field(default_factory=dict)
    resolution: dict[str, int] = field(default_factory=lambda: {ADJUDICATED: 0, MAJORITY: 0})
    claims: set = field(default_factory=set)
    agreement: dict = field(default_factory=lambda: {"documents": 0, "token_alpha": [], "overlap_f1": []})

    def as_dict(self, labels: Iterable[str] = ()) -> dict:
        per_label = {name: self.per_label.get(name, 0) for name in labels}
        for name in sorted(self.per_label):
            per_label.setdefault(name, self.per_label[name])
        return {
            "documents": self.documents,
            "spans": self.spans,
            "claim_links": self.claim_links,
            "ratings": self.ratings,
            "claims": len(self.claims),
            "per_label": per_label,
            "resolution": dict(self.resolution),
        }

    def add(self, other: Counts) -> None:
        """Adds the counts of `other` (one split's) to these."""
        self.documents += other.documents
        self.spans += other.spans
        self.claim_links += other.claim_links
        self.ratings += other.ratings
        for name, n in other.per_label.items():
            self.per_label[name] = self.per_label.get(name, 0) + n
        for name, n in other.resolution.items():
            self.resolution[name] = self.resolution.get(name, 0) + n
        self.claims |= other.claims
        self.agreement["documents"] += other.agreement["documents"]
        for key in ("token_alpha", "overlap_f1"):
            self.agreement[key].extend(other.agreement[key])


_LABEL = attrgetter("label")


def counted(documents: Iterable[GoldDocument], counts: Counts) -> Iterator[GoldDocument]:
    per_label = Counter()  # counted in C (Counter.update), added to counts.per_label at the end
    try:
        yield from _counted(documents, counts, per_label)
    finally:
        for name, n in per_label.items():
            counts.per_label[name] = counts.per_label.get(name, 0) + n


def _counted(documents: Iterable[GoldDocument], counts: Counts, per_label: Counter) -> Iterator[GoldDocument]:
    for document in documents:
        counts.documents += 1
        counts.resolution[document.resolution] = counts.resolution.get(document.resolution, 0) + 1
        counts.spans += len(document.spans)
        per_label.update(map(_LABEL, document.spans))
        counts.claim_links += len(document.claim_links)
        for link in document.claim_links:
            counts.claims.add(link.claim.id)
        counts.ratings += len(document.reliability)
        if document.agreement is not None:
            counts.agreement["documents"] += 1
            for key in ("token_alpha", "overlap_f1"):
                value = document.agreement.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
                    counts.agreement[key].append(float(value))
        yield document


def exported_agreement(run: dict | None, counts: Counts) -> dict | None:
    """The agreement summary of exactly the exported documents: how many have figures in the latest run,
    and the mean (over those documents) of their token alpha and overlap F1. The whole project's run
    summary (all submitted documents, exported or not) is kept beside it as `project_run_summary`."""
    if run is None and not counts.agreement["documents"]:
        return None
    gathered = counts.agreement
    summary = {
        "documents": counts.documents,
        "documents_with_figures": gathered["documents"],
        "token_alpha_mean": sum(gathered["token_alpha"]) / len(gathered["token_alpha"])
        if gathered["token_alpha"]
        else None,
        "token_alpha_documents": len(gathered["token_alpha"]),
        "overlap_f1_mean": sum(gathered["overlap_f1"]) / len(gathered["overlap_f1"])
        if gathered["overlap_f1"]
        else None,
        "overlap_f1_documents": len(gathered["overlap_f1"]),
    }
    out = dict(run or {"run": None, "finished_at": None, "results_schema": None})
    out["project_run_summary"] = out.pop("summary", None)
    out["summary"] = summary
    out["scope"] = (
        "summary: the exported documents only (means of their per-document figures from the run); "
        "project_run_summary: every document the run saw"
    )
    return out


def build_manifest(
    *,
    context: ExportContext,
    writer,
    counts: dict,
    files: list[dict],
    agreement: dict | None,
    exported_at: str,
    code_version: str,
    snapshot: dict | None = None,
    stats: dict | None = None,
    license: str = DEFAULT_LICENSE,
    splits: dict | None = None,
) -> dict:
    """The manifest: what the data is, how it was made, how to check it."""
    names = context.label_names
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "workbench-gold-export",
        "format": {
            "name": writer.name,
            "title": writer.title,
            "media_type": writer.media_type,
            "notes": writer.notes,
        },
        "offsets": {"unit": OFFSET_UNIT, "normalization": "NFC", "note": OFFSET_NOTE},
        "project": {"slug": context.project_slug, "name": context.project_name},
        "options": dict(context.options),
        "files": files,
        "counts": counts,
        "format_stats": dict(sorted((stats or {}).items())),
        "labels": [
            {"name": label.name, "name_ar": label.name_ar, "color": label.color, "description": label.description}
            for label in context.labels
        ],
        "label_schema": label_schema(names),
        "record_schema": record_schema(names, utf16_offsets=bool(context.options.get("utf16_offsets"))),
        "license": {"id": license or DEFAULT_LICENSE, "texts": TEXTS_NOTE},
        "splits": splits,
        "agreement": agreement,
        "snapshot": snapshot or {},
        "exported_at": exported_at,
        "code_version": code_version,
    }


def manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


def _md(value) -> str:
    """A value inside a Markdown table cell: pipes and line breaks escaped, nothing rendered."""
    text = "" if value is None else str(value)
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _code(value) -> str:
    """A Markdown code span: shown literally (backslash escapes do not apply inside it)."""
    text = " ".join(str(value).split())
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _number(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _y(value) -> str:
    """A YAML scalar: JSON (YAML 1.2 is a superset of JSON; PyYAML reads these too)."""
    return json.dumps(value, ensure_ascii=False)


def size_category(documents: int) -> str:
    for limit, name in SIZE_CATEGORIES:
        if documents < limit:
            return name
    return "n>1M"


def front_matter(manifest: dict) -> list[str]:
    """Hugging Face dataset card metadata (huggingface.co/docs/hub/datasets-cards)."""
    license_id = manifest.get("license", {}).get("id") or DEFAULT_LICENSE
    fmt = manifest["format"]["name"]
    lines = ["---", f"license: {_y(license_id)}"]
    if license_id == "other":
        lines.append(f"license_name: {_y('annotations-of-copyrighted-news-articles')}")
    lines += [
        "language:",
        "- ar",
        "task_categories:",
        "- token-classification",
        "task_ids:",
        "- named-entity-recognition",
        "size_categories:",
        f"- {_y(size_category(manifest['counts']['documents']))}",
        f"pretty_name: {_y('Gold annotations: ' + manifest['project']['name'])}",
        "tags:",
        "- arabic",
        "- news",
        "- fact-checking",
    ]
    data = [item for item in manifest["files"] if item.get("role") == "data"]
    if fmt in HF_LOADABLE and data:
        lines += ["configs:", "- config_name: default", "  data_files:"]
        for item in data:
            lines += [f"  - split: {_y(item.get('split') or 'train')}", f"    path: {_y(item['name'])}"]
        for key, value in HF_LOADABLE[fmt].items():
            lines.append(f"  {key}: {_y(value)}")
    lines.append("---")
    return lines


def dataset_card(manifest: dict) -> str:
    """A README for the dataset, from the manifest alone (so it says nothing the manifest does not)."""
    project = manifest["project"]
    counts = manifest["counts"]
    fmt = manifest["format"]
    data = [item for item in manifest["files"] if item.get("role") == "data"]
    lines = front_matter(manifest) + [
        "",
        f"# Gold dataset: {_md(project['name'])} ({_md(project['slug'])})",
        "",
        "Arabic news annotated by reviewers and adjudicated into gold with the Arabic news annotation and "
        "verification workbench.",
        "",
        "## Files",
        "",
        "| file | split | SHA-256 | bytes |",
        "| --- | --- | --- | --- |",
    ]
    for item in data:
        lines.append(f"| `{item['name']}` | {_md(item.get('split') or '')} | `{item['sha256']}` | {item['bytes']} |")
    lines += [
        "",
        f"Check a download with `sha256sum {data[0]['name'] if data else ''}`; the manifest (JSON) lists the same "
        "hashes.",
        "",
    ]
    splits = manifest.get("splits")
    if splits:
        lines += [
            "## Splits",
            "",
            f"Each document is in one split, chosen from {_md(splits['assigned_by'])}: the first 64 bits as a "
            "fraction in [0, 1) placed on the cumulative fractions below, so an article lands in the same "
            "split in every export, whatever the project.",
            "",
            "| split | fraction | documents | spans |",
            "| --- | --- | --- | --- |",
        ]
        for name, item in splits["splits"].items():
            lines.append(f"| {_md(name)} | {item['fraction']:g} | {item['documents']} | {item['spans']} |")
        lines.append("")
    lines += [
        f"## Format: {_md(fmt['title'])}",
        "",
        fmt["notes"],
        "",
    ]
    if fmt["name"] in HF_LOADING and data:
        files = {item.get("split") or "train": item["name"] for item in data}
        lines += [
            "With Hugging Face `datasets`:",
            "",
            "```python",
            "from datasets import load_dataset",
            HF_LOADING[fmt["name"]].format(files=json.dumps(files, ensure_ascii=False)),
            "```",
            "",
        ]
    lines += [
        "## Offsets",
        "",
        manifest["offsets"]["note"],
        "",
        "## License",
        "",
        f"License of the annotations: `{_md(manifest.get('license', {}).get('id') or DEFAULT_LICENSE)}`.",
        "",
        manifest.get("license", {}).get("texts") or TEXTS_NOTE,
        "",
        "## Contents",
        "",
        f"- documents: {counts['documents']} ({counts['resolution'].get(ADJUDICATED, 0)} adjudicated, "
        f"{counts['resolution'].get(MAJORITY, 0)} resolved by majority vote)",
        f"- gold spans: {counts['spans']}",
        f"- claim links: {counts['claim_links']} (to {counts['claims']} claims)",
        f"- Admiralty grades: {counts['ratings']}",
    ]
    for key, value in manifest.get("format_stats", {}).items():
        lines.append(f"- {key.replace('_', ' ')}: {value}")
    schema = manifest.get("label_schema") or {}
    lines += ["", "## Labels", "", "| # | label | Arabic | spans |", "| --- | --- | --- | --- |"]
    for number, label in enumerate(manifest["labels"], start=1):
        lines.append(
            f"| {number} | {_md(label['name'])} | {_md(label['name_ar'])} | "
            f"{counts['per_label'].get(label['name'], 0)} |"
        )
    lines += [
        "",
        f"BIO tags ({_md(schema.get('tag_scheme', 'IOB2'))}), in this order: "
        + ", ".join(_code(tag) for tag in schema.get("bio_tags", [])),
        "",
        "Overlapping spans in formats with one tag per token (CoNLL-2003): the label listed first above wins "
        "(priority: " + " > ".join(_code(name) for name in schema.get("conll2003_priority", [])) + "); then the "
        "earlier start, then the longer span. The other formats keep every span.",
        "",
        "## How the gold was made",
        "",
        "Each document was annotated independently by k reviewers (blind to each other). An adjudicator then "
        "accepted, edited, added or rejected spans, claim links and the outlet's Admiralty grade; every gold "
        "record names who decided it (`decided_by`). Documents marked `resolution: majority` were not "
        "adjudicated: a span, link or grade is kept there when more than half of the reviewers marked exactly "
        "it (`votes`).",
        "",
        "Admiralty code: source reliability A (completely reliable) to E (unreliable), F (cannot be judged); "
        "information credibility 1 (confirmed) to 5 (improbable), 6 (cannot be judged).",
        "",
        "## Agreement between reviewers",
        "",
    ]
    agreement = manifest.get("agreement")
    if agreement and agreement.get("summary"):
        summary = agreement["summary"]
        lines.append(
            f"Over the {summary['documents']} exported documents, from agreement run {agreement.get('run')} "
            f"(finished {agreement.get('finished_at')}); {summary['documents_with_figures']} of them have figures:"
        )
        lines.append("")
        lines.append(
            f"- token alpha, mean over {summary['token_alpha_documents']} documents: "
            f"{_number(summary['token_alpha_mean'])}"
        )
        lines.append(
            f"- overlap F1, mean over {summary['overlap_f1_documents']} documents: "
            f"{_number(summary['overlap_f1_mean'])}"
        )
        lines += ["", "The project-wide figures of that run (every submitted document) are in the manifest."]
    else:
        lines.append("No finished agreement run: the per-document `agreement` values are null.")
    lines += [
        "",
        "## Record schema (JSONL)",
        "",
        "JSON Schema (draft 2020-12) of one line of the JSONL format, also in the manifest (`record_schema`):",
        "",
        "```json",
        json.dumps(manifest.get("record_schema") or {}, ensure_ascii=False, indent=1),
        "```",
        "",
        "## Provenance",
        "",
        f"- exported at {manifest['exported_at']} by workbench {_md(manifest['code_version'])} "
        f"(manifest schema {manifest['schema_version']})",
        f"- options: {_md(json.dumps(manifest['options'], sort_keys=True))}",
        f"- snapshot: {_md(json.dumps(manifest.get('snapshot', {}), sort_keys=True))}",
        "",
    ]
    return "\n".join(lines)
