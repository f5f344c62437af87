"""The label schema and the JSON Schema (draft 2020-12) of a gold JSONL record, written into every
export's manifest and dataset card. Pure: no Django.

The record schema is exact (`additionalProperties: false`, every key required), so a consumer can rely
on it; `labels` restricts span labels to the project's label set, and `utf16_offsets` makes
start_utf16/end_utf16 required (else they are absent).
"""

from __future__ import annotations

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def label_schema(labels: list[str], conll2003_priority: list[str] | None = None) -> dict:
    """Ordered labels, their BIO tags (IOB2: O, then B-/I- per label in label order), and the order in
    which the CoNLL-2003 file keeps one of two overlapping spans."""
    tags = ["O"]
    for name in labels:
        tags += [f"B-{name}", f"I-{name}"]
    return {
        "labels": list(labels),
        "tag_scheme": "IOB2 (BIO)",
        "bio_tags": tags,
        "conll2003_priority": list(conll2003_priority if conll2003_priority is not None else labels),
    }


def _nullable(kind: str) -> dict:
    return {"type": [kind, "null"]}


def _object(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def record_schema(labels: list[str] | None = None, *, utf16_offsets: bool = False) -> dict:
    label = {"type": "string", "minLength": 1}
    if labels:
        label = {"enum": list(labels)}
    count = {"type": ["integer", "null"], "minimum": 0}
    offset = {"type": "integer", "minimum": 0}

    def offsets() -> dict:
        out = {"start": offset, "end": offset}
        if utf16_offsets:
            out.update({"start_utf16": offset, "end_utf16": offset})
        return out

    span = _object(
        {
            **offsets(),
            "label": label,
            "text": {"type": "string", "minLength": 1},
            "decision": {"enum": ["accepted", "edited", "added", "majority"]},
            "decided_by": _nullable("string"),
            "votes": count,
        }
    )
    claim = _object(
        {
            "id": {"type": "integer"},
            "text": {"type": "string", "minLength": 1},
            "verdict": {"enum": ["unverified", "supported", "refuted", "mixed", "unverifiable"]},
            "rationale": {"type": "string"},
            "event_date": {"type": ["string", "null"], "format": "date"},
            "place": {"type": "string"},
            "actor": {"type": "string"},
            "casualty_figure": count,
            "verdict_date": {"type": ["string", "null"], "format": "date"},
        }
    )
    link = _object(
        {
            "span": {"type": "integer", "minimum": 0},
            **offsets(),
            "label": label,
            "claim": claim,
            "stance": {"enum": ["supports", "refutes", "mentions"]},
            "decided_by": _nullable("string"),
            "votes": count,
        }
    )
    grade = _object(
        {
            "span": {"type": ["integer", "null"], "minimum": 0},
            "source_reliability": {"enum": list("ABCDEF")},
            "credibility": {"type": "integer", "minimum": 1, "maximum": 6},
            "code": {"type": "string", "pattern": "^[A-F][1-6]$"},
            "note": {"type": "string"},
            "decided_by": _nullable("string"),
            "votes": count,
        }
    )
    agreement = _object({"token_alpha": _nullable("number"), "overlap_f1": _nullable("number"), "reviewers": count})
    agreement["type"] = ["object", "null"]
    record = _object(
        {
            "id": {"type": "integer"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "title": {"type": "string"},
            "source": _nullable("string"),
            "source_domain": {"type": "string"},
            "url": {"type": "string"},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "external_id": {"type": "string"},
            "resolution": {"enum": ["adjudicated", "majority"]},
            "adjudicator": _nullable("string"),
            "reviewers": count,
            "text": {"type": "string", "minLength": 1},
            "spans": {"type": "array", "items": span},
            "claim_links": {"type": "array", "items": link},
            "reliability": {"type": "array", "items": grade},
            "agreement": agreement,
        }
    )
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": "urn:workbench:schema:gold-jsonl-record:1",
        "title": "Gold JSONL record (one document and its gold)",
        **record,
    }
