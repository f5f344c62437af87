from annotations.management.commands._base import WorkbenchCommand
from annotations.services.documents import documents_import


class Command(WorkbenchCommand):
    help = (
        "Import articles into a project: .txt files (one UTF-8 article each) and .jsonl files (one object per "
        "line with text and optional title, source, url, published_at, external_id). Exact duplicates are "
        "skipped. A bad file or line stops the import before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args, project, paths, **options):
        result = documents_import(project=self.get_project(project), paths=paths)
        self.stdout.write(
            f"Imported {len(result.created)} article(s) from {result.files} file(s); "
            f"skipped {result.skipped} duplicate(s)."
        )
