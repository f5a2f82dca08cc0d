"""Heartbeats of the task workers and the lease they give on the tasks they run.

Each worker writes its row in `WorkerHeartbeat` every WORKER_HEARTBEAT_SECONDS, from a thread of its own (a task
may run for minutes inside one transaction). A RUNNING task belongs to the last worker id in its `worker_ids`;
when that worker has not been seen for WORKER_LOST_AFTER_SECONDS (by the database's clock), the task is lost:

- re-enqueued (READY again, the next worker takes it) when its task path is in WORKER_RETRY_TASKS — tasks that
  are safe to run twice, such as the import (one transaction: a killed run left nothing) — and it has been
  claimed fewer than WORKER_MAX_ATTEMPTS times (a task that kills its worker every time stops somewhere);
- marked FAILED otherwise, with `WorkerLost` as its error, so that nothing stays RUNNING forever.

Every live worker looks for lost tasks at each heartbeat; the update is conditional on the task's `started_at`, so
two workers recovering the same task do it once.
"""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger("fleet.workers")

# Rows of workers gone for longer than this are removed (a worker stopped cleanly removes its own).
FORGET_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """The error recorded on a task whose worker stopped answering while it ran it."""


def _db_now_minus(seconds):
    return ExpressionWrapper(Now() - timedelta(seconds=seconds), output_field=DateTimeField())


def beat(worker_id):
    """Say that this worker is alive (creating its row the first time)."""
    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(last_seen_at=Now(), pid=os.getpid()):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": timezone.now(),
                "last_seen_at": Now(),
            },
        )


def forget(worker_id):
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()


def live_worker_ids(worker_ids=None):
    """Ids of the workers seen within WORKER_LOST_AFTER_SECONDS (all of them, or among `worker_ids`)."""
    rows = WorkerHeartbeat.objects.filter(last_seen_at__gte=_db_now_minus(settings.WORKER_LOST_AFTER_SECONDS))
    if worker_ids is not None:
        rows = rows.filter(worker_id__in=list(worker_ids))
    return set(rows.values_list("worker_id", flat=True))


def lost_tasks(*, of_worker=None):
    """RUNNING tasks whose worker stopped answering (or, with `of_worker`, every RUNNING task of that worker)."""
    running = DBTaskResult.objects.running().only("id", "task_path", "worker_ids", "started_at", "status")
    if of_worker is not None:
        return [task for task in running if task.worker_ids and task.worker_ids[-1] == of_worker]
    # Just claimed: give its worker one full period to be seen (a task claimed by an id never seen is lost after it).
    candidates = list(running.filter(started_at__lt=_db_now_minus(settings.WORKER_LOST_AFTER_SECONDS)))
    live = live_worker_ids({task.worker_ids[-1] for task in candidates if task.worker_ids})
    return [task for task in candidates if not task.worker_ids or task.worker_ids[-1] not in live]


def release(task, reason):
    """Re-enqueue a lost task if it is safe to run again, else mark it failed. Returns "requeued", "failed" or
    None (another worker got there first, or the task finished meanwhile)."""
    unchanged = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at)
    worker = task.worker_ids[-1] if task.worker_ids else "?"
    attempts = len(task.worker_ids)
    if task.task_path in settings.WORKER_RETRY_TASKS and attempts < settings.WORKER_MAX_ATTEMPTS:
        if unchanged.update(status=TaskResultStatus.READY, started_at=None):
            logger.warning(
                "Task %s (%s) lost: %s; enqueued again (attempt %d of %d)",
                task.pk,
                task.task_path,
                reason,
                attempts + 1,
                settings.WORKER_MAX_ATTEMPTS,
            )
            return "requeued"
        return None
    why = f"gave up after {attempts} attempts" if task.task_path in settings.WORKER_RETRY_TASKS else "not safe to retry"
    message = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: {reason} (worker {worker}); {why}.\n"
    if unchanged.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=message,
        return_value=None,
    ):
        logger.error("Task %s (%s) lost: %s; marked failed (%s)", task.pk, task.task_path, reason, why)
        return "failed"
    return None


def recover_lost():
    """Release every task whose worker vanished. Returns {"requeued": n, "failed": m}."""
    done = {"requeued": 0, "failed": 0}
    seconds = settings.WORKER_LOST_AFTER_SECONDS
    for task in lost_tasks():
        worker = task.worker_ids[-1] if task.worker_ids else "?"
        outcome = release(task, f"its worker {worker} has not been seen for more than {seconds} s")
        if outcome:
            done[outcome] += 1
    WorkerHeartbeat.objects.filter(last_seen_at__lt=timezone.now() - FORGET_AFTER).delete()
    return done


def recover_own(worker_id):
    """Release the tasks this worker still holds while it runs none (a database error ended a task's
    bookkeeping: the task cannot be known to have finished)."""
    done = {"requeued": 0, "failed": 0}
    for task in lost_tasks(of_worker=worker_id):
        outcome = release(task, "the database failed while its worker ran it")
        if outcome:
            done[outcome] += 1
    return done
