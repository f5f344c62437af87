"""Export jobs: files under EXPORT_ROOT named from ids, manifest counts equal to the records written,
SHA-256 of the bytes written, one export in flight per project, failures readable, snapshot reads."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from annotations.errors import ApplicationError, Conflict, UnknownFormat
from annotations.exporters import FORMATS, get_writer
from annotations.models import ExportJob, JobStatus
from annotations.services import exports
from annotations.services.exports import (
    export_file_path,
    export_run_create,
    export_run_execute,
    export_write,
)
from annotations.services.jobs import job_stale_after
from annotations.tasks import export_run_task
from tests.factories import DocumentFactory, SourceFactory
from tests.selectors.test_gold import TEXT_A, at, finalize, gold, reviewed  # noqa: F401


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def run(project, fmt="jsonl", **kwargs) -> ExportJob:
    with mock.patch.object(export_run_task, "apply_async") as sent:
        job = export_run_create(project=project, fmt=fmt, **kwargs)
    assert not sent.called  # only after commit (never here: the test's transaction does not commit)
    return export_run_execute(export_id=job.pk)


def manifest_of(job: ExportJob) -> dict:
    return json.loads(export_file_path(job, "manifest").read_text(encoding="utf-8"))


def test_an_export_writes_three_files_named_from_ids(project, gold, manager, export_root):
    job = run(project, requested_by=manager)
    assert job.status == JobStatus.DONE and job.progress == 1.0 and job.error == ""
    assert job.file_name == f"gold-badia-{job.pk}.jsonl"
    assert files_under(export_root) == [
        f"{project.pk}/{job.pk}/README.md",
        f"{project.pk}/{job.pk}/{job.file_name}",
        f"{project.pk}/{job.pk}/manifest.json",
    ]
    data = export_file_path(job).read_bytes()
    assert hashlib.sha256(data).hexdigest() == job.sha256
    lines = data.decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [gold["a"].pk, gold["b"].pk]
    assert job.counts["documents"] == 2 and job.counts["spans"] == 7 and job.counts["claim_links"] == 2
    assert job.counts["per_label"] == {"actor": 2, "place": 3, "casualty_figure": 2}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_manifest_counts_what_the_file_holds_and_its_sha256(project, gold, fmt):
    job = run(project, fmt)
    manifest = manifest_of(job)
    data = export_file_path(job).read_bytes()
    card = export_file_path(job, "card").read_bytes()
    assert manifest["schema_version"] == 2 and manifest["format"]["name"] == fmt
    assert [f["name"] for f in manifest["files"]] == [job.file_name, "README.md"]
    assert manifest["files"][0]["sha256"] == hashlib.sha256(data).hexdigest() == job.sha256
    assert manifest["files"][0]["bytes"] == len(data)
    assert manifest["files"][1]["sha256"] == hashlib.sha256(card).hexdigest()
    assert "code point" in manifest["offsets"]["unit"] and manifest["offsets"]["normalization"] == "NFC"
    assert [label["name"] for label in manifest["labels"]] == ["actor", "place", "casualty_figure"]
    assert manifest["labels"][0]["name_ar"] == "فاعل"
    assert manifest["project"] == {"slug": "badia", "name": project.name}
    assert manifest["code_version"] and manifest["exported_at"] == job.started_at.isoformat()
    assert manifest["agreement"] is None
    counts = manifest["counts"]
    text = data.decode("utf-8")
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines()]
        assert counts["documents"] == len(records)
        assert counts["spans"] == sum(len(r["spans"]) for r in records)
        assert counts["claim_links"] == sum(len(r["claim_links"]) for r in records)
        assert counts["ratings"] == sum(len(r["reliability"]) for r in records)
        for record in records:
            for span in record["spans"]:
                assert record["text"][span["start"] : span["end"]] == span["text"]
    elif fmt == "conll":
        assert text.count("# doc_id = ") == counts["documents"]
        assert (
            sum(line.count("\tB-") for line in text.split("\n"))
            == counts["spans"] - manifest["format_stats"]["conll_spans_left_out"]
        )
    elif fmt in ("web-annotation", "web-annotation-jsonl"):
        if fmt == "web-annotation":
            items = [item for page in json.loads(text)["@graph"][:-1] for item in page["items"]]
        else:
            items = [json.loads(line) for line in text.splitlines()]
        assert len(items) == manifest["format_stats"]["annotations"]
        assert sum(item["motivation"] == "tagging" for item in items) == counts["spans"]
        assert sum(item["motivation"] == "linking" for item in items) == counts["claim_links"]
        assert sum(item["motivation"] == "assessing" for item in items) == counts["ratings"]
    elif fmt == "claimreview":
        assert len(json.loads(text)["@graph"]) == manifest["format_stats"]["claim_reviews"] == 1
    elif fmt == "conll2003":
        assert text.count("-DOCSTART- -X- O O\n") == counts["documents"]
        assert (
            sum(line.endswith((" B-actor", " B-place", " B-casualty_figure")) for line in text.split("\n"))
            == (manifest["format_stats"]["conll2003_entities"])
        )
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))[1:]
        assert len(rows) == counts["spans"]  # every gold document here has spans
    assert f"`{job.file_name}` |  | `{job.sha256}`" in export_file_path(job, "card").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_gold_exported_twice_gives_the_same_bytes(project, gold, fmt):
    first = run(project, fmt)
    second = run(project, fmt)
    assert first.pk != second.pk and first.sha256 == second.sha256
    assert export_file_path(first).read_bytes() == export_file_path(second).read_bytes()


def test_unknown_format_is_refused_before_anything_is_stored(project, manager):
    with pytest.raises(UnknownFormat) as caught, mock.patch.object(export_run_task, "apply_async") as sent:
        export_run_create(project=project, fmt="xlsx", requested_by=manager)
    assert caught.value.status_code == 400 and "xlsx" in caught.value.fields["format"][0]
    assert not ExportJob.objects.exists() and not sent.called


def test_one_export_in_flight_per_project(project, other_project, manager):
    running = ExportJob.objects.create(project=project, format="jsonl", status=JobStatus.RUNNING)
    with pytest.raises(Conflict) as caught:
        export_run_create(project=project, fmt="csv", requested_by=manager)
    assert caught.value.status_code == 409
    assert caught.value.message == "An export for this project is already running."
    assert caught.value.extra == {"id": running.pk}
    assert ExportJob.objects.filter(project=project).count() == 1
    with mock.patch.object(export_run_task, "apply_async"):
        assert export_run_create(project=other_project, fmt="csv").status == JobStatus.PENDING


def test_a_running_export_whose_worker_died_no_longer_blocks(project, settings):
    from django.utils import timezone

    old = timezone.now() - job_stale_after() - timedelta(seconds=1)
    dead = ExportJob.objects.create(project=project, format="jsonl", status=JobStatus.RUNNING, started_at=old)
    with mock.patch.object(export_run_task, "apply_async"):
        job = export_run_create(project=project, fmt="jsonl")
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED and "worker stopped" in dead.error
    assert job.status == JobStatus.PENDING


def test_the_task_is_sent_once_the_request_commits(project, manager, django_capture_on_commit_callbacks):
    with mock.patch.object(export_run_task, "apply_async") as sent, django_capture_on_commit_callbacks(execute=True):
        job = export_run_create(project=project, fmt="jsonl", requested_by=manager)
    sent.assert_called_once_with(args=(job.pk,))
    job.refresh_from_db()
    assert job.enqueued and job.options == {
        "include_majority": False,
        "splits": None,
        "split_by_outlet": False,
        "pseudonymize": False,
        "utf16_offsets": False,
        "segment_clitics": False,
        "include_audit": False,
    }


def test_eager_celery_runs_the_export_after_commit(project, gold, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_run_create(project=project, fmt="conll", requested_by=manager)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.file_name.endswith(".conll")


def test_execute_is_idempotent_and_a_missing_export_is_nothing(project, gold):
    job = run(project)
    mtime = os.stat(export_file_path(job)).st_mtime_ns
    again = export_run_execute(export_id=job.pk)
    assert again.status == JobStatus.DONE and os.stat(export_file_path(job)).st_mtime_ns == mtime
    assert export_run_execute(export_id=10**9) is None


def test_a_failure_is_stored_readably_and_leaves_no_partial_file(project, gold, export_root):
    job = ExportJob.objects.create(project=project, format="jsonl")

    def broken(documents, context, stats=None):
        yield "partial\n"
        raise ValueError("the disk said no")

    writer = dataclasses.replace(get_writer("jsonl"), write=broken, body=None)
    with mock.patch.object(exports, "get_writer", return_value=writer):
        failed = export_run_execute(export_id=job.pk)
    assert failed.status == JobStatus.FAILED and failed.finished_at is not None
    assert failed.error == "The export could not be written: ValueError: the disk said no"
    assert files_under(export_root) == []
    assert export_file_path(failed) is None


def test_a_transient_database_error_is_left_to_the_task_retry(project, gold):
    job = ExportJob.objects.create(project=project, format="jsonl")
    with (
        mock.patch.object(exports, "gold_records", side_effect=OperationalError("server closed the connection")),
        pytest.raises(OperationalError),
    ):
        export_run_execute(export_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # the retry writes it again
    assert export_run_execute(export_id=job.pk).status == JobStatus.DONE


def test_the_task_marks_the_export_failed_when_retries_are_exhausted(project):
    job = ExportJob.objects.create(project=project, format="jsonl", status=JobStatus.RUNNING)
    export_run_task.on_failure(RuntimeError("boom"), "task-id", (job.pk,), {}, None)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "The export could not be written: RuntimeError: boom"


def test_user_strings_never_become_paths(project, reviewer1, reviewer2, adjudicator, export_root, tmp_path):
    """No path traversal: source, url and external_id like ../../../../etc/passwd export as data; every
    file written is under the export's own directory, named from ids."""
    project.slug = "../../etc"
    project.save()
    hostile = "/data/upload/../../../../etc/passwd"
    source = SourceFactory(name="../../../../etc/passwd")
    doc = DocumentFactory(
        project=project,
        text=TEXT_A,
        source=source,
        url=hostile,
        external_id="../../../../etc/passwd",
        title="/etc/passwd",
    )
    reviewed(doc, [reviewer1, reviewer2])
    finalize(doc, adjudicator, [(*at(TEXT_A, "الجَيْشُ"), "actor")])
    before = set(tmp_path.rglob("*"))
    for fmt in FORMATS:
        job = run(project, fmt)
        assert job.status == JobStatus.DONE, job.error
        assert job.file_name == f"gold-etc-{job.pk}.{job.file_name.rsplit('.', 1)[1]}"
        data = export_file_path(job).read_text(encoding="utf-8")
        assert "root:x:0:0" not in data
    written = set(tmp_path.rglob("*")) - before
    assert all(export_root in p.parents or p == export_root for p in written)
    assert all(p.parent.name.isdigit() and p.parent.parent.name == str(project.pk) for p in written if p.is_file())
    record = json.loads(export_file_path(ExportJob.objects.filter(format="jsonl").get()).read_text())
    assert record["source"] == "../../../../etc/passwd" and record["url"] == hostile  # unchanged data


