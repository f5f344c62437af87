"""Load and integrity run: simulated reviewers against a real deployment on this machine.

Starts gunicorn (4 workers), 2 Celery workers and uses PostgreSQL and Redis on 127.0.0.1, all on a
fresh database (`workbench_load` by default). Each simulated reviewer signs in with a token, then
until the time is up: takes a document from the queue, saves 20-50 spans (each with an
Idempotency-Key, retried with the same key on a timeout, a connection error or a 5xx), creates a
claim and links spans to it, grades the outlet, submits. Afterwards it checks that

- every acknowledged span and claim link is in the database exactly once,
- no document is held by more than k reviewers and the queue's counters are right,
- no reviewer got a document twice,
- every agreement job the submissions started has finished (none failed, none left pending),

prints throughput and p50/p95 per endpoint, and exits 1 if any check failed. Only 127.0.0.1 is
contacted; every loop is bounded by --duration and per-request timeouts.

Full run (the README's figures):  .venv/bin/python bench/load.py
Short run (CI, tests/load):       .venv/bin/python bench/load.py --reviewers 20 --duration 15
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABELS = ["actor", "place", "date_time", "casualty_figure", "weapon"]
SENTENCE = (
    "قتل 30 عسكرياً من قوات النظام السوري في هجوم شنه عناصر تنظيم داعش على مواقع في بادية الرصافة "
    "جنوب غرب الرقة واستخدم المهاجمون الأسلحة الرشاشة والقذائف وقال المرصد السوري إن الاشتباكات "
    "استمرت ساعات على طريق أثريا الرقة"
)
WORDS = SENTENCE.split()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--documents", type=int, default=0, help="default: 6 per reviewer")
    parser.add_argument("--overlap", type=int, default=2, help="k reviewers per document")
    parser.add_argument("--database", default="workbench_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


# --- set-up ---------------------------------------------------------------------------------------------
def fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def server_env(database_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_USER": "100000/minute",
        "LOG_LEVEL": "WARNING",
        "WORKBENCH_VAR_DIR": str(ROOT / "var" / "load"),
    }


def seed(args) -> dict:
    """Project, labels, reviewers with tokens, documents; returns what the clients need."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from annotations.models import Document, LabelType, Membership, Project, Role

    rng = random.Random(args.seed)
    project = Project.objects.create(slug="load", name="Load run", overlap_k=args.overlap, lease_minutes=30)
    for order, name in enumerate(LABELS):
        LabelType.objects.create(project=project, name=name, name_ar=name, hotkey=str(order + 1), order=order)
    User = get_user_model()
    tokens = []
    for n in range(args.reviewers):
        user = User.objects.create_user(username=f"load{n:03d}", password=secrets.token_urlsafe(16))
        Membership.objects.create(project=project, user=user, role=Role.REVIEWER)
        tokens.append(Token.objects.create(user=user).key)
    documents = args.documents or args.reviewers * 6
    for n in range(documents):
        words = [rng.choice(WORDS) for _ in range(rng.randint(60, 160))]
        Document.objects.create(project=project, title=f"خبر {n}", text=f"({n}) " + " ".join(words))
    return {"project_id": project.pk, "tokens": tokens}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_servers(args, env: dict, port: int) -> list[subprocess.Popen]:
    python = sys.executable
    logs = ROOT / "var" / "load"
    logs.mkdir(parents=True, exist_ok=True)
    processes = [
        subprocess.Popen(
            [python, "-m", "gunicorn", "workbench.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(args.web_workers), "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=open(logs / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )
    ]
    for n in range(args.celery_workers):
        processes.append(
            subprocess.Popen(
                [python, "-m", "celery", "-A", "workbench", "worker", "--pool=solo", f"--hostname=load{n}@%h"]
                + ["--without-mingle", "--without-gossip", "--loglevel=WARNING"],
                cwd=ROOT,
                env=env,
                stdout=open(logs / f"celery{n}.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        )
    return processes


def wait_until_up(session, url: str, processes, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a server process exited during start-up (see var/load/*.log)")
        try:
            if session.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except Exception:  # not listening yet
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within a minute (see var/load/gunicorn.log)")


# --- the simulated reviewers ------------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.retries = 0
        self.failures = defaultdict(int)
        self.spans = {}  # span id -> (assignment, start, end, label): every acknowledged span
        self.links = set()  # (span id, claim id): every acknowledged claim link
        self.submitted = set()

    def timed(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latency[name].append(seconds * 1000)


def call(session, stats: Stats, name: str, method: str, url: str, *, key: bool = False, attempts=4, **kwargs):
    """One request, retried (same Idempotency-Key) on a timeout, a lost connection or a 5xx."""
    headers = {"Idempotency-Key": str(uuid.uuid4())} if key else {}
    for attempt in range(attempts):
        started = time.perf_counter()
        try:
            response = session.request(method, url, headers=headers, timeout=30, **kwargs)
        except Exception:
            response = None
        stats.timed(name, time.perf_counter() - started)
        if response is not None and response.status_code < 500:
            return response
        with stats.lock:
            stats.retries += 1
        time.sleep(0.05 * (attempt + 1))
    with stats.lock:
        stats.failures[name] += 1
    return None


def reviewer(url: str, project_id: int, token: str, stop_at: float, stats: Stats, seed: int) -> None:
    """Works until `stop_at`; spans stop a little earlier, so the document in hand is linked, graded and
    submitted (every run exercises submits and the agreement jobs they start)."""
    import requests

    rng = random.Random(seed)
    wrap_up_at = stop_at - min(5.0, (stop_at - time.monotonic()) * 0.3)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    while time.monotonic() < stop_at:
        taken = call(session, stats, "queue/next", "POST", f"{url}/api/projects/{project_id}/queue/next/")
        if taken is None or taken.status_code == 204:
            return
        assignment = taken.json()
        text = assignment["document"]["text"]
        words, position = [], 0
        for word in text.split(" "):
            words.append((position, position + len(word)))
            position += len(word) + 1
        saved = []
        for _ in range(rng.randint(20, 50)):
            if time.monotonic() >= wrap_up_at:
                break
            first = rng.randrange(len(words))
            last = min(len(words) - 1, first + rng.randint(0, 2))
            start, end = words[first][0], words[last][1]
            label = rng.choice(LABELS)
            response = call(
                session,
                stats,
                "span",
                "POST",
                f"{url}/api/assignments/{assignment['id']}/spans/",
                key=True,
                json={"start": start, "end": end, "label": label, "quote": text[start:end]},
            )
            if response is not None and response.status_code in (200, 201):
                span = response.json()
                with stats.lock:
                    stats.spans[span["id"]] = (assignment["id"], start, end, label)
                saved.append(span["id"])
        if saved:
            claim = call(
                session,
                stats,
                "claim",
                "POST",
                f"{url}/api/projects/{project_id}/claims/",
                key=True,
                json={"text": f"ادعاء {assignment['id']}-{token[:6]}: {text[:80]}", "force": True},
            )
            if claim is not None and claim.status_code == 201:
                claim_id = claim.json()["id"]
                for span_id in rng.sample(saved, min(2, len(saved))):
                    link = call(
                        session,
                        stats,
                        "claim-link",
                        "POST",
                        f"{url}/api/spans/{span_id}/claim-links/",
                        key=True,
                        json={"claim": claim_id, "stance": rng.choice(["supports", "refutes", "mentions"])},
                    )
                    if link is not None and link.status_code in (200, 201):
                        with stats.lock:
                            stats.links.add((span_id, claim_id))
        call(
            session,
            stats,
            "grade",
            "PUT",
            f"{url}/api/assignments/{assignment['id']}/reliability/",
            json={"source_reliability": rng.choice("ABCDEF"), "credibility": rng.randint(1, 6)},
        )
        submitted = call(session, stats, "submit", "POST", f"{url}/api/assignments/{assignment['id']}/submit/")
        if submitted is not None and submitted.status_code in (200, 409):  # 409: a retry after a lost answer
            with stats.lock:
                stats.submitted.add(assignment["id"])


# --- checks -----------------------------------------------------------------------------------------------
def wait_for_jobs(project_id: int, seconds: float) -> dict:
    from django.db.models import Count

    from annotations.models import AgreementRun

    deadline = time.monotonic() + seconds
    while True:
        statuses = dict(
            AgreementRun.objects.filter(project_id=project_id).values_list("status").annotate(n=Count("id"))
        )
        if not statuses.get("pending") and not statuses.get("running"):
            return statuses
        if time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)


def check(project_id: int, stats: Stats, job_statuses: dict) -> list[str]:
    from django.db.models import Count

    from annotations.models import Assignment, AssignmentStatus, ClaimLink, Project, Span
    from annotations.services.queue import queue_check_invariants

    problems = []
    stored = {
        span["id"]: (span["assignment_id"], span["start"], span["end"], span["label__name"])
        for span in Span.objects.filter(id__in=list(stats.spans)).values(
            "id", "assignment_id", "start", "end", "label__name"
        )
    }
    missing = [span_id for span_id in stats.spans if span_id not in stored]
    if missing:
        problems.append(f"{len(missing)} acknowledged spans are missing, e.g. {missing[:5]}")
    changed = [span_id for span_id, key in stats.spans.items() if span_id in stored and stored[span_id] != key]
    if changed:
        problems.append(f"{len(changed)} acknowledged spans differ from what was sent, e.g. {changed[:5]}")
    twins = (
        Span.objects.filter(assignment__document__project_id=project_id)
        .values("assignment_id", "start", "end", "label_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    if twins:
        problems.append(f"{twins} spans are stored more than once")
    links = set(ClaimLink.objects.filter(span_id__in=[s for s, _ in stats.links]).values_list("span_id", "claim_id"))
    if stats.links - links:
        problems.append(f"{len(stats.links - links)} acknowledged claim links are missing")
    project = Project.objects.get(pk=project_id)
    problems += queue_check_invariants(project)
    twice = (
        Assignment.objects.filter(document__project=project)
        .values("document_id", "reviewer_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    if twice:
        problems.append(f"{twice} reviewers got a document twice")
    unsubmitted = set(stats.submitted) - set(
        Assignment.objects.filter(pk__in=stats.submitted, status=AssignmentStatus.SUBMITTED).values_list(
            "pk", flat=True
        )
    )
    if unsubmitted:
        problems.append(f"{len(unsubmitted)} acknowledged submits are not submitted")
    if job_statuses.get("failed") or job_statuses.get("pending") or job_statuses.get("running"):
        problems.append(f"agreement jobs not all done: {job_statuses}")
    if stats.submitted and not job_statuses.get("done"):
        problems.append("submissions were made but no agreement job ran")
    if sum(stats.failures.values()):
        problems.append(f"requests that failed after every retry: {dict(stats.failures)}")
    return problems


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = fresh_database(args.database)
    env = server_env(database_url, args.redis_url)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG")})
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    setup = seed(args)
    from django.db import connections

    connections.close_all()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = start_servers(args, env, port)
    try:
        import requests

        wait_until_up(requests.Session(), url, processes)
        stats = Stats()
        started = time.monotonic()
        stop_at = started + args.duration
        threads = [
            threading.Thread(
                target=reviewer, args=(url, setup["project_id"], token, stop_at, stats, args.seed + n), daemon=True
            )
            for n, token in enumerate(setup["tokens"])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 120)
        elapsed = time.monotonic() - started
        job_statuses = wait_for_jobs(setup["project_id"], seconds=120)
        problems = check(setup["project_id"], stats, job_statuses)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    requests_made = sum(len(v) for v in stats.latency.values())
    print(
        f"{args.reviewers} reviewers for {args.duration:.0f} s against gunicorn ({args.web_workers} workers), "
        f"PostgreSQL, Redis and {args.celery_workers} Celery workers"
    )
    print(
        f"requests {requests_made} in {elapsed:.1f} s = {requests_made / elapsed:.0f}/s; "
        f"spans acknowledged {len(stats.spans)} ({len(stats.spans) / elapsed:.0f}/s); "
        f"claim links {len(stats.links)}; submits {len(stats.submitted)}; retries {stats.retries}"
    )
    for name in ("queue/next", "span", "claim", "claim-link", "grade", "submit"):
        values = stats.latency.get(name)
        if values:
            print(
                f"  {name:11} n {len(values):6}  p50 {statistics.median(values):7.1f} ms  "
                f"p95 {percentile(values, 0.95):7.1f} ms  max {max(values):7.1f} ms"
            )
    print(f"agreement jobs: {job_statuses}")
    if problems:
        print("CHECKS FAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(
        "all checks held: every acknowledged write stored exactly once, no document over k, no reviewer twice, "
        "every agreement job done"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
