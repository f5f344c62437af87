from annotations.management.commands._base import WorkbenchCommand
from annotations.services.gold_import import IMPORT_USERNAME, gold_import


class Command(WorkbenchCommand):
    help = (
        "Import a gold JSONL file (as written by export_gold --format jsonl) into a project: documents (matched "
        "by the SHA-256 of their text), missing labels, claims, and final adjudications with their gold spans, "
        "claim links and Admiralty grades. A manifest beside the file (PATH.manifest.json) must match its "
        "SHA-256. All or nothing: a bad line stops the import with its line number and nothing is imported. "
        "The project is created when no project has that slug (named as in the manifest, labels from the file). "
        "Majority resolutions, votes, deciders' names and agreement figures are kept as the file has them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug (created when it does not exist).")
        parser.add_argument("path", metavar="PATH")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            default=None,
            help="The user recorded as the decider of the imported gold "
            f"(default: the system user {IMPORT_USERNAME!r}).",
        )

    def handle(self, *args, project, path, username, **options):
        result = gold_import(project_slug=project, path=path, username=username)
        project = result.project
        if result.created_project:
            self.stdout.write(f"Created project {project.slug!r} ({project.name}).")
        self.stdout.write(
            f"Imported gold for {result.documents} document(s) into {project.slug!r} "
            f"({result.created_documents} new, {result.reused_documents} already in the project): {result.spans} "
            f"span(s), {result.claim_links} claim link(s), {result.ratings} grade(s); {result.created_claims} new "
            f"claim(s)."
        )
        if result.created_labels:
            self.stdout.write(f"New labels: {', '.join(result.created_labels)}")
        if result.skipped_documents:
            self.stdout.write(f"Skipped {result.skipped_documents} document(s) that already had final gold.")
        self.stdout.write(
            "Manifest checked: SHA-256 matches." if result.manifest_checked else "No manifest beside the file."
        )
