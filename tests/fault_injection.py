"""Loaded into a test worker with `celery worker -I tests.fault_injection`: with FAULT_SLOW_WORK=<seconds>
in its environment, every job's work first waits that long (heartbeats keep going), so a test can kill
the worker in the middle of a running job. Without the variable it changes nothing."""

import os
import time

from annotations.services import agreement_runs, exports

DELAY = float(os.environ.get("FAULT_SLOW_WORK", "0") or 0)


def _slowed(work):
    def slow(job, context):
        time.sleep(DELAY)
        return work(job, context)

    return slow


if DELAY > 0:
    agreement_runs._compute_run = _slowed(agreement_runs._compute_run)
    exports._write_job = _slowed(exports._write_job)
