"""A large export written by several processes: runs of documents ("parts") in the export's snapshot.

Why: an export is CPU-bound in one interpreter (building each document's record and its text:
bench/export_bench.py), so one process uses one core however many the server has. Here the exporting
process forks EXPORT_WORKERS workers; each writes whole parts of EXPORT_PART_DOCUMENTS documents
(`gold_records` of an id range, then the writer's `body`) into a file of its own beside the export (one
copy through the page cache, where a pipe and pickling cost several) and sends back their counts and
their writer's statistics; the exporting process writes the parts in document order (so the file is the
one a single process writes, byte for byte), hashes it and adds the counts up.

Consistency: every worker reads in the snapshot the exporting transaction exported (`exported_snapshot`,
`imported_snapshot`), which stays open until the last part is in; so the parts together are exactly
one REPEATABLE READ view, as in a single process.

Used only where that holds and it pays: PostgreSQL inside the export's own snapshot transaction, a writer
that writes runs of documents apart (`Writer.writes_apart`), more than one part of documents and more
than one worker. Otherwise the export is written by the one process.

Forking: workers are forked (cheap: the parent's Django, project, context and agreement figures are
inherited, not sent) before the export starts any thread of its own. A worker never touches the
connections it inherited (closing one would end the parent's session on the server): it opens its own.
A worker that fails raises its error in the export, and one that dies (killed, out of memory) fails the
export as a broken pool; either way no file is left half written (the caller's temporary files).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from annotations.exporters import Writer
from annotations.exporters.manifest import Counts
from annotations.exporters.options import ExportOptions
from annotations.exporters.records import ExportContext
from annotations.models import Project
from annotations.selectors.gold import exported_snapshot, gold_parts, imported_snapshot

logger = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
KEEP_FREED = 256 << 20  # bytes of freed memory a worker keeps for its next part instead of returning them


def merge_stats(into: dict, other: dict) -> None:
    """A writer's statistics of one more pass (a split, a part): numbers add up, anything else is replaced."""
    for key, value in other.items():
        into[key] = into.get(key, 0) + value if isinstance(value, int) else value


@dataclass
class _Job:
    """What every worker needs, set before the fork (inherited, never sent)."""

    project: Project
    writer: Writer
    context: ExportContext
    snapshot: str
    gold: Callable  # (split, counts, ids) -> the gold documents of one part, shaped and counted
    directory: Path  # where the parts are written (beside the export's files), named by `part_path`

    def part_path(self, split: str | None, index: int) -> Path:
        return self.directory / f".{self.snapshot}.{split or 'all'}.{index}.part"


_JOB: _Job | None = None
_INHERITED: list = []  # the parent's connections, in a worker: kept from the garbage collector, never closed


def _start_worker(exporter: int) -> None:
    # A worker must not outlive the export (a killed exporter would leave it waiting, its snapshot open).
    libc = ctypes.CDLL(None, use_errno=True) if hasattr(ctypes, "CDLL") else None
    if libc is not None and hasattr(libc, "mallopt"):
        # A worker allocates and frees the same large buffers part after part (the CoNLL batches' numpy
        # arrays): glibc would hand them back to the system at each free (or after trimming the heap) and
        # fault them in again, zeroed, at the next; in a forked process that tripled the export's system time.
        libc.mallopt(M_MMAP_THRESHOLD, 64 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREED)
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != exporter:  # the exporter died before that
            os._exit(1)
    for alias in connections:
        inherited = connections[alias]
        _INHERITED.append(inherited)
        connections[alias] = type(inherited)(inherited.settings_dict, alias)


def _write_part(split: str | None, index: int, after: int, up_to: int) -> tuple[tuple | None, Counts, dict]:
    """In a worker: the writer's body of the documents after < id <= up_to, written to the part's file; for
    the writer's `assemble` (if it has one) the byte length and the number of lines of each of its pieces;
    the counts; the statistics."""
    job = _JOB
    counts = Counts()
    stats: dict = {}
    with imported_snapshot(job.snapshot):
        documents = job.gold(split, counts, (after, up_to))
        pieces = list(job.writer.body_pieces_utf8(documents, job.context, stats))
    with open(job.part_path(split, index), "wb") as handle:
        handle.write(b"".join(pieces))
    pieces_of = None
    if job.writer.assemble is not None:
        pieces_of = (list(map(len, pieces)), [piece.count(b"\n") for piece in pieces])
    return pieces_of, counts, stats


