"""Benchmark: streaming gold exports (`export_write`, what `export_gold` and the export task run).

Run from the repository root::

    .venv/bin/python bench/export_bench.py                       # the formats of issue 17 at 10,000 and 100,000
    .venv/bin/python bench/export_bench.py --formats jsonl --sizes 10000
    .venv/bin/python bench/export_bench.py --formats conll --sizes 10000 --profile   # where the time goes
    .venv/bin/python bench/export_bench.py --rebuild             # build the data again

Builds once (reused by later runs; not timed) two projects in the PostgreSQL database
`workbench_exportbench` on 127.0.0.1:5432 (created if missing): 10,000 and 100,000 documents of about
900 characters of Arabic, each with a FINAL adjudication holding 20 gold spans, an outlet grade, and a
gold claim link on every tenth document (documents and adjudications with bulk_create, the 2.2 million
gold spans with COPY).

Then exports each size in each format in a fresh child process, so that each peak is measured on its
own: documents per second (the whole export: reading, writing, hashing, the manifest and the card), the
CPU seconds of the export's process (both its threads: the export reads the next chunk in a thread
while it writes one) and the load average when it started (the machine is shared: compare rates at
similar loads), and the peak resident memory of that process (VmHWM), next to its resident memory
before the export (the Python + Django baseline). Goals (issue 17): over 10,000 documents/s, peak RSS
under 300 MB and about the same at both sizes (the export holds a few chunks of documents, never the
project). With --profile, each child also prints where its main thread's CPU time went (cProfile on
thread CPU time, the top functions by own time). Prints the figures; exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = os.environ.get("EXPORT_BENCH_DATABASE", "workbench_exportbench")  # one per engineer on a shared host
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
)
os.environ.pop("CELERY_BROKER_URL", None)

SIZES = (10_000, 100_000)
FORMATS = ("jsonl", "conll", "conll2003", "web-annotation", "web-annotation-jsonl", "csv")
SPANS = 20
GOAL_RATE = 10_000
GOAL_RSS_MB = 300
PARAGRAPH = (
    "قال المرصد السوري لحقوق الإنسان إن عناصر من تنظيم الدولة الإسلامية هاجموا مواقع لقوات النظام في بادية "
    "الرصافة جنوب غرب الرقة صباح يوم الأحد، ما أسفر عن مقتل ثلاثين عنصراً وإصابة آخرين بجروح متفاوتة. وأضاف "
    "المرصد أن الهجوم استُخدمت فيه أسلحة رشاشة وقذائف صاروخية، وأن طائرات حربية روسية شنّت غارات على مواقع "
    "التنظيم في المنطقة عقب الهجوم. وبحسب مصادر محلية فإن الاشتباكات استمرت لساعات قبل أن تنسحب المجموعة "
    "المهاجمة نحو عمق البادية السورية. ونفت وكالة الأنباء الرسمية وقوع خسائر بشرية كبيرة، مؤكدة أن القوات "
    "تصدت للهجوم وكبدت المهاجمين خسائر فادحة في الأرواح والعتاد. ويأتي الهجوم في سياق تصاعد نشاط خلايا التنظيم "
    "في البادية الممتدة بين محافظات حمص ودير الزور والرقة خلال الأشهر الأخيرة، وسط مخاوف من عودته إلى المنطقة."
)


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def slug_for(size: int) -> str:
    return f"export-bench-{size}"


def build(size: int, rebuild: bool) -> None:
    """A project of `size` documents, each with final gold of SPANS spans (skipped when it exists)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.models import Adjudication, AdjudicationStatus, Claim, Document, LabelType, Project
    from annotations.services.demo import labels_ensure
    from annotations.text.normalize import fold_for_search
    from annotations.text.tokens import is_word_token, tokenize

    slug = slug_for(size)
    if rebuild:
        Project.objects.filter(slug=slug).delete()
    project = Project.objects.filter(slug=slug).first()
    if project is not None and Adjudication.objects.filter(document__project=project).count() == size:
        stats_ensure(project)  # data built before tokens were stored at import
        return
    Project.objects.filter(slug=slug).delete()
    started = time.perf_counter()
    project = Project.objects.create(slug=slug, name=f"Export bench ({size:,} documents)", overlap_k=2)
    labels_ensure(project)
    labels = list(LabelType.objects.filter(project=project).order_by("order", "id").values_list("id", flat=True))
    adjudicator, _ = get_user_model().objects.get_or_create(username="bench-adjudicator")
    claim = Claim.objects.create(project=project, text="قُتل ثلاثون عنصراً في بادية الرصافة", verdict="refuted")
    words = [t for t in tokenize(PARAGRAPH) if is_word_token(t)]
    chosen = words[:: max(1, len(words) // SPANS)][:SPANS]
    search_paragraph = fold_for_search(PARAGRAPH)
    now = timezone.now()
    batch = 5_000
    with transaction.atomic():
        for first in range(0, size, batch):
            documents = []
            for n in range(first, min(first + batch, size)):
                prefix = f"خبر رقم {n}: "
                text = prefix + PARAGRAPH
                documents.append(
                    Document(
                        project=project,
                        title=f"هجوم في البادية {n}",
                        text=text,
                        sha256=hashlib.sha256(text.encode()).hexdigest(),
                        search_text=fold_for_search(prefix) + search_paragraph,
                        url=f"https://example.org/news/{n}",
                        external_id=f"bench-{n}",
                        submitted_count=0,
                    )
                )
            Document.objects.bulk_create(documents)
            adjudications = Adjudication.objects.bulk_create(
                [
                    Adjudication(
                        document=document, adjudicator=adjudicator, status=AdjudicationStatus.FINAL, decided_at=now
                    )
                    for document in documents
                ]
            )
            with connection.cursor() as cursor:
                raw = cursor.connection.cursor()
                with raw.copy(
                    'COPY annotations_goldspan (adjudication_id, label_id, start, "end", text, decision, '
                    "decided_by_id, decided_at) FROM STDIN"
                ) as copy:
                    for document, adjudication in zip(documents, adjudications, strict=True):
                        shift = len(document.text) - len(PARAGRAPH)
                        for i, token in enumerate(chosen):
                            copy.write_row(
                                (
                                    adjudication.pk,
                                    labels[i % len(labels)],
                                    token.start + shift,
                                    token.end + shift,
                                    token.text,
                                    "accepted",
                                    adjudicator.pk,
                                    now,
                                )
                            )
                with raw.copy(
                    "COPY annotations_goldreliability (adjudication_id, source_reliability, credibility, "
                    "note, decided_by_id, decided_at) FROM STDIN"
                ) as copy:
                    for adjudication in adjudications:
                        copy.write_row((adjudication.pk, "B", 2, "", adjudicator.pk, now))
                tenth = [a.pk for i, a in enumerate(adjudications) if (first + i) % 10 == 0]
                raw.execute(
                    "INSERT INTO annotations_goldclaimlink (gold_span_id, claim_id, stance, decided_by_id, decided_at) "
                    "SELECT min(id), %s, 'refutes', %s, %s FROM annotations_goldspan WHERE adjudication_id = ANY(%s) "
                    "GROUP BY adjudication_id",
                    [claim.pk, adjudicator.pk, now, tenth],
                )
    stats_ensure(project)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {size:,} documents with {size * SPANS:,} gold spans in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def stats_ensure(project) -> None:
    """What the statistics job stores at import, the tokenizer's tokens included (DocumentStats). The texts
    differ only in their short prefix: its tokens join the paragraph's, shifted (checked on a sample)."""
    from django.db import transaction

    from annotations.models import Document, DocumentStats
    from annotations.services.stats import text_stats
    from annotations.text.tokens import Token, pack_sentences, tokenize, tokenize_sentences

    missing = Document.objects.filter(project=project, stats__isnull=True).order_by("pk")
    if not missing.exists():
        return
    started = time.perf_counter()
    paragraph = tokenize_sentences(PARAGRAPH)
    base = text_stats(PARAGRAPH)
    with transaction.atomic():
        batch = []
        for i, (pk, text) in enumerate(missing.values_list("pk", "text").iterator(chunk_size=5_000)):
            shift = len(text) - len(PARAGRAPH)
            head = tokenize(text[:shift])
            moved = [[Token(t.text, t.start + shift, t.end + shift) for t in group] for group in paragraph]
            groups = [head + moved[0], *moved[1:]]
            if i % 997 == 0:
                assert groups == tokenize_sentences(text), pk
            stats = {**base, "char_count": len(text), "token_count": base["token_count"] + len(head)}
            stats.update(word_count=base["word_count"] + sum(1 for t in head if t.text[0].isalnum()))
            batch.append(DocumentStats(document_id=pk, **{**stats, "tokens": pack_sentences(groups)}))
            if len(batch) == 5_000:
                DocumentStats.objects.bulk_create(batch)
                batch = []
        DocumentStats.objects.bulk_create(batch)
    print(f"stored the tokens of {project.slug} in {time.perf_counter() - started:.0f} s", flush=True)


def vm(field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_mb(pid: int) -> float:
    """The proportional set size of a process in MB (its pages shared with others counted in part)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:  # it has just ended
        pass
    return 0.0


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # a thread that has just ended
            found += [int(n) for n in (task / "children").read_text().split()]
    return found


class PeakPss:
    """The peak of the summed PSS of this process and its children (a parallel export's forked workers,
    which share the pages they inherited: their RSS would count those pages again), sampled every 50 ms."""

    def __init__(self):
        import threading

        self.peak = 0.0
        self.workers = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        me = os.getpid()
        python = os.path.realpath(sys.executable)
        before: set[int] = set()
        while not self.stop.wait(0.05):
            # workers: children running Python seen at the sample before too (not `git describe`, forked from
            # this process for a moment before it runs git: read between the two, its pages would count twice)
            now = {pid for pid in children_of(me) if os.path.realpath(f"/proc/{pid}/exe") == python}
            children, before = now & before, now
            self.workers = max(self.workers, len(children))
            self.peak = max(self.peak, pss_mb(me) + sum(map(pss_mb, children)))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def child(slug: str, fmt: str, profile: bool = False) -> None:
    """One export in this (fresh) process; prints a JSON line with its figures (after the profile)."""
    import resource

    import django

    django.setup()
    from django.db import connection

    from annotations.models import Project
    from annotations.services.exports import export_write

    project = Project.objects.get(slug=slug)
    connection.ensure_connection()
    baseline = vm("VmRSS")
    load = os.getloadavg()[0]
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # this thread's CPU, not the wall clock of a busy host

    def children_cpu() -> float:  # the workers' (and git describe's), once they have ended
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    with tempfile.TemporaryDirectory() as directory, PeakPss() as pss:
        cpu = time.process_time()
        workers_cpu = children_cpu()
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = export_write(project=project, fmt=fmt, output_path=Path(directory) / f"gold.{fmt}")
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        workers_cpu = children_cpu() - workers_cpu
    if profiler is not None:
        import pstats

        stats = pstats.Stats(profiler)
        total = sum(row[2] for row in stats.stats.values())  # own time of every function
        print(f"{fmt}, {result.counts['documents']:,} documents: main thread {total:.2f} CPU s under cProfile")
        for (path, line, name), row in sorted(stats.stats.items(), key=lambda item: -item[1][2])[:15]:
            where = f"{Path(path).name}:{line} {name}" if line else name
            print(f"  {100 * row[2] / total:5.1f}%  {row[2]:6.2f} s  {row[1]:>9,} calls  {where}")
    print(
        json.dumps(
            {
                "documents": result.counts["documents"],
                "spans": result.counts["spans"],
                "seconds": seconds,
                "cpu": cpu,
                "workers_cpu": workers_cpu,
                "workers": pss.workers,
                "peak_pss_mb": pss.peak,
                "load": load,
                "bytes": result.bytes,
                "baseline_mb": baseline,
                "peak_mb": vm("VmHWM"),
                "sha256": result.sha256,
                "isolation": result.manifest["snapshot"]["isolation"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated (any of the registry's)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where each export's main thread spends CPU")
    parser.add_argument(
        "--workers", default="", help="EXPORT_WORKERS for the exports, comma-separated to compare (default: as shipped)"
    )
    parser.add_argument("--child", nargs=2, metavar=("SLUG", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, profile=args.profile)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    formats = [f for f in args.formats.split(",") if f]
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for size in sizes:
        build(size, args.rebuild)
    from django.db import connections

    connections.close_all()
    print(
        f"{'format':20} {'documents':>10} {'spans':>10} {'workers':>7} {'seconds':>8} {'docs/s':>8} {'CPU s':>6} "
        f"{'load':>5} {'MB out':>8} {'RSS before':>10} {'peak RSS':>9} {'peak PSS, all':>13}"
    )
    rows = []
    counts = [int(n) for n in args.workers.split(",") if n] or [None]  # None: as shipped
    for fmt, size, workers in ((f, s, w) for f in formats for s in sizes for w in counts):
        env = dict(os.environ)
        if workers is not None:
            env["EXPORT_WORKERS"] = str(workers)
        command = [
            sys.executable,
            __file__,
            "--child",
            slug_for(size),
            fmt,
            *(["--profile"] if args.profile else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
        if done.returncode != 0:
            print(f"{fmt:20} {size:>10,} failed:\n{done.stderr[-2000:]}")
            continue
        *profile, last = done.stdout.strip().splitlines()
        figures = json.loads(last)
        rate = figures["documents"] / figures["seconds"]
        memory = max(figures["peak_mb"], figures["peak_pss_mb"])
        rows.append((fmt, figures["workers"] or 1, rate, memory))
        print(
            f"{fmt:20} {figures['documents']:>10,} {figures['spans']:>10,} {figures['workers'] or 1:>7} "
            f"{figures['seconds']:>8.2f} {rate:>8,.0f} {figures['cpu'] + figures['workers_cpu']:>6.2f} "
            f"{figures['load']:>5.1f} {figures['bytes'] / 1e6:>8.1f} {figures['baseline_mb']:>8.0f} MB "
            f"{figures['peak_mb']:>6.0f} MB {figures['peak_pss_mb']:>10.0f} MB",
            flush=True,
        )
        if profile:
            print("\n".join(profile), flush=True)
    print(
        f"snapshot: {figures['isolation'] if rows else 'n/a'}; goals: > {GOAL_RATE:,} documents/s, peak memory "
        f"(RSS of the exporting process, or the PSS of it and its workers, whichever is larger) < {GOAL_RSS_MB} MB "
        "and flat between sizes"
    )
    for fmt, workers in sorted({row[:2] for row in rows}, key=lambda key: (formats.index(key[0]), key[1])):
        mine = [row for row in rows if row[:2] == (fmt, workers)]
        rate_ok = all(rate > GOAL_RATE for _, _, rate, _ in mine)
        peaks = [peak for *_, peak in mine]
        flat = max(peaks) - min(peaks) < 30
        memory_ok = max(peaks) < GOAL_RSS_MB and flat
        print(
            f"  {fmt}, {workers} process{'es' if workers > 1 else ''}: rate {'met' if rate_ok else 'NOT met'}, "
            f"memory {'met' if memory_ok else 'NOT met'} "
            f"(peaks {', '.join(f'{p:.0f}' for p in peaks)} MB)"
        )


if __name__ == "__main__":
    main()