def test_snapshot_gold_finalized_while_the_export_runs_is_not_in_it(project, gold, adjudicator):
    """An export is a consistent snapshot: adjudicating more documents during the export changes neither the file nor
    its manifest, which agree with each other."""
    job = ExportJob.objects.create(project=project, format="jsonl")
    real = exports.gold_records

    def interleaved(*args, **kwargs):
        for n, record in enumerate(real(*args, chunk_size=1, **{k: v for k, v in kwargs.items() if k != "chunk_size"})):
            if n == 0:  # while the export reads: another document becomes gold
                finalize(gold["c"], adjudicator, [])
            yield record

    with mock.patch.object(exports, "gold_records", interleaved):
        job = export_run_execute(export_id=job.pk)
    records = [json.loads(line) for line in export_file_path(job).read_text().splitlines()]
    assert [r["id"] for r in records] == [gold["a"].pk, gold["b"].pk]
    manifest = manifest_of(job)
    assert manifest["counts"]["documents"] == len(records) == job.counts["documents"]
    assert manifest["counts"]["spans"] == sum(len(r["spans"]) for r in records)
    assert manifest["files"][0]["sha256"] == hashlib.sha256(export_file_path(job).read_bytes()).hexdigest()
    assert all(r["text"][s["start"] : s["end"]] == s["text"] for r in records for s in r["spans"])
    assert run(project).counts["documents"] == 3  # the next export has it


