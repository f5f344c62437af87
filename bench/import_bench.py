"""Benchmark: bulk import of articles on PostgreSQL, as `import_articles` runs it or as the web upload does.

    .venv/bin/python bench/import_bench.py [--documents 100000] [--via command|web|both]

Writes a JSONL file of N distinct Arabic articles (about 900 characters each, title, outlet, URL) and
imports it into a fresh project of the database IMPORT_BENCH_DATABASE (default `workbench_importbench`,
created if missing):

* `command`: `documents_import` (what `import_articles` runs), timed from reading the file to the commit;
* `web`: what an upload does: `import_request` (the checks and the job row holding the file, as the
  upload view calls it) and then the job's work, `import_run_execute` (what the Celery task runs: parse,
  write, audit, finish the job row), timed from the request to the finished job. The upload limit
  (IMPORT_MAX_BYTES, 20 MiB as shipped, about 9,000 of these articles) is raised to fit the file.

Jobs go through a broker as shipped (the embedded SQLAlchemy transport on a temporary SQLite file, no
worker): the statistics jobs are published, not run, as in a deployment where workers compute them
beside the import. Goal: > 2,000 documents/s. Prints documents/s, the CPU time per document of this
process and of its PostgreSQL backend (the same on a quiet or a busy machine, unlike the rate), the peak
memory, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from export_bench import PARAGRAPH  # noqa: E402  (before the environment below: it sets its own)
from shipped import ensure_database, shipped_environment  # noqa: E402  (bench/ is the script's folder)

DATABASE = os.environ.get("IMPORT_BENCH_DATABASE", "workbench_importbench")
shipped_environment(DATABASE, "import-bench-", IMPORT_MAX_BYTES=str(1 << 30))

GOAL = 2_000
OUTLETS = ["المرصد السوري", "عنب بلدي", "سوريا 24", "الجزيرة", "رويترز"]


def articles_jsonl(count: int) -> bytes:
    lines = []
    for n in range(count):
        record = {
            "title": f"هجوم في البادية رقم {n}",
            "text": f"خبر رقم {n}: {PARAGRAPH}",
            "source": OUTLETS[n % len(OUTLETS)],
            "url": f"https://example.org/news/{n}",
            "external_id": f"bench-{n}",
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


class CpuClock:
    """CPU seconds of this process and of the PostgreSQL backend serving its connection (a local server)."""

    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]

    def backend_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), self.backend_seconds()


def _wait_for_senders() -> None:
    from annotations.services import enqueue

    for thread in list(enqueue._senders):
        thread.join()


def run(via: str, data: bytes, directory: Path) -> tuple[int, float, float, float]:
    from django.contrib.auth import get_user_model

    from annotations.models import Project
    from annotations.services.documents import documents_import
    from annotations.services.enqueue import enqueue_on_commit
    from annotations.services.imports import import_request, import_run_execute

    Project.objects.filter(slug="import-bench").delete()
    project = Project.objects.create(slug="import-bench", name="Import bench")
    user, _ = get_user_model().objects.get_or_create(username="import-bench")
    path = directory / "articles.jsonl"
    path.write_bytes(data)
    enqueue_on_commit("document_stats_task", [])  # the broker connection made, as in a running server
    _wait_for_senders()
    clock = CpuClock()
    wall, python, backend = clock.read()
    if via == "command":
        created = len(documents_import(project=project, paths=[path]).created)
    else:
        job = import_request(project=project, requested_by=user, file_name="articles.jsonl", data=data)
        job = import_run_execute(import_id=job.pk)
        if job.status != "done":
            raise SystemExit(f"the import job ended {job.status}: {job.error}")
        created = job.counts["imported"]
    _wait_for_senders()  # the statistics jobs handed to the broker are part of the import
    after = clock.read()
    return created, after[0] - wall, after[1] - python, after[2] - backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--via", choices=["command", "web", "both"], default="both")
    args = parser.parse_args()
    ensure_database(DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    from annotations.models import Project

    call_command("migrate", verbosity=0)
    data = articles_jsonl(args.documents)
    for via in ["command", "web"] if args.via == "both" else [args.via]:
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as directory:
            created, seconds, python, backend = run(via, data, Path(directory))
        rate = created / seconds
        name = "import_articles (documents_import)" if via == "command" else "web import job"
        print(
            f"{name}: {created:,} documents in {seconds:.1f} s = {rate:,.0f} documents/s "
            f"(goal > {GOAL:,}: {'met' if rate > GOAL else 'NOT met'}); CPU per document: "
            f"{python / created * 1e6:.0f} µs here, {backend / created * 1e6:.0f} µs in PostgreSQL; "
            f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
            f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
            flush=True,
        )
        Project.objects.filter(slug="import-bench").delete()


if __name__ == "__main__":
    main()
