"""Reads for gold exports: ORM rows in, `annotations.exporters.records` out, streamed.

`gold_records(project)` yields one `GoldDocument` per gold document in document id order, reading
`chunk_size` (1,000) documents at a time by keyset (`id > last`), with a handful of queries per chunk (the
documents, their gold spans, links and grades; claims and user names once each, cached): memory is
one chunk, never the project.

Gold is what was final at `snapshot_at` (an adjudication with status final and decided_at at or before
it). Final gold never changes afterwards (the adjudication services refuse edits with 409), so rows
read in different chunks belong to one snapshot even without a database snapshot. `gold_snapshot()`
adds one on PostgreSQL (one REPEATABLE READ, READ ONLY transaction for the whole read), so documents,
claims and labels are consistent too (an export is one snapshot while writes go on).

With `include_majority`, documents that nobody finalized but whose k reviewers all submitted (at the
snapshot) are resolved by majority vote: a span (start, end, label) is kept when more than half of the
submitted reviewers marked it, likewise a claim link (same span, claim and stance) on a kept span, and
the outlet grade (same letter and digit); such documents have `resolution = "majority"`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import CharField, F, IntegerField, Lookup, Q, Value
from django.utils import timezone

from annotations.exporters.records import (
    ADJUDICATED,
    MAJORITY,
    ClaimRecord,
    ExportContext,
    GoldClaimLink,
    GoldDocument,
    GoldReliability,
    GoldSpan,
    LabelInfo,
    ReviewNote,
)
from annotations.models import (
    AdjudicationStatus,
    AgreementRun,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimLink,
    ClaimVerdictChange,
    Document,
    DocumentFlag,
    JobStatus,
    LabelType,
    Project,
    ReliabilityRating,
    Span,
    SpanComment,
)
from annotations.models import (
    GoldClaimLink as GoldClaimLinkRow,
)
from annotations.models import (
    GoldReliability as GoldReliabilityRow,
)
from annotations.models import (
    GoldSpan as GoldSpanRow,
)

if TYPE_CHECKING:  # the stored report's shape; the agreement package (numpy) is not loaded for an export
    from annotations.agreement.report import DocumentRow, Summary

CHUNK = 1000
MAJORITY_DECISION = "majority"


# --- snapshot -------------------------------------------------------------------------------------------
@contextmanager
def gold_snapshot() -> Iterator[bool]:
    """One consistent read. On PostgreSQL, when not already inside a transaction: a REPEATABLE READ,
    READ ONLY transaction (its first statement), and True. Otherwise (SQLite, whose read transaction
    would block every writer for the whole export, or a caller's own transaction) nothing is opened
    and the `decided_at <= snapshot_at` rule keeps the gold consistent; False."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield True


# --- context and agreement ------------------------------------------------------------------------------
def gold_context(project: Project, *, include_majority: bool = False, options: dict | None = None) -> ExportContext:
    """The project, its label set in order, the chosen options (`ExportOptions.as_dict()`) and the
    publication settings (PUBLIC_BASE_URL, EXPORT_ORGANIZATION_NAME/_URL)."""
    labels = tuple(
        LabelInfo(name, name_ar, color, description)
        for name, name_ar, color, description in LabelType.objects.filter(project=project)
        .order_by("order", "id")
        .values_list("name", "name_ar", "color", "description")
    )
    return ExportContext(
        project_slug=project.slug,
        project_name=project.name,
        labels=labels,
        options=dict(options) if options is not None else {"include_majority": bool(include_majority)},
        organization=getattr(settings, "EXPORT_ORGANIZATION_NAME", ""),
        organization_url=getattr(settings, "EXPORT_ORGANIZATION_URL", ""),
        public_base_url=(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/"),
    )


def gold_agreement(project: Project) -> tuple[dict | None, dict[int, dict]]:
    """The latest finished agreement run: its project summary (for the manifest) and per-document
    figures {document id: {"token_alpha", "overlap_f1", "reviewers"}}; (None, {}) without one.

    Reads only `results.summary` and `results.documents` (not the pair and label tables)."""
    run = (
        AgreementRun.objects.filter(project=project, status=JobStatus.DONE)
        .order_by(F("finished_at").desc(nulls_last=True), "-id")
        .values("id", "finished_at", "results__summary", "results__documents", "results__schema")
        .first()
    )
    if run is None:
        return None, {}
    # The stored report's `documents` and `summary` (annotations.agreement.report), read as JSON paths.
    entries: list[DocumentRow] = run["results__documents"] or []
    per_document: dict[int, dict] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("document"), int):
            continue
        per_document[entry["document"]] = {
            "token_alpha": entry.get("token_alpha"),
            "overlap_f1": entry.get("overlap_f1"),
            "reviewers": entry.get("reviewers"),
        }
    summary: Summary | dict = run["results__summary"] if isinstance(run["results__summary"], dict) else {}
    finished = run["finished_at"]
    return (
        {
            "run": run["id"],
            "finished_at": finished.isoformat() if finished else None,
            "results_schema": run["results__schema"],
            "summary": summary,
        },
        per_document,
    )


# --- which documents ------------------------------------------------------------------------------------
def _final_at(snapshot_at: dt.datetime) -> Q:
    return Q(adjudication__status=AdjudicationStatus.FINAL, adjudication__decided_at__lte=snapshot_at)


def gold_documents_filter(project: Project, *, include_majority: bool, snapshot_at: dt.datetime) -> Q:
    condition = _final_at(snapshot_at)
    if include_majority:
        # a cheap pre-filter on the queue counter (it only grows); the exact rule (k submissions at the
        # snapshot) is applied to the rows read
        condition |= Q(submitted_count__gte=project.overlap_k)
    return condition & Q(archived_at__isnull=True)  # an archived document leaves the exports


def gold_count(project: Project, *, include_majority: bool = False, snapshot_at: dt.datetime | None = None) -> int:
    """How many documents `gold_records` will look at (an upper bound with majority; for progress)."""
    snapshot_at = snapshot_at or timezone.now()
    return Document.objects.filter(
        gold_documents_filter(project, include_majority=include_majority, snapshot_at=snapshot_at), project=project
    ).count()


# --- the stream -----------------------------------------------------------------------------------------
class _Lookups:
    """Caches that grow with the project's claims and deciders, not with its documents."""

    def __init__(self, project: Project):
        rows = LabelType.objects.filter(project=project).order_by("order", "id").values_list("id", "name")
        self.labels: dict[int, str] = {}
        self.label_rank: dict[int, int] = {}
        for rank, (pk, name) in enumerate(rows):
            self.labels[pk] = name
            self.label_rank[pk] = rank
        self.users: dict[int | None, str | None] = {None: None}
        self.claims: dict[int, ClaimRecord] = {}

    def load_users(self, ids) -> None:
        missing = {pk for pk in ids if pk is not None and pk not in self.users}
        if missing:
            self.users.update(get_user_model().objects.filter(pk__in=missing).values_list("pk", "username"))

    def user(self, pk) -> str | None:
        return self.users.get(pk) if pk is not None else None

    def load_claims(self, ids) -> None:
        missing = {pk for pk in ids if pk not in self.claims}
        if not missing:
            return
        set_on: dict[int, dt.datetime] = {}
        for claim_id, changed_at in (
            ClaimVerdictChange.objects.filter(claim_id__in=missing)
            .order_by("claim_id", "changed_at", "id")
            .values_list("claim_id", "changed_at")
        ):
            set_on[claim_id] = changed_at  # the last change set the current verdict
        for pk, text, verdict, rationale, event_date, place, actor, figure in Claim.objects.filter(
            pk__in=missing
        ).values_list("pk", "text", "verdict", "rationale", "event_date", "place", "actor", "casualty_figure"):
            changed = set_on.get(pk)
            self.claims[pk] = ClaimRecord(
                id=pk,
                text=text,
                verdict=verdict,
                rationale=rationale,
                event_date=event_date.isoformat() if event_date else None,
                place=place,
                actor=actor,
                casualty_figure=figure,
                verdict_date=changed.astimezone(dt.UTC).date().isoformat() if changed else None,
            )

    def span_key(self, start: int, end: int, label_id: int):
        return (start, end, self.label_rank.get(label_id, 1 << 30), self.labels.get(label_id, ""))


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC)
    return value.isoformat()


