"""Reads for gold exports: ORM rows in, `annotations.exporters.records` out, streamed.

`gold_records(project)` yields one `GoldDocument` per gold document in document id order, reading
`chunk_size` (1,000) documents at a time by keyset (`id > last`), with a fixed handful of queries per
chunk (the documents with their stored tokens, their gold spans, links, grades and reviewers' notes;
claims and user names once each, cached), each fetched in one go as plain tuples (no model instances,
no per-row ORM work): memory is a few chunks, never the project. Spans come grouped by document (the
index's order) and are sorted per document only when they are out of order, so building a document
mostly groups rows. Inside `gold_snapshot`'s own transaction a thread reads the next chunk meanwhile
(`_read_ahead`), in the same snapshot.

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
import functools
import json
import queue
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain, groupby, repeat
from operator import itemgetter, lt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    BinaryField,
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    IntegerField,
    Lookup,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast
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
    DocumentStats,
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
from workbench.db import prepared_cursor

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
        _snapshot.open = True
        try:
            yield True
        finally:
            _snapshot.open = False


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


def gold_parts(
    project: Project, *, include_majority: bool = False, snapshot_at: dt.datetime, size: int
) -> list[tuple[int, int]]:
    """The documents `gold_records` looks at, in runs of `size` in id order, as (after, up_to) id bounds
    (its `ids`): the parts of a parallel export. One query of their ids."""
    ids = list(
        Document.objects.filter(
            gold_documents_filter(project, include_majority=include_majority, snapshot_at=snapshot_at), project=project
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    bounds = [0, *ids[size - 1 :: size]]
    if ids and bounds[-1] != ids[-1]:
        bounds.append(ids[-1])
    return list(zip(bounds, bounds[1:], strict=False))


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


def _iso(value: dt.datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # PostgreSQL's text of the timestamptz (`_published`)
        value = dt.datetime.fromisoformat(value)
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC)
    return value.isoformat()


DOCUMENT_FIELDS = (
    "id",
    "text",
    "sha256",
    "title",
    "url",
    "published",  # 5: `_published`
    "external_id",
    "source__name",
    "source__domain",
    "adjudication__id",
    "adjudication__status",
    "final_at_snapshot",  # 11: `_final_at_snapshot`
    "adjudication__adjudicator_id",
    "adjudication__imported",  # 13: the rest only matters for gold that import_gold wrote
    "adjudication__resolution",
    "adjudication__reviewers",
    "adjudication__recorded_adjudicator",
    "recorded_agreement",  # 17: `_recorded_agreement`
    "stored_tokens",  # 18: the tokenizer's output stored at import (CoNLL), or None (`_stored_tokens`)
)
_NEW = tuple.__new__  # GoldSpan(*row) without the Python-level __new__: a span is built from a tuple in C


def _rows(queryset) -> list[tuple]:
    """The rows of a values_list() queryset, fetched in one go (Django's converters applied): iterating the
    queryset itself fetches 100 rows a call, which costs more than the query for 40,000 span rows."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    return list(compiler.results_iter(tuple_expected=True, chunk_size=1 << 30))


class _Statement:
    """A values_list() query built and compiled once, then run with other values for its parameters:
    building and compiling a queryset costs about a millisecond, several times per chunk (a tenth of an
    export's time). `make(*values)` builds it; each value is a list of ids (`_in`) or an int, and the
    markers it is compiled with (ids and ints no row has) are found among the compiled parameters and
    replaced on each run. Used on PostgreSQL only (`_in` binds a list as one parameter there)."""

    def __init__(self, make: Callable, kinds: tuple[type, ...], binary: bool = False):
        self.binary = binary
        markers = [[-7919 * (k + 1)] if kind is list else -7919 * (k + 1) for k, kind in enumerate(kinds)]
        queryset = make(*markers)
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        bound = [_id_array(m) if isinstance(m, list) else m for m in markers]
        self.slots = [(i, bound.index(p)) for i, p in enumerate(self.params) if type(p) in (str, int) and p in bound]
        if {k for _, k in self.slots} != set(range(len(markers))):
            raise ValueError("a marker is missing from the compiled query")

    def rows(self, *values) -> list[tuple]:
        params = self.params[:]
        for i, k in self.slots:
            value = values[k]
            params[i] = _id_array(value) if isinstance(value, list) else value
        compiler = self.compiler
        with prepared_cursor(binary=True) if self.binary else connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        if compiler.has_extra_select:
            fetched = [row[: compiler.col_count] for row in fetched]
        return list(compiler.results_iter(results=[fetched], tuple_expected=True))


_statements = threading.local()  # .cache: this thread's compiled statements (`_fetch`), by name


def _fetch(key: str, make: Callable, *values) -> list[tuple]:
    """The rows of `make(*values)`; on PostgreSQL compiled once per thread (`_Statement`)."""
    if connection.vendor != "postgresql":
        queryset = make(*values)
        return list(queryset) if queryset.query.combinator else _rows(queryset)
    cache = getattr(_statements, "cache", None)
    if cache is None:
        cache = _statements.cache = {}
    statement = cache.get(key)
    if statement is None:
        statement = cache[key] = _Statement(make, tuple(type(value) for value in values))
    return statement.rows(*values)


def _id_array(ids) -> str:
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def _published():
    """published_at, on PostgreSQL as its text: Django's timestamptz loader for psycopg is the pure-Python
    one (about 10 µs a value, a tenth of an export's time per document); `_iso` parses the text in C."""
    if connection.vendor == "postgresql":
        return Cast("published_at", TextField())
    return F("published_at")


def _recorded_agreement():
    """The agreement import_gold recorded (jsonb), on PostgreSQL as its text (`_agreement_of` parses it), so
    that the document query can be read in PostgreSQL's binary format (Django reads jsonb as text)."""
    if connection.vendor == "postgresql":
        return Cast("adjudication__recorded_agreement", TextField())
    return F("adjudication__recorded_agreement")


def _agreement_of(recorded) -> dict | None:
    return json.loads(recorded) if isinstance(recorded, str) else recorded


def _final_at_snapshot(snapshot_at: dt.datetime) -> ExpressionWrapper:
    """Whether the document's gold was final at the snapshot, computed by the database (so that the
    decision's time need not be loaded, see `_published`)."""
    return ExpressionWrapper(_final_at(snapshot_at), output_field=BooleanField())


def _stored_tokens() -> Subquery:
    """DocumentStats.tokens of the outer document, looked up by its id: a LEFT JOIN to the stats table
    makes PostgreSQL merge-join its whole index up to the chunk, for every chunk (quadratic)."""
    return Subquery(DocumentStats.objects.filter(document_id=OuterRef("pk")).values("tokens")[:1])


@dataclasses.dataclass
class _Chunk:
    """Every row the export reads for one chunk of documents, but the lookups' and the majority vote's."""

    rows: list  # the documents (DOCUMENT_FIELDS), in id order
    adjudicated: dict  # adjudication id -> row, of the documents final at the snapshot
    majority: list  # rows of the other documents, with include_majority
    spans: list  # gold span rows of `adjudicated`, grouped by adjudication (`_adjudicated`)
    links: list
    grades: list
    notes: list  # reviewers' flags and span comments of all the chunk's documents


def _chunks(
    project: Project,
    condition: Q,
    *,
    include_majority: bool,
    snapshot_at: dt.datetime,
    chunk_size: int,
    tokens: bool,
    after: int = 0,
) -> Iterator[_Chunk]:
    """The rows of the gold documents, chunk by chunk, keyset by document id: a fixed number of queries each.
    `tokens`: read the tokens stored at import too (about 1 KB a document; only the CoNLL writers use them)."""

    def documents(last: int):
        page = Q(pk__gt=last)
        if not include_majority:  # an inner join: bound the adjudications too (PostgreSQL does not infer it)
            page &= Q(adjudication__document_id__gt=last)
        return (
            Document.objects.filter(condition, page, project=project)
            .annotate(
                published=_published(),
                final_at_snapshot=_final_at_snapshot(snapshot_at),
                recorded_agreement=_recorded_agreement(),
                stored_tokens=_stored_tokens() if tokens else Value(None, output_field=BinaryField()),
            )
            .order_by("pk")
            .values_list(*DOCUMENT_FIELDS)[:chunk_size]
        )

    def read(last: int) -> list[tuple]:
        return _rows(documents(last))

    if connection.vendor == "postgresql":
        read = _Statement(documents, (int,), binary=True).rows  # noqa: F811
    last = after
    while True:
        rows = read(last)
        if not rows:
            return
        last = rows[-1][0]
        adjudicated = {}  # adjudication id -> row
        majority = []
        for row in rows:
            if row[11]:  # final at the snapshot
                adjudicated[row[9]] = row
            elif include_majority:
                majority.append(row)
        spans, links, grades = _gold_rows(list(adjudicated)) if adjudicated else ([], [], [])
        candidates = [row[0] for row in adjudicated.values()] + [row[0] for row in majority]
        notes = _note_rows(candidates) if candidates else []
        yield _Chunk(rows, adjudicated, majority, spans, links, grades, notes)
        if len(rows) < chunk_size:
            return


def gold_records(
    project: Project,
    *,
    include_majority: bool = False,
    snapshot_at: dt.datetime | None = None,
    agreement: dict[int, dict] | None = None,
    chunk_size: int = CHUNK,
    on_chunk: Callable[[int], None] | None = None,
    tokens: bool = True,
    ids: tuple[int, int] | None = None,
) -> Iterator[GoldDocument]:
    """The project's gold, one document at a time, in document id order (see the module docstring).

    `agreement` maps document ids to their figures (`gold_agreement`); `on_chunk(n)` is called after
    each chunk of n documents has been read (progress); `tokens=False`: without the tokens stored at
    import (GoldDocument.tokens None; `sentences()` would tokenize again). `ids` (after, up_to): only the
    documents with after < id <= up_to (a parallel export's part: `gold_parts`). Inside `gold_snapshot`'s
    own transaction, the next chunk's rows are read ahead by a thread in the same snapshot (`_read_ahead`)
    while this one is built and written."""
    snapshot_at = snapshot_at or timezone.now()
    lookups = _Lookups(project)
    k = project.overlap_k
    agreement = agreement or {}
    condition = gold_documents_filter(project, include_majority=include_majority, snapshot_at=snapshot_at)
    after = 0
    if ids is not None:
        after, up_to = ids
        condition &= Q(pk__lte=up_to)
    produce = functools.partial(
        _chunks,
        project,
        condition,
        include_majority=include_majority,
        snapshot_at=snapshot_at,
        chunk_size=chunk_size,
        tokens=tokens,
        after=after,
    )
    for chunk in _read_ahead(produce) if _in_own_snapshot() else produce():
        built: dict[int, GoldDocument] = {}
        if chunk.adjudicated:
            built.update(_adjudicated(chunk, lookups, agreement))
        if chunk.majority:
            built.update(_majority(chunk.majority, lookups, agreement, k, snapshot_at))
        for document_id, found in _review_notes(chunk.notes).items():
            if document_id in built:
                built[document_id] = dataclasses.replace(built[document_id], review_notes=tuple(found))
        for row in chunk.rows:
            document = built.get(row[0])
            if document is not None:
                yield document
        if on_chunk is not None:
            on_chunk(len(chunk.rows))


# --- reading ahead ----------------------------------------------------------------------------------------
_snapshot = threading.local()  # .open: this thread is inside gold_snapshot()'s own transaction
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]{1,64}")
READ_AHEAD = 1  # chunks waiting for the consumer (memory: this many + the one built + the one read)


