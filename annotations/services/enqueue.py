"""Hand work to Celery only after the transaction commits, and never let a broker outage fail a save.

With no broker configured Celery runs tasks eagerly, so the callback runs the work in-process.
With a broker that is down, publishing gives up after a bounded retry (settings) and the
row that describes the work stays `pending` with `enqueued=False` for the sweeper to resend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def send_task(task, *args, on_sent: Callable[[], None] | None = None) -> bool:
    """Publish now; True if the broker took the message (or the task ran eagerly)."""
    try:
        task.apply_async(args=args)
    except BrokerError:
        logger.warning("broker unavailable: %s%r left for the sweeper", task.name, args)
        return False
    if on_sent is not None:
        on_sent()
    return True


def enqueue_on_commit(task, *args, on_sent: Callable[[], None] | None = None) -> None:
    transaction.on_commit(lambda: send_task(task, *args, on_sent=on_sent))
