import sys
import time

from django.core.management.base import CommandError

from annotations.agreement.report import as_report
from annotations.management.commands._base import WorkbenchCommand
from annotations.models import AgreementRun, JobStatus
from annotations.selectors.agreement import agreement_in_flight
from annotations.services.agreement_runs import agreement_run_execute, agreement_run_request

FINISHED = (JobStatus.DONE, JobStatus.FAILED)


def _number(holder: dict, key: str) -> str:
    value = (holder or {}).get(key)
    if value is None:
        reason = ((holder or {}).get("reasons") or {}).get(key)
        return f"n/a ({reason})" if reason else "n/a"
    return f"{value:.3f}"


def _short(holder: dict, key: str) -> str:
    value = (holder or {}).get(key)
    return "—" if value is None else f"{value:.3f}"


class Command(WorkbenchCommand):
    help = (
        "Compute the agreement between a project's reviewers and print a summary. With a Celery broker "
        "configured the run goes through the workers (this command waits for it, printing progress); "
        "otherwise it is computed here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--timeout", type=float, default=900, help="Seconds to wait for the workers (default 900).")

    def handle(self, *args, project, timeout, **options):
        from workbench.celery import app as celery_app

        project = self.get_project(project)
        run = agreement_run_request(project=project, reason="command")
        through_celery = not celery_app.conf.task_always_eager
        if not through_celery and run.status == JobStatus.PENDING:
            agreement_run_execute(run_id=run.pk)  # already done on commit when nothing held a transaction
        run = self.wait(project, run, timeout, through_celery)
        if run.status == JobStatus.FAILED:
            raise CommandError(f"Agreement run {run.pk} failed: {run.error}")
        self.stdout.write(self.summary(project, run))

    def wait(self, project, run: AgreementRun, timeout: float, through_celery: bool) -> AgreementRun:
        """Until the run is finished; a run that was already running when asked is followed by the
        one more run it owes (`rerun_requested`), which includes the latest work."""
        deadline = time.monotonic() + timeout
        shown = None
        follow_rerun = run.status == JobStatus.RUNNING
        while True:
            run.refresh_from_db()
            if run.status in FINISHED:
                following = agreement_in_flight(project) if follow_rerun else None
                if following is None:
                    return run
                run, follow_rerun = following, False
                if not through_celery and run.status == JobStatus.PENDING:
                    agreement_run_execute(run_id=run.pk)
                continue
            line = f"run {run.pk}: {run.status} {run.progress:.0%}"
            if line != shown:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()
                shown = line
            if time.monotonic() > deadline:
                hint = " Is a worker running (celery -A workbench worker)?" if run.status == JobStatus.PENDING else ""
                raise CommandError(
                    f"Agreement run {run.pk} did not finish within {timeout:g} s ({run.status}, "
                    f"{run.progress:.0%}); it goes on in the background.{hint}"
                )
            time.sleep(0.5)

    def summary(self, project, run: AgreementRun) -> str:
        results = as_report(run.results)
        counts = results.get("counts") or {}
        part = results.get("project") or {}
        f1 = part.get("span_f1") or {}
        reliability = results.get("reliability") or {}
        claims = results.get("claims") or {}
        seconds = (run.timings or {}).get("total")
        lines = [
            f"Agreement of project {project.slug!r} ({project.name}): run {run.pk}, {run.status}"
            + (f" in {seconds:.1f} s" if seconds is not None else "")
            + (f"; nothing changed since run {results.get('copied_from')}" if results.get("unchanged") else ""),
            f"Documents: {counts.get('documents', 0)} ({counts.get('paired_documents', 0)} with two or more "
            f"reviewers); submitted assignments: {counts.get('assignments', 0)}; reviewers: "
            f"{counts.get('reviewers', 0)}; spans: {counts.get('spans', 0)}",
            "",
        ]
        ci = part.get("token_alpha_ci")
        ci_text = f"  [95% CI {ci['low']:.3f} to {ci['high']:.3f}]" if ci else ""
        lines.append(f"Token-level alpha (nominal):           {_number(part, 'token_alpha')}{ci_text}")
        for mode in ("exact", "overlap"):
            scores = f1.get(mode) or {}
            lines.append(
                f"Span F1, {mode + ':':<8}                      micro {_number(scores, 'micro')}, "
                f"macro {_number(scores, 'macro')}"
            )
        lines.append(
            f"Source reliability alpha (A-E, F out): {_number(reliability.get('source_reliability'), 'alpha')}"
        )
        lines.append(f"Credibility alpha (1-5, 6 out):        {_number(reliability.get('credibility'), 'alpha')}")
        lines.append(f"Claim-link stance alpha (nominal):     {_number(claims, 'stance_alpha')}")
        labels = results.get("labels") or []
        if labels:
            width = max(12, *(len(row["label"]) for row in labels))
            lines += ["", f"{'label':<{width}}  {'token alpha':>11}  {'exact F1':>8}  {'overlap F1':>10}  {'spans':>6}"]
            for row in labels:
                lines.append(
                    f"{row['label']:<{width}}  {_short(row, 'token_alpha'):>11}  {_short(row, 'exact_f1'):>8}  "
                    f"{_short(row, 'overlap_f1'):>10}  {row.get('spans', 0):>6}"
                )
        pairs = results.get("pairs") or []
        if pairs:
            lines += ["", "reviewer pairs (overlap F1, token alpha, shared documents):"]
            for row in pairs:
                lines.append(
                    f"  {row['reviewers'][0]} / {row['reviewers'][1]}: {_short(row, 'overlap_f1')}, "
                    f"{_short(row, 'token_alpha')}, {row.get('documents', 0)}"
                )
        return "\n".join(lines)
