"""Creating a claim (with its near-duplicate check), `claims/similar` and claim search with 10,000 claims
of up to 2,000 characters in one project, on PostgreSQL.

Builds (once; reused on later runs) a project in the `workbench_claims_bench` database on 127.0.0.1:5432:
10,000 claims made of runs of words from the seed articles (5 to 2,000 characters, a third of them
longer than 600), with a fifth of the words swapped for other seed words and numbers, so claims share
vocabulary as claims about one conflict do. Then, through the API (in-process DRF client: parsing and
serialization count, the network does not):

* `POST /api/projects/{id}/claims/` with new texts, half of them near duplicates of stored claims
  (answered 409 with the similar claims) and half new (201);
* `GET /api/projects/{id}/claims/similar/?text=` with stored texts changed a little (up to 2,000 chars);
* `GET /api/projects/{id}/claims/?q=` with two or three words.

Prints p50 and p95 of each (goal for the first two: p95 under 100 ms).

Run: .venv/bin/python bench/claims_bench.py [--rebuild]
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "workbench_claims_bench"
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
)

CLAIMS = 10_000
MAX_CHARS = 2_000
CALLS = 200  # timed calls per endpoint
SLUG = "claims-bench"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def seed_words() -> list[str]:
    seeds = sorted((ROOT / "annotations" / "demo" / "seeds").glob("*.txt"))
    return [w for p in seeds for w in unicodedata.normalize("NFC", p.read_text(encoding="utf-8")).split()]


def make_claim(rng: random.Random, words: list[str]) -> str:
    long = rng.random() < 1 / 3
    limit = rng.randint(600, MAX_CHARS) if long else rng.randint(20, 600)
    start = rng.randrange(len(words))
    out: list[str] = []
    size = 0
    i = start
    while size < limit:
        word = words[i % len(words)]
        roll = rng.random()
        if roll < 0.15:
            word = rng.choice(words)
        elif roll < 0.2:
            word = str(rng.randint(1, 5000))
        if size + len(word) + 1 > limit and out:
            break
        out.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(out)[:MAX_CHARS]


def near_copy(rng: random.Random, text: str, words: list[str]) -> str:
    """The text with about one word in twelve replaced: a near duplicate."""
    parts = text.split()
    for _ in range(max(1, len(parts) // 12)):
        parts[rng.randrange(len(parts))] = rng.choice(words)
    return " ".join(parts)[:MAX_CHARS]


def percentiles(timings: list[float]) -> tuple[float, float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[int(0.95 * len(timings)) - 1], timings[-1]


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from annotations.models import Claim, ClaimSimilarityKey, Membership, Project
    from annotations.services.demo import labels_ensure
    from annotations.text.normalize import fold_for_search
    from annotations.text.words import search_words, similarity_keys, words_column

    logging.getLogger("django.request").setLevel(logging.ERROR)  # one line per 409 otherwise
    call_command("migrate", verbosity=0)
    rng = random.Random(12)
    words = seed_words()
    user, _ = get_user_model().objects.get_or_create(username="bench-manager")
    if "--rebuild" in sys.argv:
        Project.objects.filter(slug=SLUG).delete()
    project = Project.objects.filter(slug=SLUG).first()
    if project is None:
        started = time.perf_counter()
        project = Project.objects.create(slug=SLUG, name="Claims bench")
        labels_ensure(project)
        for first in range(0, CLAIMS, 1000):
            texts = [make_claim(rng, words) for _ in range(min(1000, CLAIMS - first))]
            claims = Claim.objects.bulk_create(
                Claim(
                    project=project,
                    text=text,
                    created_by=user,
                    search_text=fold_for_search(text),
                    search_words=words_column(text),
                )
                for text in texts
            )
            ClaimSimilarityKey.objects.bulk_create(
                ClaimSimilarityKey(project=project, claim=claim, key=key)
                for claim in claims
                for key in set(similarity_keys(search_words(claim.text)))
            )
        print(f"built {CLAIMS:,} claims in {time.perf_counter() - started:.1f} s")
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": "manager"})
    Claim.objects.filter(project=project, text__startswith="bench-new ").delete()  # earlier runs' creations
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    stored = list(Claim.objects.filter(project=project).values_list("text", flat=True)[:CLAIMS])
    lengths = [len(t) for t in stored]
    print(
        f"claims {len(stored):,}; characters: mean {statistics.mean(lengths):.0f}, max {max(lengths)}, "
        f"{sum(n > 600 for n in lengths):,} longer than 600"
    )
    client = APIClient()
    client.force_authenticate(user)
    base = f"/api/projects/{project.id}/claims/"

    create, created, duplicates = [], 0, 0
    for n in range(CALLS + 5):
        if n % 2:
            text = near_copy(rng, rng.choice(stored), words)
        else:
            text = "bench-new " + make_claim(rng, words)
        started = time.perf_counter()
        response = client.post(base, {"text": text[:MAX_CHARS]}, format="json")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code in (201, 409), (response.status_code, response.content[:200])
        if n >= 5:  # the first calls warm caches
            create.append(elapsed)
            created += response.status_code == 201
            duplicates += response.status_code == 409

    similar, found = [], 0
    for n in range(CALLS + 5):
        text = near_copy(rng, rng.choice([t for t in stored if len(t) > 600] if n % 2 else stored), words)
        started = time.perf_counter()
        response = client.get(f"{base}similar/", {"text": text[:MAX_CHARS]})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        if n >= 5:
            similar.append(elapsed)
            found += bool(response.json())

    search, hits = [], 0
    for n in range(CALLS + 5):
        source = rng.choice(stored).split()
        query = " ".join(rng.sample(source, min(len(source), rng.choice((2, 3)))))
        started = time.perf_counter()
        response = client.get(base, {"q": query})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        if n >= 5:
            search.append(elapsed)
            hits += response.json()["count"] > 0

    print(f"POST claims/ (near-duplicate check): {created} created, {duplicates} answered 409 with similar claims")
    print(f"GET claims/similar/: {found} of {CALLS} near copies found their original or another close claim")
    print(f"GET claims/?q=: {hits} of {CALLS} two- or three-word queries found claims")
    for name, timings, goal in (
        ("POST claims/", create, 100),
        ("GET similar/", similar, 100),
        ("GET claims/?q=", search, None),
    ):
        p50, p95, worst = percentiles(timings)
        verdict = "" if goal is None else f"   goal p95 < {goal} ms: {'met' if p95 < goal else 'NOT met'}"
        print(f"{name:16} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   max {worst:7.2f} ms{verdict}")


if __name__ == "__main__":
    main()
