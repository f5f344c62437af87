"""The manifest (JSON, beside every data file) and the dataset card (Markdown README).

`counted(documents, counts)` passes the records through to a writer while counting them, so the
counts in the manifest are those of the records actually written, never a separate query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .records import ADJUDICATED, MAJORITY, OFFSET_NOTE, OFFSET_UNIT, ExportContext, GoldDocument

SCHEMA_VERSION = 1


@dataclass
class Counts:
    documents: int = 0
    spans: int = 0
    claim_links: int = 0
    ratings: int = 0
    per_label: dict[str, int] = field(default_factory=dict)
    resolution: dict[str, int] = field(default_factory=lambda: {ADJUDICATED: 0, MAJORITY: 0})
    claims: set = field(default_factory=set)

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


def counted(documents: Iterable[GoldDocument], counts: Counts) -> Iterator[GoldDocument]:
    per_label = counts.per_label
    for document in documents:
        counts.documents += 1
        counts.resolution[document.resolution] = counts.resolution.get(document.resolution, 0) + 1
        counts.spans += len(document.spans)
        for span in document.spans:
            per_label[span.label] = per_label.get(span.label, 0) + 1
        counts.claim_links += len(document.claim_links)
        for link in document.claim_links:
            counts.claims.add(link.claim.id)
        counts.ratings += len(document.reliability)
        yield document


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
) -> dict:
    """The manifest: what the data is, how it was made, how to check it."""
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


def _number(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def dataset_card(manifest: dict) -> str:
    """A README for the dataset, from the manifest alone (so it says nothing the manifest does not)."""
    project = manifest["project"]
    counts = manifest["counts"]
    fmt = manifest["format"]
    lines = [
        f"# Gold dataset: {_md(project['name'])} ({_md(project['slug'])})",
        "",
        "Arabic news annotated by reviewers and adjudicated into gold with the Arabic news annotation and "
        "verification workbench.",
        "",
        "## Files",
        "",
        "| file | SHA-256 | bytes |",
        "| --- | --- | --- |",
    ]
    for item in manifest["files"]:
        lines.append(f"| `{item['name']}` | `{item['sha256']}` | {item['bytes']} |")
    lines += [
        "",
        f"Check a download with `sha256sum {manifest['files'][0]['name']}`; the manifest (JSON) lists the same hashes.",
        "",
        f"## Format: {_md(fmt['title'])}",
        "",
        fmt["notes"],
        "",
        "## Offsets",
        "",
        manifest["offsets"]["note"],
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
    lines += ["", "## Labels", "", "| label | Arabic | spans |", "| --- | --- | --- |"]
    for label in manifest["labels"]:
        lines.append(
            f"| {_md(label['name'])} | {_md(label['name_ar'])} | {counts['per_label'].get(label['name'], 0)} |"
        )
    lines += [
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
        lines.append(f"From agreement run {agreement.get('run')} (finished {agreement.get('finished_at')}):")
        lines.append("")
        for key in ("token_alpha", "exact_f1", "overlap_f1", "reliability_alpha", "credibility_alpha", "stance_alpha"):
            if key in summary:
                lines.append(f"- {key.replace('_', ' ')}: {_number(summary[key])}")
    else:
        lines.append("No finished agreement run: the per-document `agreement` values are null.")
    lines += [
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
