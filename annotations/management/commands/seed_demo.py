from django.conf import settings
from django.core.management.base import CommandError

from annotations.management.commands._base import WorkbenchCommand
from annotations.services.demo import demo_seed


class Command(WorkbenchCommand):
    help = "Create the demo project, its labels, the two seed articles and the demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo account (default: random, printed).")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with known passwords; DEBUG is off, so pass --force.")
        result = demo_seed(password=password)
        project = result.project
        self.stdout.write(
            f"Project {project.slug!r} ({'created' if result.project_created else 'already there'}); "
            f"articles: {len(result.imported.created)} imported, {result.imported.skipped} already there."
        )
        for username, chosen in result.passwords.items():
            self.stdout.write(f"  account {username}: password {chosen}")
        if not result.passwords:
            self.stdout.write("  accounts already there; passwords unchanged (pass --password to reset them)")
