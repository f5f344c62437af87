"""The embedded broker of scripts/run.sh: kombu's SQLAlchemy transport on a SQLite file."""

from __future__ import annotations

import sqlite3


class SQLiteBrokerConnection(sqlite3.Connection):
    """Connections to the broker file in WAL mode with synchronous=NORMAL: a publish (a submit's agreement
    run, an import's statistics job) commits without waiting for fsyncs (~25 ms each in the default
    rollback-journal mode); a crash of the process loses nothing, only a power cut may lose the last
    messages, whose job rows stay pending and are sent again (services.jobs)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA journal_mode=WAL")
        self.execute("PRAGMA synchronous=NORMAL")


def transport_options(broker_url: str, redis_visibility_timeout: int) -> dict:
    """Celery's broker_transport_options for this URL. The SQLAlchemy transport passes its options to
    create_engine, which knows none of Redis's; SQLite files get the connection class above."""
    if broker_url.startswith("sqla+sqlite"):
        return {"connect_args": {"factory": SQLiteBrokerConnection}}
    if broker_url.startswith("sqla+"):
        return {}
    return {"visibility_timeout": redis_visibility_timeout, "socket_timeout": 3, "socket_connect_timeout": 2}


# How often an idle worker asks the embedded broker for work. kombu's virtual transports sleep a second
# between polls of an empty queue, so an export asked for in the browser waited up to a second before the
# worker even saw it; a tenth of a second costs an idle worker ten indexed reads of a SQLite file a second.
SQLITE_POLLING_INTERVAL = 0.1


def tune_embedded_broker(broker_url: str) -> None:
    """Called by the Celery app. The SQLAlchemy transport hands every transport option to create_engine,
    which refuses `polling_interval`, so the interval is set on the transport class instead."""
    if broker_url.startswith("sqla+"):
        from kombu.transport.sqlalchemy import Transport

        Transport.polling_interval = SQLITE_POLLING_INTERVAL
