"""Reads for the agreement job: ORM rows in, plain data for `annotations.agreement` out.

Only SUBMITTED assignments count. The set of submitted assignments is read once (`agreement_input`);
every later read is filtered to that set in Python, so rows of an assignment submitted while the
job reads are left out consistently (submitted work is frozen, so the rest cannot move underneath).

Coders are reviewer user ids; units are tokens (`(document, token index)`), documents (outlet grades)
or `(document, claim)` pairs (claim link stances).

A run first reads what its fingerprints are made of (`agreement_sources`): the submitted assignments
with their work stamps (`AssignmentWork`: database triggers change an assignment's stamp whenever one
of its spans, claim links or grades is written), the labels, reviewer names, document titles and text
digests, and claim verdicts: one row per assignment or document, never a span. From them come a
fingerprint of each document's work (what its cached piece of the report depends on: the text, the
tokenizer, the labels, each submitting assignment and its stamp) and the fingerprint of the whole
input. Spans and tokens are then read only for the documents whose piece has to be computed
(`agreement_document_batches`), grades and claim links only when the report is computed
(`agreement_read_grades_and_links`). The stamps are read before any span, grade or link: a row written
between the two reads leaves a stamp newer than the one recorded, so the next run computes again.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import F, QuerySet, Subquery

from annotations.agreement.pieces import PIECE_VERSION, DocumentBatch, DocumentPiece, LabelTable, piece_from_bytes
from annotations.agreement.report import DocumentRow, DocumentWork, PairRow, as_report
from annotations.models import (
    AgreementPiece,
    AgreementRun,
    Assignment,
    AssignmentStatus,
    AssignmentWork,
    ClaimLink,
    ClaimVerification,
    Document,
    DocumentStats,
    JobStatus,
    LabelType,
    Project,
    ReliabilityRating,
    Span,
    Stance,
)
from annotations.text.tokens import TOKENIZER_VERSION, tokenize

# Part of the fingerprint: a change in how results are computed must not reuse older results.
ALGORITHM_VERSION = "agreement-results-3"
PIECE_KIND = "spans"  # AgreementPiece.kind of the pieces below: token values and span matches
SPAN_CHUNK = 10_000
DOCUMENT_CHUNK = 2000
ID_CHUNK = 900  # ids per `IN (...)` on SQLite


@dataclass(frozen=True, slots=True)
class SubmittedAssignment:
    id: int
    document_id: int
    reviewer_id: int
    version: int
    updated_at: str
    stamp: int = 0  # AssignmentWork.stamp: 0 when nothing was written since the triggers exist


@dataclass
class AgreementInput:
    """The submitted assignments of a project and the names needed to report on them."""

    project_id: int
    assignments: dict[int, SubmittedAssignment]  # by assignment id
    reviewers: dict[int, str]  # reviewer id -> username
    labels: dict[int, str]  # label id -> name, in the project's label order
    label_colors: dict[str, str]
    document_count: int = 0  # documents with at least one submitted assignment

    @property
    def label_names(self) -> list[str]:
        return list(self.labels.values())


def submitted_assignments(project: Project) -> QuerySet[Assignment]:
    return Assignment.objects.filter(document__project=project, status=AssignmentStatus.SUBMITTED)


def agreement_input(project: Project) -> AgreementInput:
    """The snapshot every other read of one run is restricted to, with each assignment's work stamp
    (read in the same query, so before any span)."""
    assignments = {}
    reviewer_ids = set()
    documents = set()
    for pk, document_id, reviewer_id, version, updated_at, stamp in _submitted_rows(project):
        assignments[pk] = SubmittedAssignment(pk, document_id, reviewer_id, version, updated_at, stamp or 0)
        reviewer_ids.add(reviewer_id)
        documents.add(document_id)
    from django.contrib.auth import get_user_model

    reviewers = dict(get_user_model().objects.filter(pk__in=reviewer_ids).values_list("pk", "username"))
    labels, colors = {}, {}
    for pk, name, color in (
        LabelType.objects.filter(project=project).order_by("order", "id").values_list("id", "name", "color")
    ):
        labels[pk] = name
        colors[name] = color
    return AgreementInput(project.pk, assignments, reviewers, labels, colors, len(documents))


def _submitted_rows(project: Project) -> list[tuple]:
    """(id, document, reviewer, version, updated_at as text, work stamp or None) of the project's submitted
    assignments, by id: one raw query (30,000 rows for 10,000 documents x 3 reviewers)."""
    quote = connection.ops.quote_name
    assignment, document, work = (quote(m._meta.db_table) for m in (Assignment, Document, AssignmentWork))
    updated = "a.updated_at::text" if connection.vendor == "postgresql" else "CAST(a.updated_at AS TEXT)"
    sql = f"""
        SELECT a.id, a.document_id, a.reviewer_id, a.version, {updated}, w.stamp
        FROM {assignment} a
        JOIN {document} d ON d.id = a.document_id
        LEFT JOIN {work} w ON w.assignment_id = a.id
        WHERE d.project_id = %s AND a.status = %s
        ORDER BY a.id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk, AssignmentStatus.SUBMITTED])
        return cursor.fetchall()


