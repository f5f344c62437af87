# Agreement runs: what asked for a run, the rerun flag of the debounce, and at most one run in flight per project.

from django.db import migrations, models


def fail_extra_in_flight_runs(apps, schema_editor):
    """Before the constraint: keep only the newest pending/running run of each project."""
    AgreementRun = apps.get_model("annotations", "AgreementRun")
    seen = set()
    for run in AgreementRun.objects.filter(status__in=["pending", "running"]).order_by("-created_at", "-id"):
        if run.project_id in seen:
            AgreementRun.objects.filter(pk=run.pk).update(status="failed", error="Superseded by a newer run.")
        seen.add(run.project_id)


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0002_document_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementrun",
            name="reason",
            field=models.CharField(blank=True, help_text="What asked for it: manual, submission, rerun, command.", max_length=16),
        ),
        migrations.AddField(
            model_name="agreementrun",
            name="rerun_requested",
            field=models.BooleanField(default=False, help_text="Set while running when new work arrives: one more run follows this one."),
        ),
        migrations.RunPython(fail_extra_in_flight_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agreementrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["pending", "running"])),
                fields=("project",),
                name="agreement_run_one_in_flight_per_project",
            ),
        ),
    ]
