"""Shared command plumbing: application errors become one readable line and a non-zero exit."""

from django.core.management.base import BaseCommand, CommandError

from annotations.errors import ApplicationError
from annotations.models import Project


class WorkbenchCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def get_project(self, slug: str) -> Project:
        try:
            return Project.objects.get(slug=slug)
        except Project.DoesNotExist:
            known = ", ".join(Project.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No project with slug {slug!r} (known: {known}).") from None