def test_majority_option_is_kept_on_the_job_and_in_the_manifest(project, gold):
    job = run(project, include_majority=True)
    assert job.options["include_majority"] is True
    assert job.counts["resolution"] == {"adjudicated": 2, "majority": 1}
    assert manifest_of(job)["options"] == job.options


def test_the_collector_is_off_while_the_data_is_written_and_back_on_after(project, gold, tmp_path):
    import gc

    enabled_while_reading = []
    real = exports.gold_records

    def spying(*args, **kwargs):
        for record in real(*args, **kwargs):
            enabled_while_reading.append(gc.isenabled())
            yield record

    with mock.patch.object(exports, "gold_records", spying):
        export_write(project=project, fmt="jsonl", output_path=tmp_path / "gold.jsonl")
        assert enabled_while_reading == [False, False] and gc.isenabled()
        gc.disable()  # a caller that had it off keeps it off
        try:
            export_write(project=project, fmt="jsonl", output_path=tmp_path / "gold.jsonl")
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_export_write_writes_exactly_the_three_documented_files(project, gold, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = export_write(project=project, fmt="web-annotation", output_path=out / "gold.jsonld")
    assert sorted(p.name for p in out.iterdir()) == [
        "gold.jsonld",
        "gold.jsonld.README.md",
        "gold.jsonld.manifest.json",
    ]
    manifest = json.loads((out / "gold.jsonld.manifest.json").read_text())
    assert manifest["files"][0] == {
        "name": "gold.jsonld",
        "role": "data",
        "media_type": "application/ld+json",
        "sha256": result.sha256,
        "bytes": (out / "gold.jsonld").stat().st_size,
    }
    assert manifest["snapshot"]["isolation"] in ("repeatable read", "decided_at <= snapshot")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_export_reads_one_repeatable_read_snapshot(project, gold, adjudicator):
    """An export is a consistent snapshot, with real concurrency: while the export reads (one REPEATABLE
    READ transaction), another connection finalizes a document and renames one not read yet; the file shows neither, the
    manifest agrees with the file, and the progress written meanwhile is visible to others."""
    import threading
    import time

    from django.db import connection, connections

    from annotations.models import Document
    from tests.conftest import require_service

    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    job = ExportJob.objects.create(project=project, format="jsonl")
    real = exports.gold_records
    seen = {}

    def elsewhere():
        try:
            deadline = time.monotonic() + 10  # the progress thread writes it within PROGRESS_INTERVAL
            while (progress := ExportJob.objects.get(pk=job.pk).progress) < 0.5 and time.monotonic() < deadline:
                time.sleep(0.02)
            seen["progress"] = progress
            finalize(gold["c"], adjudicator, [])
            Document.objects.filter(pk=gold["b"].pk).update(title="عنوان جديد")
        except Exception as exc:  # reported by the assertion below
            seen["error"] = exc
        finally:
            connections.close_all()

    def interleaved(*args, **kwargs):
        kwargs["chunk_size"] = 1
        records = real(*args, **kwargs)
        yield next(records)
        thread = threading.Thread(target=elsewhere)  # its own connection, committing at once
        thread.start()
        thread.join(timeout=30)
        yield from records

    with mock.patch.object(exports, "gold_records", interleaved):
        job = export_run_execute(export_id=job.pk)
    assert "error" not in seen, seen.get("error")
    assert seen["progress"] == pytest.approx(0.5)  # written through the second connection, seen by a third
    records = [json.loads(line) for line in export_file_path(job).read_text().splitlines()]
    assert [r["id"] for r in records] == [gold["a"].pk, gold["b"].pk]
    assert records[1]["title"] == "-عنوان"  # read after the rename committed, from the snapshot
    manifest = manifest_of(job)
    assert manifest["snapshot"]["isolation"] == "repeatable read"
    assert manifest["counts"]["documents"] == 2 and manifest["counts"]["spans"] == sum(len(r["spans"]) for r in records)
    assert manifest["files"][0]["sha256"] == hashlib.sha256(export_file_path(job).read_bytes()).hexdigest()
    later = export_run_execute(export_id=ExportJob.objects.create(project=project, format="jsonl").pk)
    assert later.counts["documents"] == 3


# --- options (issue 14) -----------------------------------------------------------------------------------
def test_splits_write_one_file_per_split_chosen_from_each_documents_sha256(project, gold):
    from annotations.exporters.options import parse_options, split_of

    job = run(project, options={"splits": "train=0.5,dev=0.25,test=0.25"})
    manifest = manifest_of(job)
    data = [f for f in manifest["files"] if f["role"] == "data"]
    assert [f["split"] for f in data] == ["train", "dev", "test"]
    assert [f["name"] for f in data] == [f"gold-badia-{job.pk}.{name}.jsonl" for name in ("train", "dev", "test")]
    options = parse_options({"splits": "train=0.5,dev=0.25,test=0.25"})
    seen = []
    for item in data:
        path = export_file_path(job, item["split"])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert split_of(record["sha256"], record["source_domain"], options) == item["split"]
            seen.append(record["id"])
        assert manifest["splits"]["splits"][item["split"]]["documents"] == len(
            path.read_text(encoding="utf-8").splitlines()
        )
    assert sorted(seen) == [gold["a"].pk, gold["b"].pk] and manifest["counts"]["documents"] == 2
    assert job.file_name == data[0]["name"] and set(job.counts["split_files"][0]) >= {"split", "name", "sha256"}
    # the same article goes to the same split whatever the project: the split is a function of the text
    assert split_of(gold["a"].sha256, "", options) == split_of(gold["a"].sha256, "", options)
    card = export_file_path(job, "card").read_text(encoding="utf-8")
    for item in data:
        assert f'- split: "{item["split"]}"\n    path: "{item["name"]}"' in card


def test_split_by_outlet_keeps_an_outlet_in_one_split():
    from annotations.exporters.options import parse_options, split_of

    options = parse_options({"splits": "train=0.34,dev=0.33,test=0.33", "split_by_outlet": True})
    digests = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(200)]
    assert len({split_of(d, "syriahr.com", options) for d in digests}) == 1
    assert len({split_of(d, "", options) for d in digests}) == 3  # no outlet: each document by its own hash
    plain = parse_options({"splits": "train=0.8,dev=0.1,test=0.1"})
    counts = {name: sum(split_of(d, "", plain) == name for d in digests) for name in ("train", "dev", "test")}
    assert counts["train"] > counts["dev"] and counts["train"] > counts["test"]