# --- spans ------------------------------------------------------------------------------------------------
@dataclass
class SpanTable:
    """The live spans of some of the snapshot's submitted assignments (those that have spans), by
    assignment id (ascending; an assignment's spans in no particular order)."""

    assignment_ids: np.ndarray  # (A,)
    offsets: np.ndarray  # (A + 1,): assignment i's spans are [offsets[i], offsets[i + 1])
    start: np.ndarray  # (S,)
    end: np.ndarray
    label: np.ndarray  # label ids
    _index: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        self._index = {pk: i for i, pk in enumerate(self.assignment_ids.tolist())}

    def bounds(self, assignment_id: int) -> tuple[int, int]:
        i = self._index.get(assignment_id)
        return (0, 0) if i is None else (int(self.offsets[i]), int(self.offsets[i + 1]))


def agreement_span_table(
    project: Project, snapshot: AgreementInput, assignment_ids: list[int] | None = None
) -> SpanTable:
    """The live spans of the snapshot's assignments (or of `assignment_ids` only) in one query (a few on
    SQLite for a list of ids): on PostgreSQL one row per assignment with its spans packed as bytes (a
    few MB for a million spans, instead of a million rows)."""
    order = None
    if connection.vendor == "postgresql":
        ids, counts, packed = _span_rows_postgres(project, assignment_ids)
        spans = np.frombuffer(packed, dtype=[("start", ">i4"), ("end", ">i4"), ("label", ">i8")])
        start, end, label = (spans[name].astype(np.int64) for name in ("start", "end", "label"))
        if len(ids) > 1 and (ids[1:] < ids[:-1]).any():  # rows come grouped, not sorted: sort the groups
            order = np.argsort(ids, kind="stable")
    else:
        columns = ("assignment_id", "start", "end", "label_id")
        if assignment_ids is None:
            queries = [
                Span.objects.filter(
                    assignment__document__project=project, assignment__status=AssignmentStatus.SUBMITTED
                )
            ]
        else:
            chunks = [sorted(assignment_ids)[i : i + ID_CHUNK] for i in range(0, len(assignment_ids), ID_CHUNK)]
            queries = [Span.objects.filter(assignment_id__in=chunk) for chunk in chunks]
        rows = []
        for query in queries:
            rows.extend(query.order_by(*columns).values_list(*columns).iterator(chunk_size=SPAN_CHUNK))
        owner, start, end, label = np.array(rows, dtype=np.int64).reshape(-1, 4).T
        new = np.ones(len(owner), dtype=bool)
        new[1:] = owner[1:] != owner[:-1]
        firsts = np.flatnonzero(new)
        ids = owner[firsts]
        counts = np.diff(np.append(firsts, len(owner)))
    if order is not None:
        firsts = np.cumsum(counts) - counts
        sizes = counts[order]
        take = np.repeat(firsts[order] - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
        ids, counts = ids[order], counts[order]
        start, end, label = start[take], end[take], label[take]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    known = np.isin(ids, np.fromiter(snapshot.assignments, dtype=np.int64, count=len(snapshot.assignments)))
    if not known.all():  # submitted after the snapshot was read
        keep = np.repeat(known, counts)
        ids, counts = ids[known], counts[known]
        start, end, label = start[keep], end[keep], label[keep]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return SpanTable(ids, offsets, start, end, label)


def _span_rows_postgres(project: Project, assignment_ids: list[int] | None):
    quote = connection.ops.quote_name
    span, assignment, document = (quote(m._meta.db_table) for m in (Span, Assignment, Document))
    if assignment_ids is None:
        where = f"""s.assignment_id IN (
            SELECT a.id FROM {assignment} a JOIN {document} d ON d.id = a.document_id
            WHERE d.project_id = %s AND a.status = %s
        )"""
        params = [project.pk, AssignmentStatus.SUBMITTED]
    else:
        where, params = "s.assignment_id = ANY(%s)", [list(assignment_ids)]
    sql = f"""
        SELECT s.assignment_id, count(*),
               string_agg(int4send(s.start) || int4send(s."end") || int8send(s.label_id), ''::bytea)
        FROM {span} s
        WHERE {where} AND s.deleted_at IS NULL
        GROUP BY s.assignment_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    counts = np.array([row[1] for row in rows], dtype=np.int64)
    return ids, counts, b"".join(bytes(row[2]) for row in rows)


# --- the sources of a run ---------------------------------------------------------------------------------
@dataclass
class AgreementSources:
    """What a run's fingerprints are made of, read once (no span, grade or link: see the module
    docstring), and the fingerprints. `spans`, `ratings` and `links` are read later, when needed."""

    snapshot: AgreementInput
    documents: dict[int, str]  # id -> title: documents with submitted work, in id order
    text_sha256: dict[int, str]
    by_document: dict[int, list[SubmittedAssignment]]  # each document's submitted assignments, by reviewer
    spans: SpanTable | None = None  # of the documents being computed (agreement_document_batches)
    ratings: list[tuple] | None = None  # (id, assignment id, source reliability, credibility)
    links: list[tuple] | None = None  # (id, assignment id, claim id, stance)
    verdicts: list[tuple[int, int, str]] = field(default_factory=list)
    document_fingerprints: dict[int, str] = field(default_factory=dict)
    fingerprint: str = ""  # of the whole input: equal, and the last results can be copied


def _document_sources(project: Project, snapshot: AgreementInput) -> AgreementSources:
    """The documents with submitted work (one query)."""
    by_document: dict[int, list[SubmittedAssignment]] = defaultdict(list)
    for a in snapshot.assignments.values():
        by_document[a.document_id].append(a)
    for mine in by_document.values():
        mine.sort(key=lambda a: a.reviewer_id)
    wanted = Subquery(submitted_assignments(project).values("document_id"))
    documents, sha = {}, {}
    for pk, title, digest in (
        Document.objects.filter(project=project, pk__in=wanted).order_by("id").values_list("id", "title", "sha256")
    ):
        if pk in by_document:
            documents[pk], sha[pk] = title, digest
    return AgreementSources(snapshot, documents, sha, by_document)


def agreement_sources(project: Project, snapshot: AgreementInput) -> AgreementSources:
    sources = _document_sources(project, snapshot)
    documents = sources.documents
    verdicts = agreement_claim_verdicts(project)
    document_fingerprints = _document_fingerprints(snapshot, documents, sources.text_sha256, sources.by_document)

    digest = hashlib.sha256()
    # the stamps are trusted or not through each document's fingerprint (`_unstamped`): checked once per run
    digest.update(f"{ALGORITHM_VERSION}\nproject {project.pk}\n".encode())
    digest.update(repr([list(snapshot.labels.items()), snapshot.label_colors, snapshot.reviewers]).encode())
    digest.update(
        "".join(
            f"\na {a.id} {a.document_id} {a.reviewer_id} {a.version} {a.updated_at} {a.stamp}"
            for a in sorted(snapshot.assignments.values(), key=lambda a: a.id)
        ).encode()
    )
    digest.update("".join(f"\nd {pk} {document_fingerprints[pk]} {title}" for pk, title in documents.items()).encode())
    digest.update(repr(verdicts).encode())
    sources.verdicts = verdicts
    sources.document_fingerprints, sources.fingerprint = document_fingerprints, digest.hexdigest()
    return sources


# The nine triggers of migration 0019 (spans, grades, claim links x insert, update, delete), by name.
WORK_TRIGGERS = 9
_TRIGGER_COUNT = {
    "postgresql": "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
}


def work_triggers_present() -> bool:
    """Whether every work-stamp trigger is in place. A table rebuilt by a later migration (SQLite remakes a
    table to alter it, and its triggers go with it) or dropped by hand would leave stamps that no longer
    follow the writes: then nothing may come from the cache."""
    query = _TRIGGER_COUNT.get(connection.vendor)
    if query is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(query, ["annotations_%_work_%"])
        return cursor.fetchone()[0] >= WORK_TRIGGERS


def _unstamped() -> str:
    """Empty where the work stamps are kept (the triggers of migration 0019, on PostgreSQL and SQLite, all
    present); otherwise a value never seen before, so that nothing is taken from the cache or copied."""
    return "" if work_triggers_present() else os.urandom(16).hex()


def _document_fingerprints(snapshot, documents, sha, by_document) -> dict[int, str]:
    """sha256 of what a document's piece is computed from: the piece and tokenizer versions, the labels
    (ids, names, order: they give the codes), the text (its sha256) and each submitting reviewer's
    assignment and its work stamp (which changes with any write to its spans)."""
    head = f"{PIECE_VERSION} {TOKENIZER_VERSION} {list(snapshot.labels.items())!r} {_unstamped()}\n"
    sha256 = hashlib.sha256
    out = {}
    for pk in documents:
        work = " ".join(f"r {a.reviewer_id} {a.id} {a.stamp}" for a in by_document[pk])
        out[pk] = sha256(f"{head}{pk} {sha[pk]} {work}".encode()).hexdigest()
    return out


def agreement_input_fingerprint(project: Project, snapshot: AgreementInput) -> str:
    """sha256 over the submitted assignments (id, version, updated_at and work stamp: their spans, claim
    links and grades), verdicts, the labels, reviewer names, document titles and texts and
    ALGORITHM_VERSION: nothing changed, same fingerprint."""
    return agreement_sources(project, snapshot).fingerprint


def agreement_read_grades_and_links(project: Project, sources: AgreementSources) -> None:
    """Reads the outlet grades and claim links of `sources`' assignments into it (once)."""
    if sources.ratings is not None and sources.links is not None:
        return
    known = sources.snapshot.assignments
    quote = connection.ops.quote_name
    rating, link, span, assignment, document = (
        quote(m._meta.db_table) for m in (ReliabilityRating, ClaimLink, Span, Assignment, Document)
    )
    submitted = f"""JOIN {assignment} a ON a.id = {{}}.assignment_id JOIN {document} d ON d.id = a.document_id
        WHERE d.project_id = %s AND a.status = %s"""
    params = [project.pk, AssignmentStatus.SUBMITTED]
    with connection.cursor() as cursor:
        # outlet grades: the ratings without a span
        cursor.execute(
            f"""SELECT r.id, r.assignment_id, r.source_reliability, r.credibility FROM {rating} r
            {submitted.format("r")} AND r.span_id IS NULL ORDER BY r.id""",
            params,
        )
        sources.ratings = [row for row in cursor.fetchall() if row[1] in known]
        # claim links of live spans
        cursor.execute(
            f"""SELECT l.id, s.assignment_id, l.claim_id, l.stance FROM {link} l JOIN {span} s ON s.id = l.span_id
            {submitted.format("s")} AND s.deleted_at IS NULL ORDER BY l.id""",
            params,
        )
        sources.links = [row for row in cursor.fetchall() if row[1] in known]


