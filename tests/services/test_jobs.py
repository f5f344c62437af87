"""The job lifecycle shared by every job kind (annotations/services/jobs.py)."""

from annotations.models import ImportJob, JobStatus
from annotations.services.imports import IMPORT_JOB
from annotations.services.jobs import job_execute


def test_a_running_job_shows_1_only_once_it_is_done(project):
    job = ImportJob.objects.create(project=project, file_name="a.txt")
    seen = []

    def work(job, context):
        context.progress(0.4)
        context.progress(1.0)  # the work's own end is not the job's: the outcome is still to be written
        context.progress(0.3)  # and progress never goes back
        seen.append(ImportJob.objects.values_list("status", "progress").get(pk=job.pk))
        return {}

    done = job_execute(IMPORT_JOB, job.pk, work)
    assert seen == [(JobStatus.RUNNING, 0.99)]
    assert (done.status, done.progress) == (JobStatus.DONE, 1.0)