def test_pseudonymize_replaces_every_username_by_a_stable_salted_id(project, gold, settings):
    settings.EXPORT_PSEUDONYM_SALT = "pepper"
    first = export_file_path(run(project, options={"pseudonymize": True})).read_text(encoding="utf-8")
    assert "adjudicator" not in first.replace('"adjudicator":', "")
    records = [json.loads(line) for line in first.splitlines()]
    names = {records[0]["adjudicator"]} | {s["decided_by"] for r in records for s in r["spans"]}
    assert len(names) == 1 and next(iter(names)).startswith("user-") and len(next(iter(names))) == 17
    again = export_file_path(run(project, options={"pseudonymize": True})).read_text(encoding="utf-8")
    assert again == first  # stable
    settings.EXPORT_PSEUDONYM_SALT = "other salt"
    salted = export_file_path(run(project, options={"pseudonymize": True})).read_text(encoding="utf-8")
    assert json.loads(salted.splitlines()[0])["adjudicator"] != records[0]["adjudicator"]


def test_utf16_offsets_are_javascript_string_indices(project, gold):
    records = [
        json.loads(line)
        for line in export_file_path(run(project, options={"utf16_offsets": True})).read_text().splitlines()
    ]
    checked = 0
    for record in records:
        units = record["text"].encode("utf-16-le")
        for span in record["spans"] + record["claim_links"]:
            quote = record["text"][span["start"] : span["end"]]
            assert units[2 * span["start_utf16"] : 2 * span["end_utf16"]].decode("utf-16-le") == quote
            checked += 1
    after_emoji = [s for s in records[0]["spans"] if s["start"] > records[0]["text"].index("😢")]
    assert after_emoji and all(s["start_utf16"] == s["start"] + 1 for s in after_emoji)
    assert checked > 5