def _in_own_snapshot() -> bool:
    return bool(getattr(_snapshot, "open", False)) and connection.in_atomic_block


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def exported_snapshot() -> str | None:
    """The id of this transaction's snapshot, for other connections to read in it (`imported_snapshot`)
    while it stays open; None where none can be exported (a hot standby, a savepoint open)."""
    if connection.savepoint_ids:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END")
        (snapshot,) = cursor.fetchone()
    if snapshot is not None and not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    return snapshot


@contextmanager
def imported_snapshot(snapshot: str) -> Iterator[None]:
    """A REPEATABLE READ, READ ONLY transaction on this thread's connection that sees exactly what the
    transaction that exported `snapshot` sees (SET TRANSACTION SNAPSHOT). Inside it `gold_records` reads
    no chunk ahead (its caller is already one of several readers)."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    own = getattr(_snapshot, "open", False)
    _snapshot.open = False
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            yield
    finally:
        _snapshot.open = own


def _read_ahead(produce: Callable[[], Iterator], depth: int = READ_AHEAD) -> Iterator:
    """`produce()`'s items, produced by a thread with a connection of its own that imports this
    transaction's snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT: it sees exactly what this
    transaction sees), so PostgreSQL runs the next chunk's queries while this thread builds and writes
    the current one (the two cores both work). At most `depth` items wait; an error in the thread is
    raised here; closing this generator stops the thread. Where no snapshot can be exported (a hot
    standby, a savepoint open), the items are produced here, one after the other."""
    snapshot = exported_snapshot()
    if snapshot is None:
        yield from produce()
        return
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            with imported_snapshot(snapshot):  # this thread's own connection
                for item in produce():
                    if not put(item):
                        return
            put(done)
        except BaseException as exc:  # raised again by the consumer
            put(_Failed(exc))
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="gold-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


def _note_rows(document_ids: list[int]) -> list[tuple]:
    """Submitted reviewers' flags and span comments of these documents (one UNION query)."""
    return _fetch("notes", _notes, document_ids)


