"""Hand work to Celery only after the transaction commits, and never let a broker outage fail a save.

Tasks are named, not imported: `annotations.tasks` imports the services (each task calls one), so the
services look their task up by name here, and the import graph has no services <-> tasks circle.

With no broker configured Celery runs tasks eagerly, so the callback runs the work in-process.
With a broker that is down, publishing gives up after a bounded retry (settings) and the row that
describes the work stays `pending` with `enqueued=False`: the next request for that work sends it again
(`services.jobs.job_request`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

TASKS_MODULE = "annotations.tasks"


def task_named(name: str):
    """The Celery task `annotations.tasks.<name>` (imported on first use, by name)."""
    return getattr(importlib.import_module(TASKS_MODULE), name)


def send_task(task_name: str, *args, on_sent: Callable[[], None] | None = None) -> bool:
    """Publish now; True if the broker took the message (or the task ran eagerly)."""
    try:
        task_named(task_name).apply_async(args=args)
    except BrokerError:
        logger.warning("broker unavailable: %s%r left pending, to be sent again", task_name, args)
        return False
    if on_sent is not None:
        on_sent()
    return True


def enqueue_on_commit(task_name: str, *args, on_sent: Callable[[], None] | None = None) -> None:
    transaction.on_commit(lambda: send_task(task_name, *args, on_sent=on_sent))