DOCUMENT_FIELDS = (
    "id",
    "text",
    "sha256",
    "title",
    "url",
    "published_at",
    "external_id",
    "source__name",
    "source__domain",
    "adjudication__id",
    "adjudication__status",
    "adjudication__decided_at",
    "adjudication__adjudicator_id",
    "adjudication__imported",  # 13: the rest only matters for gold that import_gold wrote
    "adjudication__resolution",
    "adjudication__reviewers",
    "adjudication__recorded_adjudicator",
    "adjudication__recorded_agreement",
    "stats__tokens",  # 18: the tokenizer's output stored at import (CoNLL), or None
)


def gold_records(
    project: Project,
    *,
    include_majority: bool = False,
    snapshot_at: dt.datetime | None = None,
    agreement: dict[int, dict] | None = None,
    chunk_size: int = CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[GoldDocument]:
    """The project's gold, one document at a time, in document id order (see the module docstring).

    `agreement` maps document ids to their figures (`gold_agreement`); `on_chunk(n)` is called after
    each chunk of n documents has been read (progress)."""
    snapshot_at = snapshot_at or timezone.now()
    lookups = _Lookups(project)
    k = project.overlap_k
    agreement = agreement or {}
    condition = gold_documents_filter(project, include_majority=include_majority, snapshot_at=snapshot_at)
    last = 0
    while True:
        rows = list(
            Document.objects.filter(condition, project=project, pk__gt=last)
            .order_by("pk")
            .values_list(*DOCUMENT_FIELDS)[:chunk_size]
        )
        if not rows:
            return
        last = rows[-1][0]
        adjudicated = {}  # adjudication id -> row
        majority = []
        for row in rows:
            final = (
                row[10] is not None
                and row[10] == AdjudicationStatus.FINAL
                and row[11] is not None
                and row[11] <= snapshot_at
            )
            if final:
                adjudicated[row[9]] = row
            elif include_majority:
                majority.append(row)
        built: dict[int, GoldDocument] = {}
        if adjudicated:
            built.update(_adjudicated(adjudicated, lookups, agreement))
        if majority:
            built.update(_majority(majority, lookups, agreement, k, snapshot_at))
        notes = _review_notes(list(built))
        for document_id, found in notes.items():
            built[document_id] = dataclasses.replace(built[document_id], review_notes=tuple(found))
        for row in rows:
            document = built.get(row[0])
            if document is not None:
                yield document
        if on_chunk is not None:
            on_chunk(len(rows))
        if len(rows) < chunk_size:
            return


def _review_notes(document_ids: list[int]) -> dict[int, list[ReviewNote]]:
    """Submitted reviewers' flags and span comments of these documents (one UNION query per chunk)."""
    notes: dict[int, list[ReviewNote]] = defaultdict(list)
    if not document_ids:
        return notes
    flags = DocumentFlag.objects.filter(
        assignment__status=AssignmentStatus.SUBMITTED, assignment__document_id__in=document_ids
    ).values_list(
        "assignment__document_id",
        "kind",
        "note",
        Value(None, output_field=IntegerField()),
        Value(None, output_field=IntegerField()),
        Value(None, output_field=CharField()),
        "id",
    )
    comments = SpanComment.objects.filter(
        span__assignment__status=AssignmentStatus.SUBMITTED,
        span__assignment__document_id__in=document_ids,
        span__deleted_at__isnull=True,
    ).values_list(
        "span__assignment__document_id",
        Value("comment", output_field=CharField()),
        "text",
        "span__start",
        "span__end",
        "span__label__name",
        "id",
    )
    # without the models' Meta.ordering: SQLite refuses ORDER BY inside a UNION's parts
    rows = sorted(
        flags.order_by().union(comments.order_by(), all=True),
        key=lambda r: (r[0], r[1] == "comment", r[3] if r[3] is not None else -1, r[4] or -1, r[1], r[6]),
    )
    for document_id, kind, note, start, end, label, _ in rows:
        notes[document_id].append(ReviewNote(kind, note, start, end, label))
    return notes


def _document(
    row, lookups: _Lookups, agreement: dict, *, resolution: str, spans, links, grades, adjudicator=None, reviewers=None
) -> GoldDocument:
    return GoldDocument(
        id=row[0],
        text=row[1],
        sha256=row[2],
        title=row[3],
        url=row[4],
        published_at=_iso(row[5]),
        external_id=row[6],
        source=row[7],
        source_domain=row[8] or "",
        resolution=resolution,
        adjudicator=adjudicator,
        reviewers=reviewers,
        spans=tuple(spans),
        claim_links=tuple(links),
        reliability=tuple(grades),
        agreement=agreement.get(row[0]),
        tokens=row[18],
    )


class _AnyOf(Lookup):
    """`lhs = ANY(%s)` with the ids as ONE array parameter (PostgreSQL): binding hundreds of parameters
    one by one, as `__in` does, costs more than running the query."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, [int(pk) for pk in self.rhs]]


def _in(field: str, ids: list[int]):
    """A filter argument for `field IN ids`."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), ids)
    return Q(**{f"{field}__in": ids})


def _adjudicated(adjudicated: dict, lookups: _Lookups, agreement: dict) -> dict[int, GoldDocument]:
    """Gold of a chunk's finalized documents: three queries, spans already in export order (start, end,
    label order), so the hot loop only groups rows (this is most of an export's time)."""
    ids = list(adjudicated)
    users = lookups.users
    labels = lookups.labels
    deciders = {row[12] for row in adjudicated.values()}
    span_rows = list(
        GoldSpanRow.objects.filter(_in("adjudication_id", ids))
        .order_by("adjudication_id", "start", "end", "label__order", "label_id", "id")
        .values_list(
            "id",
            "adjudication_id",
            "start",
            "end",
            "label_id",
            "text",
            "decision",
            "decided_by_id",
            "votes",
            "recorded_decider",
        )
    )
    links_by: dict[int, list] = defaultdict(list)
    claim_ids = set()
    for gold_span_id, claim_id, stance, decided_by, votes, recorded in (
        GoldClaimLinkRow.objects.filter(_in("gold_span__adjudication_id", ids))
        .order_by("gold_span_id", "claim_id")
        .values_list("gold_span_id", "claim_id", "stance", "decided_by_id", "votes", "recorded_decider")
    ):
        links_by[gold_span_id].append((claim_id, stance, decided_by, votes, recorded))
        claim_ids.add(claim_id)
        deciders.add(decided_by)
    grades_by: dict[int, list] = defaultdict(list)
    for adjudication_id, gold_span_id, letter, credibility, note, decided_by, votes, recorded in (
        GoldReliabilityRow.objects.filter(_in("adjudication_id", ids))
        .order_by("id")
        .values_list(
            "adjudication_id",
            "gold_span_id",
            "source_reliability",
            "credibility",
            "note",
            "decided_by_id",
            "votes",
            "recorded_decider",
        )
    ):
        grades_by[adjudication_id].append((gold_span_id, letter, credibility, note, decided_by, votes, recorded))
        deciders.add(decided_by)
    deciders.update({row[7] for row in span_rows})
    lookups.load_users(deciders)
    lookups.load_claims(claim_ids)
    claims = lookups.claims

    out = {}
    spans: list = []
    index_of: dict[int, int] = {}
    links: list = []
    current = None

    imported = {pk for pk, row in adjudicated.items() if row[13]}

    def close(adjudication_id):
        row = adjudicated[adjudication_id]
        grades = []
        for gold_span_id, letter, credibility, note, decided_by, votes, recorded in grades_by.get(adjudication_id, ()):
            if gold_span_id is not None and gold_span_id not in index_of:
                continue
            grades.append(
                GoldReliability(
                    letter,
                    credibility,
                    index_of[gold_span_id] if gold_span_id else None,
                    note,
                    recorded if row[13] else users.get(decided_by),
                    votes,
                )
            )
        if len(grades) > 1:
            grades.sort(key=lambda grade: -1 if grade.span is None else grade.span)
        if row[13]:  # written by import_gold: what the imported file said
            majority = row[14] == MAJORITY
            out[row[0]] = _document(
                row,
                lookups,
                agreement if row[0] in agreement else {row[0]: row[17]},
                resolution=MAJORITY if majority else ADJUDICATED,
                spans=spans,
                links=links,
                grades=grades,
                adjudicator=row[16],
                reviewers=row[15] if majority else None,
            )
            return
        out[row[0]] = _document(
            row,
            lookups,
            agreement,
            resolution=ADJUDICATED,
            spans=spans,
            links=links,
            grades=grades,
            adjudicator=users.get(row[12]),
        )

    for pk, adjudication_id, start, end, label_id, text, decision, decided_by, votes, recorded in span_rows:
        if adjudication_id != current:
            if current is not None:
                close(current)
            current = adjudication_id
            spans, index_of, links = [], {}, []
            from_file = adjudication_id in imported
        index = len(spans)
        index_of[pk] = index
        spans.append(
            GoldSpan(
                start, end, labels[label_id], text, decision, recorded if from_file else users.get(decided_by), votes
            )
        )
        if pk in links_by:
            for claim_id, stance, link_decider, link_votes, link_recorded in links_by[pk]:
                links.append(
                    GoldClaimLink(
                        index,
                        claims[claim_id],
                        stance,
                        link_recorded if from_file else users.get(link_decider),
                        link_votes,
                    )
                )
    if current is not None:
        close(current)
    for adjudication_id in ids:  # finalized without any span
        if adjudicated[adjudication_id][0] not in out:
            spans, index_of, links = [], {}, []
            close(adjudication_id)
    return out


def _majority(
    rows: list, lookups: _Lookups, agreement: dict, k: int, snapshot_at: dt.datetime
) -> dict[int, GoldDocument]:
    by_id = {row[0]: row for row in rows}
    assignments: dict[int, int] = {}  # assignment id -> document id
    for pk, document_id in Assignment.objects.filter(
        _in("document_id", list(by_id)), status=AssignmentStatus.SUBMITTED, submitted_at__lte=snapshot_at
    ).values_list("id", "document_id"):
        assignments[pk] = document_id
    reviewers = Counter(assignments.values())
    ready = {pk for pk, n in reviewers.items() if n >= k}
    if not ready:
        return {}
    mine = [pk for pk, document_id in assignments.items() if document_id in ready]
    span_votes: dict[int, Counter] = defaultdict(Counter)
    span_key_of: dict[int, tuple] = {}  # reviewer span id -> (document id, (start, end, label_id))
    for pk, assignment_id, start, end, label_id in Span.objects.filter(_in("assignment_id", mine)).values_list(
        "id", "assignment_id", "start", "end", "label_id"
    ):
        document_id = assignments[assignment_id]
        key = (start, end, label_id)
        span_key_of[pk] = (document_id, key, assignment_id)
        span_votes[document_id][(key, assignment_id)] += 1
    link_votes: dict[int, Counter] = defaultdict(Counter)
    claim_ids = set()
    for span_id, claim_id, stance in ClaimLink.objects.filter(_in("span__assignment_id", mine)).values_list(
        "span_id", "claim_id", "stance"
    ):
        document_id, key, assignment_id = span_key_of[span_id]
        link_votes[document_id][(key, claim_id, stance, assignment_id)] += 1
        claim_ids.add(claim_id)
    grade_votes: dict[int, Counter] = defaultdict(Counter)
    for assignment_id, letter, credibility in ReliabilityRating.objects.filter(
        _in("assignment_id", mine), span__isnull=True
    ).values_list("assignment_id", "source_reliability", "credibility"):
        grade_votes[assignments[assignment_id]][(letter, credibility)] += 1
    lookups.load_claims(claim_ids)
    out = {}
    for document_id in sorted(ready):
        row = by_id[document_id]
        n = reviewers[document_id]
        # one vote per reviewer: count distinct (key, assignment) pairs
        per_key = Counter(key for key, _ in span_votes[document_id])
        kept = sorted(
            ((lookups.span_key(*key), key, votes) for key, votes in per_key.items() if 2 * votes > n),
            key=lambda item: item[0],
        )
        text = row[1]
        spans, index_of = [], {}
        for index, (sort_key, key, votes) in enumerate(kept):
            index_of[key] = index
            spans.append(GoldSpan(key[0], key[1], sort_key[3], text[key[0] : key[1]], MAJORITY_DECISION, None, votes))
        per_link = Counter((key, claim_id, stance) for key, claim_id, stance, _ in link_votes[document_id])
        links = [
            GoldClaimLink(index_of[key], lookups.claims[claim_id], stance, None, votes)
            for (key, claim_id, stance), votes in per_link.items()
            if 2 * votes > n and key in index_of
        ]
        links.sort(key=lambda link: (link.span, link.claim.id))
        grades = [
            GoldReliability(letter, credibility, None, "", None, votes)
            for (letter, credibility), votes in grade_votes[document_id].items()
            if 2 * votes > n
        ]
        out[document_id] = _document(
            row, lookups, agreement, resolution=MAJORITY, spans=spans, links=links, grades=grades, reviewers=n
        )
    return out


__all__ = ["gold_agreement", "gold_context", "gold_count", "gold_records", "gold_snapshot"]
