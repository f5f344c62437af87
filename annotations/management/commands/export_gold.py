from annotations.exporters import FORMATS
from annotations.management.commands._base import WorkbenchCommand
from annotations.services.exports import export_write


class Command(WorkbenchCommand):
    help = (
        "Write a project's gold dataset (final adjudications; with --include-majority also documents whose k "
        "reviewers all submitted, resolved by majority vote). Writes exactly three files: the data file at "
        "PATH, PATH.manifest.json (schema version, counts, label set, agreement summary, SHA-256 of the files) "
        "and PATH.README.md (the dataset card); with --splits, one data file per split instead of PATH "
        "(gold.jsonl gives gold.train.jsonl, gold.dev.jsonl …). The directory must exist. Runs in this process "
        f"and prints the counts and the SHA-256. Formats: {', '.join(FORMATS)}."
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
            "--splits",
            metavar="NAME=F,...",
            default=None,
            help="Split the documents, e.g. train=0.8,dev=0.1,test=0.1 (deterministic from each document's "
            "SHA-256): one data file per split, PATH with .NAME before its extension.",
        )
        parser.add_argument(
            "--split-by-outlet",
            action="store_true",
            help="With --splits: choose the split from the outlet, so one outlet never spans two splits.",
        )
        parser.add_argument(
            "--pseudonymize",
            action="store_true",
            help="Replace usernames (deciders, adjudicators) by stable salted ids user-<12 hex digits>.",
        )
        parser.add_argument(
            "--utf16-offsets",
            action="store_true",
            help="Also write start_utf16/end_utf16 (JavaScript string indices) next to the code point offsets.",
        )

        parser.add_argument(
            "--include-audit",
            action="store_true",
            help="Also write the project's audit trail up to the export (PATH.audit.jsonl, listed in the manifest).",
        )
        parser.add_argument(
            "--segment-clitics",
            action="store_true",
            help="CoNLL only: cut a token at a clitic boundary (after و ف ب ك ل ال, before an enclitic pronoun) "
            "where a gold span starts or ends, so such spans are exact in BIO.",
        )

    def handle(
        self,
        *args,
        project,
        fmt,
        output,
        include_majority,
        splits=None,
        split_by_outlet=False,
        pseudonymize=False,
        utf16_offsets=False,
        segment_clitics=False,
        include_audit=False,
        **options,
    ):
        project = self.get_project(project)
        chosen = {
            "split_by_outlet": split_by_outlet,
            "pseudonymize": pseudonymize,
            "utf16_offsets": utf16_offsets,
            "segment_clitics": segment_clitics,
            "include_audit": include_audit,
        }
        if splits is not None:
            chosen["splits"] = splits
        result = export_write(
            project=project, fmt=fmt, output_path=output, include_majority=include_majority, options=chosen
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
        for item, path in zip(
            [f for f in result.manifest["files"] if f.get("role") == "data"], result.data_paths, strict=True
        ):
            self.stdout.write(f"{path}  {item['bytes']} bytes  sha256 {item['sha256']}")
        self.stdout.write(f"{result.manifest_path}")
        self.stdout.write(f"{result.card_path}")
