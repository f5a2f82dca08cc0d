"""Background tasks run by the worker (`manage.py db_worker`). Each feature adds its own tasks here or in its
own module; the import's task is a thin wrapper around `import_jobs.run_job`."""

from django_tasks import task


@task()
def import_vins_file(job_id: str):
    """Import an uploaded CSV file saved with its ImportJob; returns the job's final state."""
    from .import_jobs import run_job

    return run_job(job_id).state
