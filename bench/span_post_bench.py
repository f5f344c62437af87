"""Benchmark: a span POST and a submit through the whole Django stack (middleware, DRF, token auth,
Idempotency-Key), in-process, on PostgreSQL (`SPAN_BENCH_DATABASE`, default `workbench_spanbench`,
created if missing), with the shipped settings: persistent connections and jobs through the embedded
broker (kombu's SQLAlchemy transport on a temporary SQLite file; no worker, so a submit only publishes).

    .venv/bin/python bench/span_post_bench.py [--documents 20] [--spans 50]

Prints, with an Idempotency-Key (as the workspace sends it) and without one (scripts, the peer benchmark),
the SQL statements of a span POST and its p50 and p95; those of a submit, and of an adjudicator's accept
agreed and finalize of each submitted document; and the load average. The HTTP
figures beside the peers come from ../shared/peer-bench (bench/serve_ours.sh serves ours there).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from shipped import backend_cpu, ensure_database, pct, shipped_environment  # noqa: E402  (bench/ is the script's folder)

DATABASE = os.environ.get("SPAN_BENCH_DATABASE", "workbench_spanbench")
# One reviewer posting 2,000 spans back to back outruns the shipped per-user rate (1,200 a minute) on a fast
# machine: the throttle still runs on every request, with a rate no person reaches, since its refusals are not
# what is timed.
shipped_environment(DATABASE, "span-bench-", API_THROTTLE_USER="1000000/minute")
PARAGRAPH = (
    "قال المرصد السوري لحقوق الإنسان إن عناصر من تنظيم الدولة الإسلامية هاجموا مواقع لقوات النظام في بادية "
    "الرصافة جنوب غرب الرقة صباح يوم الأحد، ما أسفر عن مقتل ثلاثين عنصراً وإصابة آخرين بجروح متفاوتة."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--spans", type=int, default=50)
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

    from annotations.models import LabelType, Membership, Project, Role
    from annotations.services.demo import labels_ensure
    from annotations.services.documents import document_create
    from annotations.services.queue import assignment_lease_next
    from annotations.text.tokens import is_word_token, tokenize

    call_command("migrate", verbosity=0)
    slug = f"span-bench-{int(time.time())}"
    project = Project.objects.create(slug=slug, name=slug, overlap_k=1)
    labels_ensure(project)
    label = LabelType.objects.filter(project=project).order_by("order").first().name
    reviewer, _ = get_user_model().objects.get_or_create(username="span-bench-reviewer")
    Membership.objects.get_or_create(project=project, user=reviewer, defaults={"role": Role.REVIEWER})
    token, _ = Token.objects.get_or_create(user=reviewer)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")
    adjudicator, _ = get_user_model().objects.get_or_create(username="span-bench-adjudicator")
    Membership.objects.get_or_create(project=project, user=adjudicator, defaults={"role": Role.ADJUDICATOR})
    adjudicator_token, _ = Token.objects.get_or_create(user=adjudicator)
    adjudicating = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {adjudicator_token.key}")
    texts = [f"خبر {n} من {slug}: " + " ".join([PARAGRAPH] * 3) for n in range(args.documents)]
    for text in texts:
        document_create(project=project, text=text)
    # Documents alternate: the workspace sends an Idempotency-Key with every save, scripts and the peer
    # benchmark (../shared/peer-bench) do not; each kind is timed and counted apart.
    posts, submits, counts = {True: [], False: []}, [], {True: [], False: []}
    accepts, finalizes = [], []
    post_cpu = {True: 0.0, False: 0.0}
    backend_post_cpu = {True: 0.0, False: 0.0}
    for number, _ in enumerate(texts):
        keyed = number % 2 == 0
        assignment = assignment_lease_next(project=project, reviewer=reviewer)
        text = assignment.document.text
        words = [t for t in tokenize(text) if is_word_token(t)][: args.spans]
        url = f"/api/assignments/{assignment.pk}/spans/"
        for word in words:
            body = {"start": word.start, "end": word.end, "label": label, "quote": word.text}
            headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if keyed else {}
            backend_before = backend_cpu(connection)
            with CaptureQueriesContext(connection) as queries:
                cpu_started = time.process_time()
                started = time.perf_counter()
                response = client.post(url, body, content_type="application/json", **headers)
                posts[keyed].append(time.perf_counter() - started)
                post_cpu[keyed] += time.process_time() - cpu_started
            backend_post_cpu[keyed] += backend_cpu(connection) - backend_before
            assert response.status_code == 201, response.content
            counts[keyed].append(len(queries.captured_queries))
        started = time.perf_counter()
        response = client.post(f"/api/assignments/{assignment.pk}/submit/", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        submits.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
        # the adjudicator's one-action path: accept what the reviewers agree on, then finalize (k = 1: all)
        document_url = f"/api/documents/{assignment.document_id}/adjudication"
        started = time.perf_counter()
        response = adjudicating.post(f"{document_url}/accept-agreed/", {}, content_type="application/json")
        accepts.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
        started = time.perf_counter()
        response = adjudicating.post(f"{document_url}/finalize/", {}, content_type="application/json")
        finalizes.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    for keyed, before in ((True, 20), (False, 12)):
        steady = sorted(counts[keyed])[len(counts[keyed]) // 2]  # an assignment's first save takes the full path
        times, n = posts[keyed], len(posts[keyed])
        print(
            f"span POST {'with' if keyed else 'without'} an Idempotency-Key: {steady} SQL statements after the "
            f"first save of an assignment ({max(counts[keyed])} at most; {before} before issue 17); "
            f"p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms in-process over {n:,} POSTs; "
            f"CPU per POST {post_cpu[keyed] / n * 1000:.2f} ms here and "
            f"{backend_post_cpu[keyed] / n * 1000:.2f} ms in PostgreSQL (less sensitive to load than the times)"
        )
    print(
        f"submit (the agreement job published, not run): p50 {pct(submits, 50):.1f} ms, "
        f"p95 {pct(submits, 95):.1f} ms over {len(submits)} submits (goal p50 < 50 ms)"
    )
    print(
        f"adjudication of a submitted document: accept agreed p50 {pct(accepts, 50):.1f} ms, p95 "
        f"{pct(accepts, 95):.1f} ms; finalize (the agreement job published, not run) p50 {pct(finalizes, 50):.1f} ms, "
        f"p95 {pct(finalizes, 95):.1f} ms (goal p50 < 50 ms), over {len(finalizes)} documents"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