@contextmanager
def _children_allowed() -> Iterator[None]:
    """Celery's prefork pool marks its processes daemonic, and multiprocessing refuses children to a daemonic
    process (they could outlive it). The workers die with the exporter (`_start_worker`) and are shut down
    before the export returns, so the mark is lifted while they are forked."""
    config = multiprocessing.current_process()._config
    daemon = config.pop("daemon", None)
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` processes forked from this one now (with "fork", all start at the first task), each with
    database connections of its own."""
    with _children_allowed():
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        pool.submit(int).result()
    return pool


class PartWriters:
    """The workers of one export (a context manager): `pieces` per data file (per split)."""

    def __init__(self, job: _Job, parts: list[tuple[int, int]], workers: int):
        self.job = job
        self.parts = parts
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PartWriters:
        global _JOB
        _JOB = self.job
        self.pool = forked_pool(self.workers)
        logger.info(
            "export of project %s: %d processes write %d parts of the gold",
            self.job.project.pk,
            self.workers,
            len(self.parts),
        )
        return self

    def __exit__(self, *exc) -> None:
        global _JOB
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            _JOB = None
            for path in self.job.directory.glob(f".{self.job.snapshot}.*.part"):  # left by a failure
                path.unlink(missing_ok=True)

    def pieces(
        self, split: str | None, counts: Counts, stats: dict, on_progress: Callable[[float], None] | None = None
    ) -> Iterator[bytes]:
        """The data file's UTF-8, in order: the writer's head, then its parts (as laid out by its
        `assemble`, if it has one); the parts' counts and statistics are added to `counts` and `stats`."""
        job = self.job
        yield job.writer.opening(job.context).encode("utf-8")
        bodies = self._bodies(split, counts, stats, on_progress)
        if job.writer.assemble is not None:
            yield from job.writer.assemble(bodies, job.context, stats)
        else:
            yield from bodies

    def _bodies(self, split, counts: Counts, stats: dict, on_progress) -> Iterator:
        """Each part's UTF-8 in order (with `assemble`: and its pieces' lengths and lines)."""
        waiting: deque = deque()
        todo = enumerate(self.parts)
        ahead = 2 * self.workers  # parts sent ahead: the workers never wait for this process, memory stays bounded
        for index, part in todo:
            waiting.append((index, self.pool.submit(_write_part, split, index, *part)))
            if len(waiting) == ahead:
                break
        done = 0
        while waiting:
            index, future = waiting.popleft()
            pieces_of, part_counts, part_stats = future.result()
            for more, part in todo:  # one more sent for each one received
                waiting.append((more, self.pool.submit(_write_part, split, more, *part)))
                break
            path = self.job.part_path(split, index)
            data = path.read_bytes()
            path.unlink()
            counts.add(part_counts)
            merge_stats(stats, part_stats)
            done += 1
            if on_progress is not None:
                on_progress(min(done / len(self.parts), 0.99))
            yield data if pieces_of is None else (data, *pieces_of)


def part_writers(
    *,
    project: Project,
    writer: Writer,
    options: ExportOptions,
    context: ExportContext,
    snapshot_at,
    total: int,
    gold: Callable,
    directory: Path,
) -> PartWriters | None:
    """The workers for this export, or None where it is written by this process (see the module docstring).
    `gold(split, counts, ids)`: the documents the export writes, as in one process (`ids`: one part's).
    Call inside `gold_snapshot`'s own transaction, before the export starts a thread."""
    workers = settings.EXPORT_WORKERS
    size = max(1, settings.EXPORT_PART_DOCUMENTS)
    if workers < 2 or total <= size or not writer.writes_apart or connection.vendor != "postgresql":
        return None
    snapshot = exported_snapshot()
    if snapshot is None:
        return None
    parts = gold_parts(project, include_majority=options.include_majority, snapshot_at=snapshot_at, size=size)
    if len(parts) < 2:
        return None
    job = _Job(project, writer, context, snapshot, gold, Path(directory))
    return PartWriters(job, parts, min(workers, len(parts)))