# --- pieces -----------------------------------------------------------------------------------------------
def agreement_cached_pieces(
    project: Project, sources: AgreementSources, table: LabelTable
) -> tuple[dict[int, DocumentPiece], list[int]]:
    """The stored pieces still valid (same document fingerprint), by document; and the ids of stored
    rows of documents that no longer have submitted work (to prune)."""
    valid, stale = {}, []
    rows = AgreementPiece.objects.filter(project=project, kind=PIECE_KIND).values_list(
        "id", "document_id", "fingerprint", "data"
    )
    for pk, document_id, fingerprint, data in rows.iterator(chunk_size=DOCUMENT_CHUNK):
        if document_id not in sources.documents:
            stale.append(pk)
        elif fingerprint == sources.document_fingerprints[document_id]:
            try:
                valid[document_id] = piece_from_bytes(
                    document_id, sources.documents[document_id], data, n_codes=table.n_codes
                )
            except ValueError:
                continue  # another version, or damaged: computed again
    return valid, stale


def agreement_document_batches(
    project: Project,
    sources: AgreementSources,
    document_ids: list[int],
    table: LabelTable,
    *,
    aside: bool = False,
) -> Iterator[DocumentBatch]:
    """The documents `document_ids` (with submitted work) as `DocumentBatch`es: tokens stored at import
    (a document whose statistics job has not run yet is tokenized now) and their submitted spans.

    Spans and tokens are read before this returns, on this connection (the spans into `sources.spans`);
    the batches are made as they are iterated. With `aside` (see `agreement_aside_allowed`) and more than
    one batch, they are read instead batch by batch by a thread on a connection of its own, while the
    caller computes the batches already read."""
    label_ids = np.array(sorted(sources.snapshot.labels), dtype=np.int64)
    label_codes = np.array([table.code_of[sources.snapshot.labels[pk]] for pk in label_ids.tolist()], dtype=np.int64)
    if aside and len(document_ids) > DOCUMENT_CHUNK:
        return _batches_read_aside(project, sources, document_ids, table, label_ids, label_codes)
    sources.spans = _spans_of_documents(project, sources, document_ids)
    # Every query first, then only computation: the caller may stream what it computes into the
    # connection (a COPY) while the batches are being made.
    stored, texts = _document_tokens(document_ids)
    return _document_batches(sources, sources.spans, document_ids, table, stored, texts, label_ids, label_codes)


