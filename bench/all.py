"""Every figure of issue 17 for the workbench, one command:

    .venv/bin/python bench/all.py            # full sizes (takes a while on 2 cores)
    .venv/bin/python bench/all.py --quick    # smaller sizes, same scripts

Runs, each in its own process, on PostgreSQL at 127.0.0.1:5432 (databases named after --db-prefix, so
engineers sharing a host do not drop each other's):
  span_post_bench.py      SQL statements of a span POST; span POST and submit p50 in-process;
  document_post_bench.py  SQL statements of a document POST; its p50/p95 and CPU in-process;
  import_bench.py         bulk import of articles (import_articles and the web import job), documents/s (goal > 2,000);
  export_bench.py         CoNLL (both), Web Annotation (both), CSV and JSONL exports, documents/s, peak memory;
  agreement_job_bench.py  the agreement job on 10,000 documents x 3 reviewers x 50 spans (goal < 5 s);
  workspace_bench.py      a 20,000-character article with 2,000 spans in Chromium (goals 300 ms, 16 ms).
The side-by-side table with doccano and Label Studio comes from ../shared/peer-bench (bench_interleaved.py),
with bench/serve_ours.sh serving ours as shipped. Prints the load average before each part.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db-prefix", default=os.environ.get("BENCH_DB_PREFIX", "workbench"))
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out (span,import,export,...)")
    args = parser.parse_args()
    prefix = args.db_prefix
    env = {
        **os.environ,
        "SPAN_BENCH_DATABASE": f"{prefix}_spanbench",
        "DOCUMENT_BENCH_DATABASE": f"{prefix}_documentbench",
        "IMPORT_BENCH_DATABASE": f"{prefix}_importbench",
        "EXPORT_BENCH_DATABASE": f"{prefix}_exportbench",
        "AGREEMENT_BENCH_DATABASE": f"{prefix}_agreementbench",
    }
    quick = args.quick
    parts = [
        ("span", ["span_post_bench.py", "--documents", "10" if quick else "40"]),
        ("document", ["document_post_bench.py", "--documents", "100" if quick else "300"]),
        ("import", ["import_bench.py", "--documents", "10000" if quick else "100000"]),
        (
            "export",
            ["export_bench.py", "--sizes"] + (["10000"] if quick else ["10000,100000"]),
        ),
        ("agreement", ["agreement_job_bench.py", "--db", "postgres"] + (["--documents", "2000"] if quick else [])),
        ("workspace", ["workspace_bench.py"]),
    ]
    skip = {s for s in args.skip.split(",") if s}
    failed = 0
    for name, command in parts:
        if name in skip:
            continue
        load = os.getloadavg()
        print(f"\n=== {name}: {' '.join(command)} (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "bench" / command[0]), *command[1:]], cwd=ROOT, env=env)
        failed += done.returncode != 0
        print(f"--- {name}: {time.perf_counter() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
