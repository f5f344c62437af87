"""A large export on PostgreSQL written by forked worker processes, part by part (services/export_parts.py):
the same files byte for byte as one process writes, one snapshot for all the parts, and a worker's failure
or death failing the export with nothing half written."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, connections

from annotations.exporters import REGISTRY
from annotations.models import Document, ExportJob, JobStatus
from annotations.services import export_parts, exports
from annotations.services.exports import export_run_execute, export_write
from tests.conftest import require_service
from tests.factories import DocumentFactory
from tests.selectors.test_gold import TEXT_A, TEXT_B, at, finalize, gold, reviewed  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
APART = sorted(name for name, writer in REGISTRY.items() if writer.writes_apart)


@pytest.fixture
def many(project, gold, reviewer1, reviewer2, adjudicator, settings, tmp_path):  # noqa: F811
    """Eleven final documents (A, B and nine more) and C reviewed but not final (gold with the majority
    option); parts of two documents, two workers."""
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    for n in range(9):
        text = (TEXT_A, TEXT_B)[n % 2] + f" الخبر رقم {n}"
        document = reviewed(DocumentFactory(project=project, text=text), [reviewer1, reviewer2])
        word = text.split()[2]
        finalize(document, adjudicator, [(*at(text, word), "actor"), (*at(text, f"رقم {n}"), "casualty_figure")])
    settings.EXPORT_WORKERS = 2
    settings.EXPORT_PART_DOCUMENTS = 2
    settings.EXPORT_ROOT = tmp_path / "exports"
    return project


def exported(project, fmt, directory: Path, **options) -> tuple[dict[str, bytes], dict]:
    directory.mkdir(parents=True, exist_ok=True)
    result = export_write(project=project, fmt=fmt, output_path=directory / f"gold.{fmt}", options=options)
    files = {path.name: path.read_bytes() for path in sorted(directory.iterdir())}
    return files, result.manifest


def without_time(manifest: dict) -> dict:
    manifest = json.loads(json.dumps(manifest))
    for key in ("exported_at", "snapshot"):
        manifest.pop(key, None)
    manifest["files"] = [item for item in manifest["files"] if item["role"] != "dataset card"]
    return manifest


def written_by_workers(calls: list):
    real = export_parts.PartWriters.pieces

    def pieces(self, *args, **kwargs):
        calls.append(len(self.parts))
        return real(self, *args, **kwargs)

    return mock.patch.object(export_parts.PartWriters, "pieces", pieces)


@pytest.mark.parametrize("fmt", APART)
def test_workers_write_the_file_one_process_writes(many, settings, tmp_path, fmt):
    settings.EXPORT_WORKERS = 1
    alone, alone_manifest = exported(many, fmt, tmp_path / "alone")
    settings.EXPORT_WORKERS = 2
    calls: list = []
    with written_by_workers(calls):
        apart, apart_manifest = exported(many, fmt, tmp_path / "apart")
    assert calls == [6]  # 11 documents in parts of 2
    data = f"gold.{fmt}"
    assert apart[data] == alone[data] and len(apart[data]) > 1000
    assert without_time(apart_manifest) == without_time(alone_manifest)
    assert apart_manifest["counts"]["documents"] == 11 and apart_manifest["snapshot"]["isolation"] == "repeatable read"


def test_workers_write_every_split_with_the_options(many, settings, tmp_path):
    options = {"include_majority": True, "pseudonymize": True, "splits": {"train": 0.5, "dev": 0.25, "test": 0.25}}
    settings.EXPORT_WORKERS = 1
    alone, alone_manifest = exported(many, "jsonl", tmp_path / "alone", **options)
    settings.EXPORT_WORKERS = 2
    calls: list = []
    with written_by_workers(calls):
        apart, apart_manifest = exported(many, "jsonl", tmp_path / "apart", **options)
    assert calls == [6, 6, 6]  # 12 documents with the majority one, each split a pass over the parts
    names = [name for name in alone if ".train." in name or ".dev." in name or ".test." in name]
    assert len(names) == 3 and all(apart[name] == alone[name] for name in names)
    assert without_time(apart_manifest) == without_time(alone_manifest)
    assert apart_manifest["counts"]["documents"] == 12 and apart_manifest["counts"]["resolution"]["majority"] == 1
    assert b':"adjudicator"' not in b"".join(apart[name] for name in names)  # pseudonymized in the workers


def test_every_part_reads_the_exports_snapshot(many, gold, adjudicator, tmp_path):  # noqa: F811
    """Between the snapshot's export and the workers' first read, another connection finalizes C and
    renames B and archives A: no part sees any of it."""
    real = export_parts.gold_parts
    seen = {}

    def elsewhere():
        try:
            finalize(gold["c"], adjudicator, [])
            Document.objects.filter(pk=gold["b"].pk).update(title="عنوان جديد")
            Document.objects.filter(pk=gold["a"].pk).update(archived_at="2030-01-01T00:00:00Z")
        except Exception as exc:  # reported by the assertion below
            seen["error"] = exc
        finally:
            connections.close_all()

    def committed_meanwhile(*args, **kwargs):
        parts = real(*args, **kwargs)
        thread = threading.Thread(target=elsewhere)  # its own connection, committing at once
        thread.start()
        thread.join(timeout=60)
        return parts

    with mock.patch.object(export_parts, "gold_parts", committed_meanwhile):
        files, manifest = exported(many, "jsonl", tmp_path / "apart")
    assert "error" not in seen, seen.get("error")
    records = [json.loads(line) for line in files["gold.jsonl"].decode().splitlines()]
    assert len(records) == 11 and gold["c"].pk not in {r["id"] for r in records}
    assert records[0]["id"] == gold["a"].pk and records[1]["title"] == "-عنوان"
    assert manifest["counts"]["documents"] == 11
    assert exported(many, "jsonl", tmp_path / "later")[1]["counts"]["documents"] == 11  # C in, A out


def failing_part(split, index, after, up_to):
    raise ValueError(f"part after {after} could not be read")


def dying_part(split, index, after, up_to):
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_workers_error_fails_the_export_and_leaves_no_file(many, tmp_path):
    directory = tmp_path / "out"
    directory.mkdir()
    with mock.patch.object(export_parts, "_write_part", failing_part), pytest.raises(ValueError, match="part after 0"):
        export_write(project=many, fmt="conll", output_path=directory / "gold.conll")
    assert list(directory.iterdir()) == []


def test_a_killed_worker_fails_the_job_readably_and_leaves_no_file(many, settings):
    job = ExportJob.objects.create(project=many, format="web-annotation")
    with mock.patch.object(export_parts, "_write_part", dying_part):
        failed = export_run_execute(export_id=job.pk)
    assert failed.status == JobStatus.FAILED
    assert failed.error.startswith("The export could not be written: BrokenProcessPool")
    root = Path(settings.EXPORT_ROOT)
    assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []
    assert (
        export_run_execute(export_id=ExportJob.objects.create(project=many, format="jsonl").pk).counts["documents"]
        == 11
    )  # the pool is gone with the failed export; the next one forks its own


def test_small_exports_and_sqlite_stay_in_one_process(many, settings, tmp_path):
    settings.EXPORT_PART_DOCUMENTS = 11  # one part: nothing to share
    calls: list = []
    with written_by_workers(calls):
        exported(many, "jsonl", tmp_path / "one")
    settings.EXPORT_PART_DOCUMENTS = 2
    with written_by_workers(calls), mock.patch.object(exports, "gold_snapshot") as snapshot:
        snapshot.return_value.__enter__.return_value = False  # no snapshot of its own (SQLite, a caller's transaction)
        exported(many, "jsonl", tmp_path / "two")
    assert calls == []


def test_the_workers_die_with_the_exporting_process():
    """An exporter killed with SIGKILL (an out-of-memory kill, a Celery worker killed) takes its workers with
    it: none is left waiting for parts with its snapshot open."""
    read, write = os.pipe()
    exporter = os.fork()
    if exporter == 0:  # the exporter: forks its workers, says their pids, waits to be killed
        try:
            os.close(read)
            pool = export_parts.forked_pool(2)
            os.write(write, json.dumps([process.pid for process in pool._processes.values()]).encode() + b"\n")
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as said:
        workers = json.loads(said.readline())
    try:
        assert len(workers) == 2 and all(alive(pid) for pid in workers)
        os.kill(exporter, signal.SIGKILL)
        os.waitpid(exporter, 0)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
    finally:  # a failing run leaves no orphan holding the test run's output open
        for pid in filter(alive, workers):
            os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended (its parent, gone, cannot reap it until init does)