def agreement_aside_allowed() -> bool:
    """Whether a second connection sees what this one sees: on PostgreSQL, outside a transaction."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _document_tokens(document_ids: list[int]) -> tuple[dict[int, np.ndarray], dict[int, str]]:
    """The stored tokens of `document_ids`, and the texts of those without usable ones."""
    stored: dict[int, np.ndarray] = {}
    for begin in range(0, len(document_ids), DOCUMENT_CHUNK):
        chunk = document_ids[begin : begin + DOCUMENT_CHUNK]
        for pk, packed in DocumentStats.objects.filter(document_id__in=chunk).values_list("document_id", "tokens"):
            found = _stored_tokens(packed)
            if found is not None:
                stored[pk] = found
    texts = {}
    unusable = [pk for pk in document_ids if pk not in stored]
    for begin in range(0, len(unusable), DOCUMENT_CHUNK):
        chunk = unusable[begin : begin + DOCUMENT_CHUNK]
        texts.update(Document.objects.filter(pk__in=chunk).values_list("id", "text"))
    return stored, texts


def _batches_read_aside(project, sources, document_ids, table, label_ids, label_codes) -> Iterator[DocumentBatch]:
    """A thread reads each batch's spans (by assignment) and tokens on its own connection, into an
    unbounded queue (so it always ends and closes its connection, whatever the caller does)."""
    import queue
    import threading

    from django.db import connections

    read: queue.Queue = queue.Queue()

    def reader() -> None:
        try:
            for begin in range(0, len(document_ids), DOCUMENT_CHUNK):
                chunk = document_ids[begin : begin + DOCUMENT_CHUNK]
                ids = [a.id for pk in chunk for a in sources.by_document[pk]]
                spans = agreement_span_table(project, sources.snapshot, ids)
                read.put((chunk, spans, *_document_tokens(chunk)))
            read.put(None)
        except BaseException as exc:  # noqa: BLE001 - raised again by the consumer
            read.put(exc)
        finally:
            connections.close_all()  # this thread's connection

    threading.Thread(target=reader, daemon=True, name=f"agreement-spans-{project.pk}").start()

    def batches() -> Iterator[DocumentBatch]:
        while (item := read.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            chunk, spans, stored, texts = item
            yield from _document_batches(sources, spans, chunk, table, stored, texts, label_ids, label_codes)

    return batches()


def _spans_of_documents(project: Project, sources: AgreementSources, document_ids: list[int]) -> SpanTable:
    """The spans of `document_ids`' submitted assignments: the whole project's in one scan when they are
    most of it, else those of their assignments only (a submission recomputes one document)."""
    if 2 * len(document_ids) >= len(sources.documents):
        return agreement_span_table(project, sources.snapshot)
    ids = [a.id for pk in document_ids for a in sources.by_document[pk]]
    return agreement_span_table(project, sources.snapshot, ids)


def _document_batches(
    sources, spans: SpanTable, document_ids, table, stored, texts, label_ids, label_codes
) -> Iterator[DocumentBatch]:
    for begin in range(0, len(document_ids), DOCUMENT_CHUNK):
        chunk = document_ids[begin : begin + DOCUMENT_CHUNK]
        tokens = {}
        for pk in chunk:
            found = stored.pop(pk, None)
            if found is None:  # the statistics job has not run yet: tokenized now
                found = np.array([(t.start, t.end) for t in tokenize(texts[pk])], dtype=np.int64).reshape(-1, 2)
            tokens[pk] = found.astype(np.int64)
        owners, slots, firsts, lengths = [], [], [], []  # per assignment with spans
        reviewers = []
        for d, pk in enumerate(chunk):
            mine = sources.by_document[pk]
            reviewers.append(tuple(a.reviewer_id for a in mine))
            for slot, a in enumerate(mine):
                lo, hi = spans.bounds(a.id)
                if hi > lo:
                    owners.append(d)
                    slots.append(slot)
                    firsts.append(lo)
                    lengths.append(hi - lo)
        lengths = np.array(lengths, dtype=np.int64)
        starts = np.cumsum(lengths) - lengths
        take = np.repeat(np.array(firsts, dtype=np.int64) - starts, lengths) + np.arange(int(lengths.sum()))
        label = spans.label[take]
        where = np.minimum(np.searchsorted(label_ids, label), max(len(label_ids) - 1, 0))
        if len(label) and not (label_ids[where] == label).all():
            raise ValueError("a span's label is not one of the project's labels")
        yield DocumentBatch(
            document_ids=list(chunk),
            titles=[sources.documents[pk] for pk in chunk],
            reviewers=reviewers,
            tokens=[tokens[pk] for pk in chunk],
            span_document=np.repeat(np.array(owners, dtype=np.int64), lengths),
            span_slot=np.repeat(np.array(slots, dtype=np.int64), lengths),
            span_start=spans.start[take],
            span_end=spans.end[take],
            span_code=label_codes[where],
        )


def _stored_tokens(packed) -> np.ndarray | None:
    """The (n, 2) token bounds stored at import (`text.tokens.pack_sentences`: little-endian uint32 version,
    n, m, the n starts, the n ends, m sentence starts), or None when absent or of another tokenizer
    version: what `text.tokens.stored_token_bounds` reads, as an array."""
    if not packed or len(packed) % 4 or len(packed) < 12:
        return None
    table = np.frombuffer(packed, dtype="<u4")
    version, n, m = table[:3].tolist()
    if version != TOKENIZER_VERSION or len(table) != 3 + 2 * n + m:
        return None
    return table[3 : 3 + 2 * n].reshape(2, n).T  # a view of `packed`, as uint32


def agreement_documents(project: Project, snapshot: AgreementInput) -> Iterator[DocumentWork]:
    """Documents with at least one submitted assignment, in id order, with tokens and each submitting
    reviewer's spans `(start, end, label name)` in reading order (a constant number of queries)."""
    sources = _document_sources(project, snapshot)
    table = LabelTable(snapshot.label_names)
    for batch in agreement_document_batches(project, sources, list(sources.documents), table):
        spans: list[dict[int, list]] = [{reviewer: [] for reviewer in who} for who in batch.reviewers]
        for d, slot, start, end, code in zip(
            batch.span_document.tolist(),
            batch.span_slot.tolist(),
            batch.span_start.tolist(),
            batch.span_end.tolist(),
            batch.span_code.tolist(),
            strict=True,
        ):
            spans[d][batch.reviewers[d][slot]].append((start, end, table.names[code]))
        for d, pk in enumerate(batch.document_ids):
            tokens = [tuple(t) for t in batch.tokens[d].tolist()]
            yield DocumentWork(pk, batch.titles[d], tokens, {r: sorted(given) for r, given in spans[d].items()})


