"""Importing a gold JSONL export back into a project (`import_gold`): all of it, or nothing.

Each line becomes (or reuses) a document, matched by the SHA-256 of its NFC text, and a FINAL
adjudication holding its gold spans, claim links and Admiralty grades. The rows belong to the importing
user (by default the system user `gold-import`), but the adjudication is marked `imported` and keeps
what the file says: the resolution (`majority` stays majority, with its `reviewers` and every `votes`),
the adjudicator and each decider as recorded names (null stays null), the span decisions, and the
document's agreement figures; exports read those back, so export -> import -> export gives the same
data file but for database ids. The project is created when it does not exist (`project_slug`), named
as in the manifest, with the file's label set. Labels missing from the project are created
(the manifest's whole label set, in its order, with Arabic names and colours, when there is a
manifest; else as they appear); claims are matched by their
exact text in the project, else created with their verdict (and the verdict's date). A manifest beside
the file (`PATH.manifest.json`, or `manifest.json` naming the file) must agree with its SHA-256.

One transaction: the first bad line (ImportLineError "path:line: message") leaves the project as it was.
A document that already has final gold is left alone and counted as skipped; one whose adjudication
is in progress is refused. Majority-resolved lines are imported as gold like the others (final,
so they are exported without --include-majority), still saying `resolution: majority`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from annotations.errors import ApplicationError, ImportLineError
from annotations.exporters.jsonl import read_documents
from annotations.exporters.records import MAJORITY, ClaimRecord, GoldDocument
from annotations.models import (
    Adjudication,
    AdjudicationStatus,
    Claim,
    ClaimVerdictChange,
    Document,
    GoldClaimLink,
    GoldDecision,
    GoldReliability,
    GoldSpan,
    LabelType,
    Project,
    Verdict,
)
from annotations.models.validation import validate_claim, validate_document, validate_span_offsets
from annotations.services.documents import source_for
from annotations.services.enqueue import enqueue_on_commit

IMPORT_USERNAME = "gold-import"
DEFAULT_COLOR = "#1f77b4"


@dataclass
class GoldImportResult:
    documents: int = 0
    created_documents: int = 0
    reused_documents: int = 0
    skipped_documents: int = 0  # already had final gold
    spans: int = 0
    claim_links: int = 0
    ratings: int = 0
    created_claims: int = 0
    created_labels: list[str] = field(default_factory=list)
    manifest_checked: bool = False
    created_project: bool = False
    project: Project | None = None


def gold_import_user(username: str | None = None):
    """The decider of imported gold: the named user, or the system user `gold-import` (created once,
    with no usable password)."""
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ImportLineError("--as", None, f"no user named {username!r}")
        return user
    user, created = User.objects.get_or_create(username=IMPORT_USERNAME)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _manifest_for(path: Path) -> tuple[Path, dict] | None:
    for candidate in (path.with_name(path.name + ".manifest.json"), path.with_name("manifest.json")):
        if not candidate.is_file():
            continue
        try:
            manifest = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ImportLineError(str(candidate), None, f"unreadable manifest ({exc})") from None
        if not isinstance(manifest, dict):
            raise ImportLineError(str(candidate), None, "the manifest is not a JSON object")
        files = [f for f in manifest.get("files") or [] if isinstance(f, dict) and f.get("role") == "data"]
        if candidate.name == "manifest.json" and not any(f.get("name") == path.name for f in files):
            continue  # a manifest of another export in the same directory
        return candidate, manifest
    return None


def _check_manifest(path: Path, manifest_path: Path, manifest: dict) -> None:
    files = [f for f in manifest.get("files") or [] if isinstance(f, dict) and f.get("role") == "data"]
    files = [f for f in files if f.get("name") == path.name] or files  # with splits: this file's entry
    if not files or not isinstance(files[0].get("sha256"), str):
        raise ImportLineError(str(manifest_path), None, "the manifest lists no data file with a SHA-256")
    if (manifest.get("format") or {}).get("name") not in (None, "jsonl"):
        raise ImportLineError(str(path), None, "the manifest says this is not a JSONL export")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != files[0]["sha256"]:
        raise ImportLineError(
            str(path),
            None,
            f"SHA-256 {digest.hexdigest()} differs from the manifest's {files[0]['sha256']} (changed or truncated?)",
        )


class _Importer:
    def __init__(self, project: Project, user, path: str, manifest: dict | None):
        self.project = project
        self.user = user
        self.path = path
        self.labels = {label.name: label for label in LabelType.objects.filter(project=project)}
        self.label_info = {
            item["name"]: item
            for item in (manifest or {}).get("labels") or []
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        }
        self.next_order = (LabelType.objects.filter(project=project).aggregate(m=Max("order"))["m"] or 0) + 1
        self.claims: dict = {}
        self.result = GoldImportResult(manifest_checked=manifest is not None)
        self.new_documents: list[int] = []
        for name in self.label_info:  # the dataset's label set, in its order
            self.label(name)

    def label(self, name: str) -> LabelType:
        label = self.labels.get(name)
        if label is None:
            info = self.label_info.get(name, {})
            color = info.get("color") if isinstance(info.get("color"), str) else ""
            label = LabelType(
                project=self.project,
                name=name,
                name_ar=str(info.get("name_ar") or "")[:64],
                color=color if len(color) == 7 and color.startswith("#") else DEFAULT_COLOR,
                description=str(info.get("description") or ""),
                order=self.next_order,
            )
            label.full_clean(exclude=["project"], validate_unique=False, validate_constraints=False)
            label.save()
            self.next_order += 1
            self.labels[name] = label
            self.result.created_labels.append(name)
        return label

    def claim(self, record: ClaimRecord) -> Claim:
        key = record.id or record.text
        claim = self.claims.get(key)
        if claim is not None:
            return claim
        values = validate_claim(text=record.text, place=record.place, actor=record.actor)
        claim = Claim.objects.filter(project=self.project, text=values.text).order_by("id").first()
        if claim is None:
            claim = Claim.objects.create(
                project=self.project,
                text=values.text,
                verdict=record.verdict,
                rationale=record.rationale,
                event_date=dt.date.fromisoformat(record.event_date) if record.event_date else None,
                place=values.place,
                actor=values.actor,
                casualty_figure=record.casualty_figure,
                created_by=self.user,
            )
            if record.verdict != Verdict.UNVERIFIED:
                change = ClaimVerdictChange.objects.create(
                    claim=claim,
                    from_verdict=Verdict.UNVERIFIED,
                    to_verdict=record.verdict,
                    rationale=record.rationale,
                    changed_by=self.user,
                )
                if record.verdict_date:
                    when = dt.datetime.combine(dt.date.fromisoformat(record.verdict_date), dt.time(), dt.UTC)
                    ClaimVerdictChange.objects.filter(pk=change.pk).update(changed_at=when)
            self.result.created_claims += 1
        self.claims[key] = claim
        return claim

    def document(self, record: GoldDocument) -> Document | None:
        document = Document.objects.filter(project=self.project, sha256=record.sha256).first()
        if document is not None:
            adjudication = Adjudication.objects.filter(document=document).first()
            if adjudication is not None:
                if adjudication.status == AdjudicationStatus.FINAL:
                    self.result.skipped_documents += 1
                    return None
                raise ValueError(f"document {document.pk} has an adjudication in progress; finish or delete it first")
            self.result.reused_documents += 1
            return document
        published_at = None
        if record.published_at:
            published_at = dt.datetime.fromisoformat(record.published_at)
            if timezone.is_naive(published_at):
                published_at = published_at.replace(tzinfo=dt.UTC)
        values = validate_document(
            text=record.text, title=record.title, source=record.source, url=record.url, external_id=record.external_id
        )
        document = Document(
            project=self.project,
            text=values.text,
            title=values.title,
            source=source_for(values.source, values.url),
            url=values.url,
            published_at=published_at,
            external_id=values.external_id,
        )
        document.save()
        self.new_documents.append(document.pk)
        self.result.created_documents += 1
        return document

    def add(self, record: GoldDocument) -> None:
        document = self.document(record)
        if document is None:
            return
        self.result.documents += 1
        majority = record.resolution == MAJORITY
        adjudication = Adjudication.objects.create(
            document=document,
            adjudicator=self.user,
            status=AdjudicationStatus.FINAL,
            decided_at=timezone.now(),
            imported=True,
            resolution=record.resolution,
            reviewers=record.reviewers if majority else None,
            recorded_adjudicator=record.adjudicator,
            recorded_agreement=record.agreement,
        )
        gold_spans = []
        for span in record.spans:
            validate_span_offsets(document.text, span.start, span.end, span.text)
            decision = span.decision if span.decision in GoldDecision.values else GoldDecision.ACCEPTED
            gold_spans.append(
                GoldSpan.objects.create(
                    adjudication=adjudication,
                    label=self.label(span.label),
                    start=span.start,
                    end=span.end,
                    text=span.text,
                    decision=decision,
                    decided_by=self.user,
                    votes=span.votes if majority else None,
                    recorded_decider=span.decided_by,
                )
            )
        for link in record.claim_links:
            GoldClaimLink.objects.create(
                gold_span=gold_spans[link.span],
                claim=self.claim(link.claim),
                stance=link.stance,
                decided_by=self.user,
                votes=link.votes if majority else None,
                recorded_decider=link.decided_by,
            )
        for grade in record.reliability:
            GoldReliability.objects.create(
                adjudication=adjudication,
                gold_span=gold_spans[grade.span] if grade.span is not None else None,
                source_reliability=grade.source_reliability,
                credibility=grade.credibility,
                note=grade.note,
                decided_by=self.user,
                votes=grade.votes if majority else None,
                recorded_decider=grade.decided_by,
            )
        self.result.spans += len(record.spans)
        self.result.claim_links += len(record.claim_links)
        self.result.ratings += len(record.reliability)


def _new_project(slug: str, manifest: dict | None, path: Path) -> Project:
    try:
        validate_slug(slug)
    except ValidationError:
        raise ImportLineError("--project", None, f"{slug!r} is not a valid slug (letters, digits, - and _)") from None
    if len(slug) > 64:
        raise ImportLineError("--project", None, "a slug has at most 64 characters")
    name = ((manifest or {}).get("project") or {}).get("name")
    project = Project(slug=slug, name=name[:200] if isinstance(name, str) and name.strip() else slug)
    project.full_clean(validate_unique=False)
    project.save()
    return project


def gold_import(
    *, project: Project | None = None, path, username: str | None = None, project_slug: str | None = None
) -> GoldImportResult:
    """Imports a gold JSONL file into `project`, all or nothing (see the module docstring). With
    `project_slug` instead, into that project, created (named as in the manifest, else by the slug; the
    file's labels) when it does not exist; `result.created_project` says so."""
    path = Path(path)
    if not path.is_file():
        raise ImportLineError(str(path), None, "no such file")
    found = _manifest_for(path)
    manifest = None
    if found is not None:
        _check_manifest(path, *found)
        manifest = found[1]
    with transaction.atomic():
        user = gold_import_user(username)
        created_project = False
        if project is None:
            project = Project.objects.filter(slug=project_slug).first()
            if project is None:
                project = _new_project(str(project_slug), manifest, path)
                created_project = True
        try:
            importer = _Importer(project, user, str(path), manifest)
        except ValidationError as exc:  # a label of the manifest's label set that the project cannot hold
            raise ImportLineError(str(found[0]), None, "; ".join(exc.messages)) from None
        with open(path, "rb") as handle:
            lines = (line.rstrip(b"\r\n") for line in handle)
            for number, record in read_documents(lines, str(path)):
                try:
                    with transaction.atomic():
                        importer.add(record)
                except (ValueError, IntegrityError) as exc:
                    raise ImportLineError(str(path), number, _message(exc)) from None
                except ApplicationError as exc:  # the entity validation every writer uses
                    raise ImportLineError(str(path), number, _field_message(exc)) from None
                except ValidationError as exc:  # a model's validation: a label too long, a bad colour…
                    raise ImportLineError(str(path), number, "; ".join(exc.messages)) from None
        if importer.new_documents:
            enqueue_on_commit("document_stats_task", importer.new_documents)
    importer.result.created_project = created_project
    importer.result.project = project
    return importer.result


def _field_message(exc: ApplicationError) -> str:
    """`field: message` of the first field error (the gold record's field)."""
    for name, messages in exc.fields.items():
        first = messages[0] if isinstance(messages, list) else messages
        return f"{name}: {first}"[:300]
    return exc.message[:300]


def _message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


__all__ = ["GoldImportResult", "gold_import", "gold_import_user"]
