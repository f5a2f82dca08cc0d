"""A CSV file imported in the background: the task is a thin wrapper around the import job (importing.jobs)."""

from django.db import transaction
from django_tasks import task

from vehicles.importing import jobs


@task()
def import_vins_file(job_id: str):
    """Import an uploaded CSV file saved with its ImportJob; returns the job's final state."""
    return jobs.run_job(job_id).state


def enqueue(job):
    """Hand a stored job to the worker (after the current transaction commits)."""
    jobs.mark_queued(job)
    transaction.on_commit(lambda: import_vins_file.enqueue(str(job.pk)))
