"""`queue/next` latency with 100,000 documents and 50 reviewers on PostgreSQL.

Builds (once; reused on later runs) a project in the `workbench_bench` database on 127.0.0.1:5432,
then 50 reviewers take documents from the queue through the API (in-process DRF client, so HTTP
parsing and serialization count; the network does not) and submit every other one. Prints p50 and
p95 of `POST /api/projects/{id}/queue/next/` (goal: p95 under 20 ms).

Run: .venv/bin/python bench/queue_bench.py [--rebuild]
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "workbench_bench"
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
)

DOCUMENTS = 100_000
REVIEWERS = 50
ROUNDS = 12  # each reviewer asks for a document this many times (600 timed calls)


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from annotations.models import Assignment, Document, Membership, Project
    from annotations.services.demo import labels_ensure
    from annotations.services.queue import queue_check_invariants
    from annotations.text.normalize import fold_for_search

    call_command("migrate", verbosity=0)
    User = get_user_model()
    if "--rebuild" in sys.argv:
        Project.objects.filter(slug="queue-bench").delete()
    project = Project.objects.filter(slug="queue-bench").first()
    if project is None:
        started = time.perf_counter()
        project = Project.objects.create(slug="queue-bench", name="Queue bench", overlap_k=2)
        labels_ensure(project)
        batch = []
        for n in range(DOCUMENTS):
            text = f"خبر رقم {n}: اشتباكات بين تنظيم داعش وقوات النظام في البادية السورية."
            batch.append(
                Document(
                    project=project,
                    title=f"خبر {n}",
                    text=text,
                    sha256=hashlib.sha256(text.encode()).hexdigest(),
                    search_text=fold_for_search(text),
                )
            )
            if len(batch) == 5000:
                Document.objects.bulk_create(batch)
                batch = []
        Document.objects.bulk_create(batch)
        print(f"built {DOCUMENTS:,} documents in {time.perf_counter() - started:.1f} s")
    # fresh queue state on every run, so runs are comparable
    Assignment.objects.filter(document__project=project).delete()
    Document.objects.filter(project=project).update(slots_taken=0, submitted_count=0)
    reviewers = []
    for n in range(REVIEWERS):
        user, _ = User.objects.get_or_create(username=f"bench-reviewer-{n}")
        Membership.objects.get_or_create(project=project, user=user, defaults={"role": "reviewer"})
        reviewers.append(user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    clients = []
    for user in reviewers:
        client = APIClient()
        client.force_authenticate(user)
        clients.append(client)
    url = f"/api/projects/{project.id}/queue/next/"
    for client in clients[:3]:  # warm up code paths and caches
        client.post(url)
    timings = []
    for round_ in range(ROUNDS):
        for client in clients:
            started = time.perf_counter()
            response = client.post(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            if round_ % 2 == 0:  # submit every other one; the rest stay leased (the next call returns them)
                assert client.post(f"/api/assignments/{response.json()['id']}/submit/").status_code == 200
    problems = queue_check_invariants(project) if "--check" in sys.argv else []
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(0.95 * len(timings)) - 1]
    print(
        f"documents {Document.objects.filter(project=project).count():,}, reviewers {REVIEWERS}, "
        f"calls {len(timings)}, assignments {Assignment.objects.filter(document__project=project).count():,}"
    )
    print(
        f"{'queue/next':12} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   max {timings[-1]:6.2f} ms   goal p95 < 20 ms: "
        f"{'met' if p95 < 20 else 'NOT met'}"
    )
    if "--check" in sys.argv:
        print("invariants:", "hold" if not problems else problems[:5])


if __name__ == "__main__":
    main()
