"""Hand work to Celery through a transactional outbox: no request ever waits on the broker.

`enqueue_on_commit` writes an OutboxMessage in the caller's transaction, so the message exists exactly
when the change that asks for it does. After the commit:

* with no broker configured (development, tests, SQLite) the task runs eagerly, in-process, as before;
* with a broker, a background thread publishes the message (short socket timeouts), so a broker that
  is down or hung costs the request nothing; whatever stays unsent is published by `outbox_send`, which
  `manage.py dispatch_jobs` (and Celery beat) run every few seconds.

Tasks are named, not imported: `annotations.tasks` imports the services (each task calls one), so the
services look their task up by name here, and the import graph has no services <-> tasks circle.
A message may be published twice (a sender dies between publishing and marking it sent): every job
task is idempotent (a finished job is left as it is).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading

from celery import current_app
from django.apps import apps
from django.db import connections, transaction
from django.utils import timezone

from annotations.models import OutboxMessage

logger = logging.getLogger(__name__)

TASKS_MODULE = "annotations.tasks"
SEND_BATCH = 100


def task_named(name: str):
    """The Celery task `annotations.tasks.<name>` (imported on first use, by name)."""
    return getattr(importlib.import_module(TASKS_MODULE), name)


def enqueue_on_commit(task_name: str, *args, job=None) -> OutboxMessage:
    """Asks for `task_name(*args)` once the surrounding transaction commits. `job` (a job row) is marked
    `enqueued` once the broker has taken the message."""
    message = OutboxMessage.objects.create(
        task=task_name,
        args=list(args),
        job_model=type(job).__name__ if job is not None else "",
        job_id=job.pk if job is not None else None,
    )
    transaction.on_commit(lambda: _send_after_commit([message.pk]))
    return message


def enqueue_many_on_commit(task_name: str, calls: list[tuple]) -> None:
    """`enqueue_on_commit(task_name, *args)` for each `args` of `calls`: one INSERT, and after the commit
    one sender for them all. (A 100,000-article import asks for 100 statistics jobs: a sender each would
    be 100 threads opening 100 database connections at once, more than a server allows.)"""
    messages = [OutboxMessage(task=task_name, args=list(args)) for args in calls]
    if not messages:
        return
    ids = [message.pk for message in OutboxMessage.objects.bulk_create(messages)]
    if None in ids:  # a database that cannot return the new ids from one INSERT
        for args in calls:
            enqueue_on_commit(task_name, *args)
        return
    transaction.on_commit(lambda: _send_after_commit(ids))


def tasks_run_eagerly() -> bool:
    """True without a broker: tasks run in-process (the Celery app's setting, which tests may switch)."""
    return bool(current_app.conf.task_always_eager)


_senders: set[threading.Thread] = set()


def _send_after_commit(message_ids: list[int]) -> None:
    if tasks_run_eagerly():
        # the tasks run here, in-process, as they always did without a broker
        outbox_send(ids=message_ids, limit=len(message_ids))
        return
    thread = threading.Thread(target=_send_in_background, args=(message_ids,), daemon=True, name="outbox-send")
    _senders.add(thread)
    thread.start()


def _send_in_background(ids: list[int]) -> None:
    try:
        outbox_send(ids=ids, limit=len(ids))
    except Exception:  # the periodic sender will try again; a request must never see this
        logger.exception("outbox: sending %s failed", ids)
    finally:
        connections.close_all()  # this thread's own database connection
        _senders.discard(threading.current_thread())


def background_sends_join(timeout: float = 30.0) -> None:
    """Waits for the background sends under way (tests, before their database is emptied)."""
    for thread in list(_senders):
        thread.join(timeout)


def outbox_send(*, ids: list[int] | None = None, limit: int = SEND_BATCH) -> int:
    """Publishes unsent messages (the given ones, or the oldest `limit`); answers how many were sent.

    Each message is locked while it is published (SKIP LOCKED: two senders never publish the same one
    at once). A broker error leaves it unsent, with the error and the attempt counted."""
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True)
    if ids is not None:
        unsent = unsent.filter(pk__in=ids)
    sent = 0
    for message_id in list(unsent.order_by("created_at", "id").values_list("pk", flat=True)[:limit]):
        sent += _send_one(message_id)
    return sent


def _send_one(message_id: int) -> bool:
    if tasks_run_eagerly():
        # Mark it sent first, then run it outside any transaction (its work commits on its own).
        message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
        if message is None or not OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
            sent_at=timezone.now(), attempts=message.attempts + 1
        ):
            return False
        _mark_job_enqueued(message)
        task_named(message.task).apply_async(args=tuple(message.args))
        return True
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None or message.sent_at is not None:
            return False
        message.attempts += 1
        try:
            task_named(message.task).apply_async(args=tuple(message.args))
        except Exception as exc:  # kombu's OperationalError, a socket timeout of a hung broker, ...
            logger.warning("outbox: broker refused %s%r: %s", message.task, tuple(message.args), exc)
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at"])
        _mark_job_enqueued(message)
    return True


def _mark_job_enqueued(message: OutboxMessage) -> None:
    if message.job_model and message.job_id is not None:
        apps.get_model("annotations", message.job_model).objects.filter(pk=message.job_id).update(enqueued=True)


def outbox_prune(*, older_than_days: int = 7) -> int:
    """Deletes sent messages older than `older_than_days`; answers how many."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
