from pathlib import Path

from django.db import transaction

from annotations.management.commands._base import WorkbenchCommand
from annotations.services.documents import documents_import
from annotations.services.imports import documents_write, upload_parse_file

# The web import's formats, read by the same service as POST /api/projects/{id}/imports/.
UPLOAD_SUFFIXES = (".csv", ".zip")


class Command(WorkbenchCommand):
    help = (
        "Import articles into a project: .txt files (one UTF-8 article each), .jsonl files (one object per "
        "line with text and optional title, source, url, published_at, external_id), .csv files with a text "
        "column and .zip files of .txt articles. Exact duplicates are skipped. A bad file or line stops the "
        "import before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args, project, paths, **options):
        project = self.get_project(project)
        uploads = [path for path in paths if Path(path).suffix.lower() in UPLOAD_SUFFIXES]
        others = [path for path in paths if path not in uploads]
        parsed = [upload_parse_file(project=project, path=path) for path in uploads]  # every file before writing
        created = skipped = 0
        with transaction.atomic():
            if others:
                result = documents_import(project=project, paths=others)
                created, skipped = len(result.created), result.skipped
            for articles in parsed:
                result, _suggestions = documents_write(project=project, articles=articles)
                created, skipped = created + len(result.created), skipped + result.skipped
        self.stdout.write(f"Imported {created} article(s) from {len(paths)} file(s); skipped {skipped} duplicate(s).")
