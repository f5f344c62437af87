from annotations.exporters import FORMATS
from annotations.management.commands._base import WorkbenchCommand
from annotations.services.exports import export_write


class Command(WorkbenchCommand):
    help = (
        "Write a project's gold dataset (final adjudications; with --include-majority also documents whose k "
        "reviewers all submitted, resolved by majority vote). Writes exactly three files: the data file at "
        "PATH, PATH.manifest.json (schema version, counts, label set, agreement summary, SHA-256 of the files) "
        "and PATH.README.md (the dataset card); the directory must exist. Runs in this process and prints "
        f"the counts and the SHA-256. Formats: {', '.join(FORMATS)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument(
            "--format", required=True, dest="fmt", metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}."
        )
        parser.add_argument("--output", required=True, metavar="PATH", help="The data file to write (overwritten).")
        parser.add_argument(
            "--include-majority",
            action="store_true",
            help="Also export unadjudicated documents whose reviewers all submitted, resolved by majority vote.",
        )

        parser.add_argument(
            "--segment-clitics",
            action="store_true",
            help="CoNLL only: cut a token at a clitic boundary (after و ف ب ك ل ال, before an enclitic pronoun) "
            "where a gold span starts or ends, so such spans are exact in BIO.",
        )

    def handle(self, *args, project, fmt, output, include_majority, segment_clitics=False, **options):
        project = self.get_project(project)
        result = export_write(
            project=project,
            fmt=fmt,
            output_path=output,
            include_majority=include_majority,
            segment_clitics=segment_clitics,
        )
        counts = result.counts
        per_label = ", ".join(f"{name} {n}" for name, n in counts["per_label"].items()) or "none"
        majority = counts["resolution"].get("majority", 0)
        self.stdout.write(
            f"Exported {counts['documents']} document(s)"
            + (f" ({majority} resolved by majority vote)" if majority else "")
            + f", {counts['spans']} span(s), {counts['claim_links']} claim link(s), {counts['ratings']} grade(s) "
            f"of project {project.slug!r} as {fmt}."
        )
        self.stdout.write(f"Spans per label: {per_label}")
        for key, value in sorted(result.stats.items()):
            self.stdout.write(f"{key.replace('_', ' ')}: {value}")
        self.stdout.write(f"{result.data_path}  {result.bytes} bytes  sha256 {result.sha256}")
        self.stdout.write(f"{result.manifest_path}")
        self.stdout.write(f"{result.card_path}")
