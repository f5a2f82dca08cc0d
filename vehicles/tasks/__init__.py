"""The worker's entry points (django-tasks; `manage.py db_worker`), one module per concern:

- `approvals`: the approval chain (automatic platform approval, the providers' answers) and withdrawals;
- `readings`: fresh readings for newly Enabled VINs, and the periodic poll;
- `medians`: the makes' usual Pending times (what a VIN waits for, stuck VINs), refreshed periodically;
- `imports`: a CSV file imported in the background;
- `reports`: asynchronous vehicle-status reports of the API.

Tasks only orchestrate: they read ids, call one domain service (the status machine, the import engine, the
readings, the providers) and enqueue what comes next. The status machine's signals start them (after commit).
"""

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

# --- Ids travel as spans [[first, last], …]: a bulk step's ids are mostly consecutive, so the task row stays small.


def to_spans(ids):
    spans = []
    for pk in sorted(set(ids)):
        if spans and pk == spans[-1][1] + 1:
            spans[-1][1] = pk
        else:
            spans.append([pk, pk])
    return spans


def from_spans(spans):
    return [pk for first, last in spans for pk in range(first, last + 1)]


def chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def scheduled(*tasks):
    """Whether any of these tasks is queued or running."""
    return DBTaskResult.objects.filter(
        task_path__in=[t.module_path for t in tasks], status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists()
