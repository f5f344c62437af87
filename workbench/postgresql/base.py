"""Django's PostgreSQL backend, with the health check of a persistent connection skipped while it is busy.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first statement of every request that reuses a
connection: a round trip on each request (0.1–0.2 ms of a 5 ms span save over HTTP, issue 17) to learn that a
connection used a moment ago still works. As PgBouncer does (`server_check_delay`, 30 s by default), a
connection that opened a cursor less than `HEALTH_CHECK_IDLE` seconds ago (DB_HEALTH_CHECK_IDLE, 10 s) is
reused without the check; one idle longer is checked as before. If the server dropped a connection within
that window (a restart), its next request fails with a 503 that says nothing was saved
(`annotations.middleware.DatabaseUnavailable`; the workspace sends the save again with its
Idempotency-Key) and Django closes the connection at the end of that request, so the one after reconnects.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.used_at = float("-inf")  # time.monotonic() of the last cursor opened on this connection

    def close_if_health_check_failed(self):
        now = time.monotonic()
        if (
            self.connection is not None
            and not self.health_check_done
            and now - self.used_at < self.settings_dict.get("HEALTH_CHECK_IDLE", 0)
        ):
            self.health_check_done = True  # used a moment ago: no round trip to ask
        else:
            super().close_if_health_check_failed()
        self.used_at = now  # before a new connection too: _cursor() runs this, then ensure_connection()