# --- grades, stances, verdicts ----------------------------------------------------------------------------
def _outlet_triples(rows, snapshot: AgreementInput) -> tuple[list, list]:
    reliability, credibility = [], []
    for _pk, assignment_id, grade, cred in rows:
        a = snapshot.assignments.get(assignment_id)
        if a is not None:
            reliability.append((a.reviewer_id, a.document_id, grade))
            credibility.append((a.reviewer_id, a.document_id, cred))
    return reliability, credibility


def agreement_outlet_grades(project: Project, snapshot: AgreementInput) -> tuple[list, list]:
    """Outlet grades (the rating without a span) as `(reviewer, document, grade)` triples:
    source reliability A-F and information credibility 1-6 (F and 6 are dropped later)."""
    rows = ReliabilityRating.objects.filter(
        assignment__document__project=project, assignment__status=AssignmentStatus.SUBMITTED, span__isnull=True
    ).values_list("id", "assignment_id", "source_reliability", "credibility")
    return _outlet_triples(rows, snapshot)


# When one reviewer links a claim through several spans with different stances, the most frequent
# stance is theirs; ties go to the first of this order.
STANCE_ORDER = [Stance.REFUTES, Stance.SUPPORTS, Stance.MENTIONS]


def _stance_triples(rows, snapshot: AgreementInput) -> list[tuple[int, tuple[int, int], str]]:
    given: dict[tuple[int, tuple[int, int]], Counter] = defaultdict(Counter)
    for _pk, assignment_id, claim_id, stance in rows:
        a = snapshot.assignments.get(assignment_id)
        if a is not None:
            given[(a.reviewer_id, (a.document_id, claim_id))][stance] += 1
    rank = {stance: i for i, stance in enumerate(STANCE_ORDER)}
    triples = []
    for (reviewer, unit), counts in sorted(given.items()):
        stance = min(counts, key=lambda s: (-counts[s], rank.get(s, len(rank)), s))
        triples.append((reviewer, unit, stance))
    return triples


