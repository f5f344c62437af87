"""Benchmark: bulk import of articles (`documents_import`, what `import_articles` runs) on PostgreSQL.

    .venv/bin/python bench/import_bench.py [--documents 100000]

Writes a JSONL file of N distinct Arabic articles (about 900 characters each, title, outlet, URL) and
imports it into a fresh project of the database IMPORT_BENCH_DATABASE (default `workbench_importbench`,
created if missing), timed from reading the file to the commit. Jobs go through a broker as shipped
(the embedded SQLAlchemy transport on a temporary SQLite file, no worker): the statistics job is
published, not run, as in a deployment where workers compute it beside the import. Goal: > 2,000
documents/s. Prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from export_bench import PARAGRAPH  # noqa: E402  (before the environment below: it sets its own)

DATABASE = os.environ.get("IMPORT_BENCH_DATABASE", "workbench_importbench")
BROKER_DIR = tempfile.mkdtemp(prefix="import-bench-")
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{BROKER_DIR}/celery.sqlite",
    }
)

GOAL = 2_000


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from annotations.models import Project
    from annotations.services.documents import documents_import

    call_command("migrate", verbosity=0)
    Project.objects.filter(slug="import-bench").delete()
    project = Project.objects.create(slug="import-bench", name="Import bench")
    outlets = ["المرصد السوري", "عنب بلدي", "سوريا 24", "الجزيرة", "رويترز"]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for n in range(args.documents):
                record = {
                    "title": f"هجوم في البادية رقم {n}",
                    "text": f"خبر رقم {n}: {PARAGRAPH}",
                    "source": outlets[n % len(outlets)],
                    "url": f"https://example.org/news/{n}",
                    "external_id": f"bench-{n}",
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        started = time.perf_counter()
        result = documents_import(project=project, paths=[path])
        seconds = time.perf_counter() - started
    rate = len(result.created) / seconds
    print(
        f"import_articles: {len(result.created):,} documents in {seconds:.1f} s = {rate:,.0f} documents/s "
        f"(goal > {GOAL:,}: {'met' if rate > GOAL else 'NOT met'}); load average {os.getloadavg()[0]:.1f}"
    )
    Project.objects.filter(slug="import-bench").delete()


if __name__ == "__main__":
    main()
