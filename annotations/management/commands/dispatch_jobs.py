"""Publishes what the outbox holds and replaces jobs whose worker died, once or every few seconds.

docker-compose runs `dispatch_jobs --loop` beside the workers: it needs the database but not the
broker, so work asked for while Redis was down (or hung) is sent as soon as Redis answers again.
"""

import time

from django.db import connections

from annotations.management.commands._base import WorkbenchCommand
from annotations.services.enqueue import outbox_prune, outbox_send
from annotations.services.sweep import jobs_sweep_all


class Command(WorkbenchCommand):
    help = "Send unsent task messages (outbox) and requeue jobs whose worker stopped; --loop to keep at it."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running (every --interval seconds).")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds (default 5).")
        parser.add_argument("--rounds", type=int, default=0, help="With --loop: stop after this many rounds.")

    def handle(self, *args, loop=False, interval=5.0, rounds=0, **options):
        if interval <= 0:
            self.stderr.write("--interval must be above 0")
            raise SystemExit(2)
        done = 0
        while True:
            replaced = jobs_sweep_all()
            sent = outbox_send()
            if done % 720 == 0:
                outbox_prune()
            if replaced or sent or not loop:
                self.stdout.write(f"sent {sent} message(s); queued {len(replaced)} job(s) again")
            done += 1
            if not loop or (rounds and done >= rounds):
                return
            connections.close_all()  # a long-lived process: no connection outlives a database restart
            time.sleep(interval)