def agreement_claim_stances(project: Project, snapshot: AgreementInput) -> list[tuple[int, tuple[int, int], str]]:
    """`(reviewer, (document, claim), stance)`: the stance each reviewer gave a claim in a document
    through any of their spans; a reviewer who linked no span to the claim gives no value."""
    rows = ClaimLink.objects.filter(
        span__assignment__document__project=project, span__assignment__status=AssignmentStatus.SUBMITTED
    ).values_list("id", "span__assignment_id", "claim_id", "stance")
    return _stance_triples(rows.iterator(chunk_size=SPAN_CHUNK), snapshot)


def agreement_claim_verdicts(project: Project) -> list[tuple[int, int, str]]:
    """`(verifier, claim, verdict)` from the claim verification queue: each verifier judges a claim once."""
    return list(
        ClaimVerification.objects.filter(claim__project=project, submitted_at__isnull=False)
        .order_by("claim_id", "verifier_id")
        .values_list("verifier_id", "claim_id", "verdict")
    )


def agreement_source_triples(sources: AgreementSources) -> dict[str, list]:
    """The grades, stances and verdicts of `sources` (grades and links read by
    `agreement_read_grades_and_links`) as the triples of `annotations.agreement.report`."""
    if sources.ratings is None or sources.links is None:
        raise ValueError("the grades and claim links of these sources have not been read")
    reliability, credibility = _outlet_triples(sources.ratings, sources.snapshot)
    return {
        "reliability": reliability,
        "credibility": credibility,
        "stances": _stance_triples(sources.links, sources.snapshot),
        "verdicts": list(sources.verdicts),
    }


