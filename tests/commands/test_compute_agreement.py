"""compute_agreement: computes (eagerly without a broker) and prints a readable summary."""

import io
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from annotations.models import AgreementRun, JobStatus
from annotations.services import agreement_runs, jobs
from tests.services.test_agreement_runs import annotated, two_documents  # noqa: F401


def run(*argv):
    """As from a shell (exit code, stderr), but keeping the test's database connection open."""
    with mock.patch("django.core.management.base.connections.close_all"):
        execute_from_command_line(["manage.py", "compute_agreement", *map(str, argv)])


def test_prints_the_summary_of_a_computed_run(project, annotated, capsys):  # noqa: F811
    out = io.StringIO()
    call_command("compute_agreement", "--project", project.slug, stdout=out)
    run_row = AgreementRun.objects.get(project=project)  # the submissions' pending run, reused
    assert run_row.status == JobStatus.DONE
    results = run_row.results
    text = out.getvalue()
    assert text.startswith(f"Agreement of project 'badia' ({project.name}): run {run_row.pk}, done")
    assert "Documents: 2 (2 with two or more reviewers); submitted assignments: 4; reviewers: 2; spans: 11" in text
    assert f"Token-level alpha (nominal):           {results['project']['token_alpha']:.3f}  [95% CI" in text
    assert f"micro {results['project']['span_f1']['overlap']['micro']:.3f}" in text
    assert "Credibility alpha (1-5, 6 out):        n/a (Krippendorff's alpha is undefined" in text
    table = text[text.index("label ") :].splitlines()
    assert table[0].split() == ["label", "token", "alpha", "exact", "F1", "overlap", "F1", "spans"]
    actor = next(row for row in results["labels"] if row["label"] == "actor")
    assert table[1].split() == [
        "actor",
        f"{actor['token_alpha']:.3f}",
        f"{actor['exact_f1']:.3f}",
        f"{actor['overlap_f1']:.3f}",
        str(actor["spans"]),
    ]
    assert "reviewer1 / reviewer2:" in text

    # again, nothing changed: the last results are reused and the summary says so
    out = io.StringIO()
    call_command("compute_agreement", "--project", project.slug, stdout=out)
    assert f"nothing changed since run {run_row.pk}" in out.getvalue()


def test_unknown_project_is_one_line_and_a_non_zero_exit(project, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run("--project", "nope")
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err == "CommandError: No project with slug 'nope' (known: badia)."


def test_a_failed_run_is_one_line_and_a_non_zero_exit(project, annotated, capsys):  # noqa: F811
    with (
        mock.patch.object(agreement_runs, "batch_pieces", side_effect=ValueError("bad spans")),
        pytest.raises(SystemExit) as exit_info,
    ):
        run("--project", project.slug)
    assert exit_info.value.code != 0
    last = capsys.readouterr().err.strip().splitlines()[-1]  # the traceback before it is the log's
    assert last.startswith("CommandError: Agreement run ")
    assert last.endswith("failed: Agreement could not be computed: ValueError: bad spans")


def test_waiting_for_workers_times_out_with_a_hint(project, annotated, capsys):  # noqa: F811
    from workbench.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # "a broker is configured"; nothing consumes it
    try:
        with (
            mock.patch.object(jobs, "job_enqueue"),
            pytest.raises(CommandError, match=r"did not finish within 1 s \(pending, 0%\).*Is a worker running"),
        ):
            call_command("compute_agreement", "--project", project.slug, "--timeout", "1")
    finally:
        celery_app.conf.task_always_eager = eager
    assert "run " in capsys.readouterr().err