def test_the_agreement_summary_covers_exactly_the_exported_documents(project, gold):
    from annotations.models import AgreementRun, JobStatus

    AgreementRun.objects.create(
        project=project,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        results={
            "summary": {"token_alpha": 0.1, "documents": 3},
            "documents": [
                {"document": gold["a"].pk, "token_alpha": 0.5, "overlap_f1": 1.0, "reviewers": 2},
                {"document": gold["b"].pk, "token_alpha": 0.7, "overlap_f1": None, "reviewers": 2},
                {"document": gold["c"].pk, "token_alpha": -0.9, "overlap_f1": 0.0, "reviewers": 2},  # not gold
            ],
        },
    )
    agreement = manifest_of(run(project))["agreement"]
    assert agreement["summary"] == {
        "documents": 2,
        "documents_with_figures": 2,
        "token_alpha_mean": pytest.approx(0.6),
        "token_alpha_documents": 2,
        "overlap_f1_mean": 1.0,
        "overlap_f1_documents": 1,
    }
    assert agreement["project_run_summary"] == {"token_alpha": 0.1, "documents": 3}
    # with splits: the summary is of all exported documents, across the split files
    assert manifest_of(run(project, options={"splits": "a=0.5,b=0.5"}))["agreement"]["summary"]["documents"] == 2


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"splits": "train=0.8,dev=0.3"}, "splits"),
        ({"splits": "train=0.8"}, "splits"),
        ({"splits": "train=x,dev=0.2"}, "splits"),
        ({"splits": "../x=0.5,y=0.5"}, "splits"),
        ({"splits": "a=0.5,a=0.5"}, "splits"),
        ({"split_by_outlet": True}, "split_by_outlet"),
        ({"pseudonymize": "yes"}, "pseudonymize"),
        ({"utf16_offsets": 1}, "utf16_offsets"),
        ({"colour": True}, "colour"),
    ],
)
def test_bad_options_are_refused_with_the_field_before_anything_is_stored(project, manager, options, field):
    with pytest.raises(ApplicationError) as caught:
        export_run_create(project=project, fmt="jsonl", requested_by=manager, options=options)
    assert caught.value.status_code == 400 and list(caught.value.fields) == [field]
    assert not ExportJob.objects.exists()