# --- runs -----------------------------------------------------------------------------------------------
def agreement_runs_of_project(project: Project) -> QuerySet[AgreementRun]:
    """Newest first, without the (possibly large) results: list pages show summaries only."""
    return AgreementRun.objects.filter(project=project).defer("results").order_by("-created_at", "-id")


def agreement_run_summaries(project: Project, *, limit: int = 50) -> list[dict]:
    """The summaries of the project's last `limit` finished runs, oldest first: the trend line."""
    rows = (
        AgreementRun.objects.filter(project=project, status=JobStatus.DONE)
        .order_by(F("finished_at").desc(nulls_last=True), "-id")
        .values("id", "finished_at", "results__summary")[:limit]
    )
    return [
        {"id": row["id"], "finished_at": row["finished_at"], "summary": row["results__summary"] or {}}
        for row in reversed(list(rows))
    ]


def agreement_run_summary(run_id: int) -> dict:
    row = AgreementRun.objects.filter(pk=run_id).values("results__summary").first()
    return (row or {}).get("results__summary") or {}


def agreement_last_done(project: Project, *, exclude_id: int | None = None) -> AgreementRun | None:
    runs = AgreementRun.objects.filter(project=project, status=JobStatus.DONE)
    if exclude_id is not None:
        runs = runs.exclude(pk=exclude_id)
    return runs.order_by(F("finished_at").desc(nulls_last=True), "-id").first()