def _notes(document_ids: list[int]):
    flags = DocumentFlag.objects.filter(
        _in("assignment__document_id", document_ids), assignment__status=AssignmentStatus.SUBMITTED
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
        _in("span__assignment__document_id", document_ids),
        span__assignment__status=AssignmentStatus.SUBMITTED,
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
    return flags.order_by().union(comments.order_by(), all=True)


def _review_notes(rows: list[tuple]) -> dict[int, list[ReviewNote]]:
    """The notes rows by document, each document's in a stable order (flags, then comments by offsets)."""
    notes: dict[int, list[ReviewNote]] = defaultdict(list)
    rows = sorted(
        rows, key=lambda r: (r[0], r[1] == "comment", r[3] if r[3] is not None else -1, r[4] or -1, r[1], r[6])
    )
    for document_id, kind, note, start, end, label, _ in rows:
        notes[document_id].append(ReviewNote(kind, note, start, end, label))
    return notes


def _document(
    row,
    lookups: _Lookups,
    agreement: dict,
    *,
    resolution: str,
    spans,
    links,
    grades,
    adjudicator=None,
    reviewers=None,
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
    """`lhs = ANY(%s::bigint[])` with the ids as ONE parameter, the array's text (PostgreSQL): binding
    hundreds of parameters one by one, as `__in` does, costs more than running the query, and so does
    psycopg's adaptation of a Python list (a regular expression per element)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, _id_array(self.rhs)]


def _in(field: str, ids: list[int]):
    """A filter argument for `field IN ids`."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), ids)
    return Q(**{f"{field}__in": ids})


# A document's span texts (and decisions) cross as one string, split here: one str.split per document
# instead of a str converted per span. A text holding the separator splits into too many parts: then
# that document's texts are read again by span id (`_span_groups`).
SEPARATOR = "\x1f"
_SPAN_GROUPS = f"""
SELECT adjudication_id, array_agg(start), array_agg("end"), array_agg(label_id), array_agg(decided_by_id),
    array_agg(id), CASE WHEN bool_or(votes IS NOT NULL) THEN array_agg(votes) END,
    CASE WHEN bool_or(recorded_decider IS NOT NULL) THEN array_agg(recorded_decider) END,
    string_agg(text, E'\\x1f'), string_agg(decision, E'\\x1f')
FROM {GoldSpanRow._meta.db_table} WHERE adjudication_id = ANY(%s::bigint[])
GROUP BY adjudication_id
"""


class _SpanGroups(list):
    """The gold spans of a chunk on PostgreSQL, one item per adjudication with its spans' columns
    (`_span_groups`), instead of one row per span."""


def _span_groups(ids: list[int]) -> _SpanGroups:
    """(adjudication id, starts, ends, label ids, decider ids, span ids, votes or None, recorded deciders or
    None, texts, decisions) per adjudication, its spans in the table's order (`_adjudicated` sorts them
    when they are not in export order, as it does rows): PostgreSQL aggregates them, so Python converts a
    few arrays and two strings per document instead of ten values per span. The aggregates neither sort
    nor test for the separator (either made the database's work per chunk several times that of reading
    the rows)."""
    groups = _SpanGroups()
    with prepared_cursor(binary=True) as cursor:  # ints, arrays of them and text: read in binary
        cursor.execute(_SPAN_GROUPS, [_id_array(ids)])
        rows = cursor.fetchall()
    split = []  # groups whose texts or decisions hold the separator
    for adjudication_id, starts, ends, labels, deciders, span_ids, votes, recorded, texts, decisions in rows:
        texts, decisions = texts.split(SEPARATOR), decisions.split(SEPARATOR)
        if len(texts) != len(starts) or len(decisions) != len(starts):
            split.append(len(groups))
        groups.append((adjudication_id, starts, ends, labels, deciders, span_ids, votes, recorded, texts, decisions))
    if split:
        wanted = [span_id for index in split for span_id in groups[index][5]]
        by_id = {
            pk: (text, decision)
            for pk, text, decision in GoldSpanRow.objects.filter(_in("id", wanted)).values_list(
                "id", "text", "decision"
            )
        }
        for index in split:
            *head, span_ids, votes, recorded, _, _ = groups[index]
            texts = [by_id[pk][0] for pk in span_ids]
            groups[index] = (*head, span_ids, votes, recorded, texts, [by_id[pk][1] for pk in span_ids])
    return groups


def _gold_rows(ids: list[int]) -> tuple[list, list, list]:
    """The gold spans (on PostgreSQL grouped per adjudication, `_span_groups`; elsewhere one row per span,
    grouped by adjudication, the index's order), claim links and grades of these adjudications: three
    queries."""
    if connection.vendor == "postgresql":
        spans = _span_groups(ids)
        return spans, _link_rows(ids, spans), _grade_rows(ids)
    spans = _rows(
        GoldSpanRow.objects.filter(_in("adjudication_id", ids))
        .order_by("adjudication_id")  # the index's order: free; each document's spans are sorted in _adjudicated
        .values_list(
            "adjudication_id",
            "start",
            "end",
            "label_id",
            "text",
            "decision",
            "decided_by_id",
            "votes",
            "recorded_decider",
            "id",
        )
    )
    return spans, _link_rows(ids, spans), _grade_rows(ids)


def _grade_rows(ids: list[int]) -> list[tuple]:
    return _fetch("grades", _grades, ids)


def _grades(ids: list[int]):
    return (
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
    )


_SPAN_ID = itemgetter(9)
LINK_FIELDS = (
    "gold_span_id",
    "gold_span__adjudication_id",
    "claim_id",
    "stance",
    "decided_by_id",
    "votes",
    "recorded_decider",
)


def _link_rows(ids: list[int], spans: list[tuple]) -> list[tuple]:
    """The claim links of these adjudications' spans, as (gold span id, adjudication id, claim id, stance,
    decider id, votes, recorded decider), by span and claim. Links are few: when the chunk's span ids lie
    close together (as they are written, a document at a time) the links of that id window are read by
    the link table's index and filtered here; joining the chunk's spans to the links instead reads all
    the chunk's spans a second time (more than all the other queries of a chunk together)."""
    if not spans:
        return []  # a link belongs to a span
    if isinstance(spans, _SpanGroups):
        span_ids = [group[5] for group in spans]
        low, high, count = min(map(min, span_ids)), max(map(max, span_ids)), sum(map(len, span_ids))
    else:
        low, high, count = min(map(_SPAN_ID, spans)), max(map(_SPAN_ID, spans)), len(spans)
    if high - low < 4 * count:  # each link's span found by its primary key: links are few
        wanted = set(ids)
        return [row for row in _fetch("links in a window", _links_between, low, high) if row[1] in wanted]
    return _fetch("links", _links_of, ids)


def _links_between(low: int, high: int):
    return (
        GoldClaimLinkRow.objects.filter(gold_span_id__gte=low, gold_span_id__lte=high)
        .order_by("gold_span_id", "claim_id")
        .values_list(*LINK_FIELDS)
    )


def _links_of(ids: list[int]):
    return (
        GoldClaimLinkRow.objects.filter(_in("gold_span__adjudication_id", ids))
        .order_by("gold_span_id", "claim_id")
        .values_list(*LINK_FIELDS)
    )


def _adjudicated(chunk: _Chunk, lookups: _Lookups, agreement: dict) -> dict[int, GoldDocument]:
    """Gold of a chunk's finalized documents, from its rows (`_gold_rows`): the hot loop groups span rows
    and builds the records (most of an export's time)."""
    adjudicated = chunk.adjudicated
    span_rows = chunk.spans
    ids = list(adjudicated)
    users = lookups.users
    labels = lookups.labels
    deciders = {row[12] for row in adjudicated.values()}
    links_by: dict[int, list] = defaultdict(list)
    linked: set[int] = set()  # adjudications with a claim link or a span's grade
    claim_ids = set()
    for gold_span_id, adjudication_id, claim_id, stance, decided_by, votes, recorded in chunk.links:
        links_by[gold_span_id].append((claim_id, stance, decided_by, votes, recorded))
        linked.add(adjudication_id)
        claim_ids.add(claim_id)
        deciders.add(decided_by)
    grades_by: dict[int, list] = defaultdict(list)
    for adjudication_id, gold_span_id, letter, credibility, note, decided_by, votes, recorded in chunk.grades:
        grades_by[adjudication_id].append((gold_span_id, letter, credibility, note, decided_by, votes, recorded))
        if gold_span_id is not None:
            linked.add(adjudication_id)
        deciders.add(decided_by)
    grouped = isinstance(span_rows, _SpanGroups)
    if grouped:
        deciders.update(chain.from_iterable(group[4] for group in span_rows))
    else:
        deciders.update({row[6] for row in span_rows})
    lookups.load_users(deciders)
    lookups.load_claims(claim_ids)
    claims = lookups.claims

    out = {}
    rank = lookups.label_rank

    def close(adjudication_id, spans: list, span_ids) -> None:
        """The record of one adjudication from its spans (in export order) and their ids."""
        row = adjudicated[adjudication_id]
        from_file = row[13]  # written by import_gold: what the imported file said
        links = []
        index_of: dict[int, int] = {}
        if adjudication_id in linked:  # links and grades point at spans by index
            index_of = {pk: index for index, pk in enumerate(span_ids)}
            for pk in span_ids:
                for claim_id, stance, link_decider, link_votes, link_recorded in links_by.get(pk, ()):
                    links.append(
                        GoldClaimLink(
                            index_of[pk],
                            claims[claim_id],
                            stance,
                            link_recorded if from_file else users.get(link_decider),
                            link_votes,
                        )
                    )
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
                    recorded if from_file else users.get(decided_by),
                    votes,
                )
            )
        if len(grades) > 1:
            grades.sort(key=lambda grade: -1 if grade.span is None else grade.span)
        if from_file:
            majority = row[14] == MAJORITY
            out[row[0]] = _document(
                row,
                lookups,
                agreement if row[0] in agreement else {row[0]: _agreement_of(row[17])},
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

    def by_rows(rows: list) -> tuple[list, list]:
        """Spans and ids from rows out of export order or of an imported adjudication (the rare case)."""
        if not _in_export_order(rows):  # start, end, then the label's order (and id), then the span's id
            rows = sorted(rows, key=lambda r: (r[1], r[2], rank[r[3]], r[3], r[9]))
        if adjudicated[rows[0][0]][13]:  # imported: the decider the file recorded
            spans = [_NEW(GoldSpan, (r[1], r[2], labels[r[3]], r[4], r[5], r[8], r[7])) for r in rows]
        else:
            spans = [_NEW(GoldSpan, (r[1], r[2], labels[r[3]], r[4], r[5], users.get(r[6]), r[7])) for r in rows]
        return spans, [r[9] for r in rows]

    def spans_of_columns(starts, ends, label_ids, texts, decisions, decider_ids, votes) -> list:
        """GoldSpans from columns, in C: no Python code per span."""
        columns = (
            starts,
            ends,
            map(labels.__getitem__, label_ids),
            texts,
            decisions,
            map(users.get, decider_ids),
            votes,
        )
        return list(map(_SPAN_OF, zip(*columns, strict=True)))

    if grouped:  # PostgreSQL: each adjudication's spans as columns, sorted by offsets (`_span_groups`)
        for (
            adjudication_id,
            starts,
            ends,
            label_ids,
            decider_ids,
            span_ids,
            votes,
            recorded,
            texts,
            decisions,
        ) in span_rows:
            n = len(starts)
            # strictly increasing starts: strictly increasing (start, end), so the label order cannot matter
            if all(map(lt, starts, starts[1:])) and not adjudicated[adjudication_id][13]:
                spans = spans_of_columns(
                    starts, ends, label_ids, texts, decisions, decider_ids, repeat(None, n) if votes is None else votes
                )
                close(adjudication_id, spans, span_ids)
            else:
                rows = list(
                    zip(
                        repeat(adjudication_id, n),
                        starts,
                        ends,
                        label_ids,
                        texts,
                        decisions,
                        decider_ids,
                        repeat(None, n) if votes is None else votes,
                        repeat(None, n) if recorded is None else recorded,
                        span_ids,
                        strict=True,
                    )
                )
                close(adjudication_id, *by_rows(rows))
    elif span_rows:
        # Every span of the chunk at once, column by column, in C (no Python code per span); each
        # document then takes its slice. `increasing[i]`: rows i and i + 1 are in export order.
        columns = list(zip(*span_rows, strict=True))
        adjudication_ids, starts, ends, label_ids, texts, decisions, decider_ids, votes, _, span_ids = columns
        all_spans = spans_of_columns(starts, ends, label_ids, texts, decisions, decider_ids, votes)
        offsets = list(zip(starts, ends, strict=True))
        increasing = list(map(lt, offsets, offsets[1:]))
        low = 0
        for adjudication_id, group in groupby(adjudication_ids):  # rows come grouped by adjudication
            high = low + len(list(group))
            if all(increasing[low : high - 1]) and not adjudicated[adjudication_id][13]:
                close(adjudication_id, all_spans[low:high], span_ids[low:high])
            else:
                close(adjudication_id, *by_rows(span_rows[low:high]))
            low = high
    for adjudication_id in ids:  # finalized without any span
        if adjudicated[adjudication_id][0] not in out:
            close(adjudication_id, [], [])
    return out


_OFFSETS = itemgetter(1, 2)
_SPAN_OF = functools.partial(tuple.__new__, GoldSpan)  # GoldSpan from a tuple of its fields, in C


def _in_export_order(rows: list) -> bool:
    """Whether span rows are strictly increasing by (start, end): then the label order cannot matter."""
    if len(rows) < 2:
        return True
    offsets = list(map(_OFFSETS, rows))
    return all(map(lt, offsets, offsets[1:]))


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
            row,
            lookups,
            agreement,
            resolution=MAJORITY,
            spans=spans,
            links=links,
            grades=grades,
            reviewers=n,
        )
    return out


__all__ = ["gold_agreement", "gold_context", "gold_count", "gold_records", "gold_snapshot"]
