"""Benchmark: adding one article through the API (`POST /api/projects/{id}/documents/` {"text": ...}), the
request of the peer comparison's first phase, through the whole Django stack in-process on PostgreSQL
(`DOCUMENT_BENCH_DATABASE`, default `workbench_documentbench`, created if missing), with the shipped
settings: token authentication, persistent connections, jobs through the embedded broker (kombu's
SQLAlchemy transport on a temporary SQLite file; no worker, so the statistics job is only published).

    .venv/bin/python bench/document_post_bench.py [--documents 300] [--profile]

Prints the SQL statements of one POST, the p50 and p95 of a POST, the CPU time per POST of this process
(the request and the background send of its job) and of its PostgreSQL backend, and the load average;
`--profile` adds the functions that take the time (cProfile, cumulative). The HTTP figures beside doccano's
come from ../shared/peer-bench.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from shipped import backend_cpu, ensure_database, pct, shipped_environment  # noqa: E402  (bench/ is the script's folder)

DATABASE = os.environ.get("DOCUMENT_BENCH_DATABASE", "workbench_documentbench")
shipped_environment(DATABASE, "document-bench-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    ensure_database(DATABASE)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from annotations.models import Membership, Project, Role
    from annotations.services import enqueue
    from annotations.services.demo import SEED_DIR

    call_command("migrate", verbosity=0)
    slug = f"document-bench-{int(time.time())}"
    project = Project.objects.create(slug=slug, name=slug)
    manager, _ = get_user_model().objects.get_or_create(username="document-bench-manager")
    Membership.objects.get_or_create(project=project, user=manager, defaults={"role": Role.MANAGER})
    token, _ = Token.objects.get_or_create(user=manager)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")
    seeds = [path.read_text(encoding="utf-8") for path in sorted(SEED_DIR.glob("*.txt"))]
    texts = [f"خبر رقم {n} من {slug}\n{seeds[n % len(seeds)]}" for n in range(args.documents + 1)]
    url = f"/api/projects/{project.pk}/documents/"

    def post(text):
        response = client.post(url, {"text": text}, content_type="application/json")
        assert response.status_code == 201, response.content
        return response

    post(texts[0])  # the first request imports and connects what the others find ready
    enqueue.background_sends_join()
    with CaptureQueriesContext(connection) as queries:
        post(texts[1])
    statements = [query["sql"] for query in queries.captured_queries]
    enqueue.background_sends_join()
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    timings = []
    cpu_started, backend_started = time.process_time(), backend_cpu(connection)
    for text in texts[2:]:
        started = time.perf_counter()
        post(text)
        timings.append(time.perf_counter() - started)
    enqueue.background_sends_join()  # the sends of the jobs are part of the work
    cpu, backend = time.process_time() - cpu_started, backend_cpu(connection) - backend_started
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    print(f"document POST: {len(statements)} SQL statements:")
    for sql in statements:
        print(f"  {sql[:110]}")
    print(
        f"document POST: p50 {pct(timings, 50):.1f} ms, p95 {pct(timings, 95):.1f} ms in-process over "
        f"{len(timings):,} POSTs; {cpu / len(timings) * 1000:.1f} ms CPU each (with the background send of "
        f"its statistics job), {backend / len(timings) * 1000:.1f} ms in PostgreSQL; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