def agreement_in_flight(project: Project) -> AgreementRun | None:
    return (
        AgreementRun.objects.filter(project=project, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
        .defer("results")
        .order_by("-created_at", "-id")
        .first()
    )


def agreement_submitted_count(project: Project) -> int:
    return submitted_assignments(project).count()


DASHBOARD_DOCUMENTS = 20


def _document_sort_key(entry: DocumentRow):
    alpha = entry.get("token_alpha")
    f1 = entry.get("overlap_f1")
    return (alpha if alpha is not None else 2.0, f1 if f1 is not None else 2.0, entry["document"])


def agreement_dashboard(project: Project) -> dict:
    """What the dashboard page draws: the latest finished run (its tables, the documents with the
    lowest agreement first), the trend over finished runs and the run in flight, if any."""
    latest = agreement_last_done(project)
    in_flight = agreement_in_flight(project)
    data: dict = {
        "project": {"id": project.pk, "slug": project.slug, "name": project.name},
        "submitted": agreement_submitted_count(project),
        "latest": None,
        "trend": [
            {
                "id": point["id"],
                "finished_at": point["finished_at"].isoformat() if point["finished_at"] else None,
                **{key: point["summary"].get(key) for key in ("token_alpha", "exact_f1", "overlap_f1")},
            }
            for point in agreement_run_summaries(project)
        ],
        "in_flight": None,
        "urls": {
            "runs": f"/api/projects/{project.pk}/agreement-runs/",
            "run": "/api/agreement-runs/",
        },
    }
    if in_flight is not None:
        data["in_flight"] = {"id": in_flight.pk, "status": in_flight.status, "progress": in_flight.progress}
    if latest is not None:
        results = as_report(latest.results)
        paired = [d for d in results.get("documents") or [] if d.get("reviewers", 0) >= 2]
        data["latest"] = {
            "id": latest.pk,
            "finished_at": latest.finished_at.isoformat() if latest.finished_at else None,
            "finished_label": latest.finished_at.strftime("%Y-%m-%d %H:%M UTC") if latest.finished_at else "",
            "unchanged": bool(results.get("unchanged")),
            "csv": f"/api/agreement-runs/{latest.pk}/results.csv",
            "counts": results.get("counts") or {},
            "summary": results.get("summary") or {},
            "project": results.get("project") or {},
            "labels": results.get("labels") or [],
            "pairs": results.get("pairs") or [],
            "reliability": results.get("reliability") or {},
            "claims": results.get("claims") or {},
            "lowest_documents": sorted(paired, key=_document_sort_key)[:DASHBOARD_DOCUMENTS],
            "heatmap": _heatmap(results.get("pairs") or []),
        }
    return data


def _heatmap(pairs: list[PairRow]) -> dict:
    """Reviewer x reviewer rows for the pair heatmap (symmetric; the diagonal is empty)."""
    names = sorted({name for pair in pairs for name in pair["reviewers"]})
    index = {name: i for i, name in enumerate(names)}
    cells: list[list[dict | None]] = [[None] * len(names) for _ in names]
    for pair in pairs:
        a, b = (index[name] for name in pair["reviewers"])
        cell = {key: pair.get(key) for key in ("overlap_f1", "exact_f1", "token_alpha", "documents")}
        cell["reasons"] = pair.get("reasons") or {}
        cells[a][b] = cells[b][a] = cell
    return {"reviewers": names, "rows": [{"name": name, "cells": cells[i]} for i, name in enumerate(names)]}