def test_claimreview_urls_come_from_the_configured_public_base_url(project, gold, settings):
    settings.PUBLIC_BASE_URL = "https://workbench.example.org"
    settings.EXPORT_ORGANIZATION_NAME = "مرصد التحقق"
    (review,) = json.loads(export_file_path(run(project, "claimreview")).read_text(encoding="utf-8"))["@graph"]
    assert review["url"] == f"https://workbench.example.org/claims/{gold['refuted'].pk}/"
    assert review["author"] == {"@type": "Organization", "name": "مرصد التحقق", "url": "https://workbench.example.org/"}
    assert review["datePublished"] and review["reviewRating"]["ratingValue"] == 1
    assert review["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "المرصد السوري",
        "url": "https://syriahr.com/",
    }
    assert review["itemReviewed"]["datePublished"] == "2023-11-08T10:00:00+00:00"


def test_a_split_file_imports_against_its_own_entry_in_the_manifest(project, gold, other_project):
    from annotations.services.gold_import import gold_import

    job = run(project, options={"splits": "a=0.5,b=0.5"})
    for split in ("a", "b"):
        result = gold_import(project=other_project, path=export_file_path(job, split))
        assert result.manifest_checked


def test_the_audit_trail_is_exported_on_request(project, gold, manager, export_root, settings):
    """Who decided what, beside the gold: every audit entry up to the snapshot, pseudonymized on request."""
    from annotations.models import AuditEntry

    job = run(project, requested_by=manager, options={"include_audit": True, "pseudonymize": True})
    assert job.status == JobStatus.DONE
    path = export_file_path(job, "audit")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == AuditEntry.objects.filter(project=project).count() > 0
    assert {"span.created", "assignment.submitted", "adjudication.finalized"} <= {line["kind"] for line in lines}
    assert all(line["actor"] is None or line["actor"].startswith("user-") for line in lines)
    listed = {item["role"]: item for item in manifest_of(job)["files"]}
    assert listed["audit"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    plain = run(project, requested_by=manager)
    assert export_file_path(plain, "audit") is None and "audit" not in {i["role"] for i in manifest_of(plain)["files"]}


@pytest.mark.parametrize(("fmt", "reads"), [("jsonl", False), ("csv", False), ("conll", True), ("conll2003", True)])
def test_only_the_conll_writers_read_the_stored_tokens(project, gold, tmp_path, fmt, reads):
    """About 1 KB a document that only CoNLL uses: the other exports do not fetch it."""
    from annotations.selectors import gold as gold_selectors

    with mock.patch.object(gold_selectors, "_stored_tokens", wraps=gold_selectors._stored_tokens) as stored:
        export_write(project=project, fmt=fmt, output_path=tmp_path / f"gold.{fmt}")
    assert stored.called is reads


def test_the_disk_is_asked_to_write_the_file_as_it_grows(tmp_path, monkeypatch):
    """Writeback starts every WRITEBACK bytes (POSIX_FADV_DONTNEED), in order and without gaps, so the closing
    fsync waits for the last blocks only; the bytes and their hash are those of the text."""
    monkeypatch.setattr(exports, "WRITEBACK", 3 << 20)
    calls = []
    monkeypatch.setattr(exports.os, "posix_fadvise", lambda fd, offset, length, advice: calls.append((offset, length)))
    pieces = [f"سطر {n} ".encode() * 120_000 for n in range(10)]  # 10.8 MB
    sha256, size = exports._stream_to(tmp_path / "out", pieces, encoded=True)
    data = (tmp_path / "out").read_bytes()
    assert size == len(data) == sum(map(len, pieces)) and sha256 == hashlib.sha256(data).hexdigest()
    assert len(calls) == 3 and calls[0][0] == 0
    assert all(offset == before + length for (before, length), (offset, _) in zip(calls, calls[1:], strict=False))
    assert all(length >= 3 << 20 for _, length in calls) and calls[-1][0] + calls[-1][1] <= size


def test_an_export_whose_worker_died_leaves_no_half_written_files(
    project, export_root, django_capture_on_commit_callbacks
):
    """A worker killed while writing leaves its temporary files (a parallel export's parts too) in the export's
    directory. Once the export is failed as dead, by the sweep or by the next request, the directory goes;
    other exports' files stay."""
    from annotations.services.sweep import jobs_sweep_all

    old = timezone.now() - job_stale_after() - timedelta(seconds=1)
    done = run(project, "jsonl")
    kept = files_under(export_root)
    for ended_by in ("sweep", "request"):
        dead = ExportJob.objects.create(project=project, format="csv", status=JobStatus.RUNNING, started_at=old)
        directory = exports.export_directory(project.pk, dead.pk)
        directory.mkdir(parents=True)
        (directory / ".gold-x.csv.0a1b2c.part").write_bytes(b"half")
        (directory / ".00000003-0000001B-1.all.7.part").write_bytes(b"a part")
        with django_capture_on_commit_callbacks(execute=True), mock.patch.object(export_run_task, "apply_async"):
            if ended_by == "sweep":
                (replacement,) = jobs_sweep_all()
            else:
                replacement = export_run_create(project=project, fmt="csv")
        dead.refresh_from_db()
        assert dead.status == JobStatus.FAILED and not directory.exists(), ended_by
        assert replacement.pk != dead.pk and replacement.format == "csv"  # queued again / the new request
    assert set(kept) <= set(files_under(export_root)) and export_file_path(done).is_file()  # others' stay
