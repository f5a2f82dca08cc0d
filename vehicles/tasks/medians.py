"""The makes' usual Pending times (vehicles/status/waiting.py), refreshed by the worker.

entered_enabled (after commit) ──> ensure_median_refresh: the refresh is scheduled once VINs become Enabled
refresh_pending_medians (re-enqueues itself every PENDING_MEDIAN_REFRESH_SECONDS): rewrites MakePendingMedian
    from the status history, one query for every make.
"""

from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task

from vehicles.status import waiting
from vehicles.status.machine import entered_enabled
from vehicles.tasks import scheduled


@receiver(entered_enabled, dispatch_uid="vehicles.tasks.medians.refresh_once_enabled")
def refresh_once_enabled(sender, vehicle_ids, **kwargs):
    """A VIN became Enabled: a new case for its make's median. Make sure the periodic refresh runs."""
    if vehicle_ids:
        ensure_median_refresh()


def median_refresh_scheduled():
    return scheduled(refresh_pending_medians)


def _next_run():
    return timezone.now() + timedelta(seconds=max(settings.PENDING_MEDIAN_REFRESH_SECONDS, 1))


def ensure_median_refresh():
    """Schedule the periodic refresh (its first run one interval from now) unless it is already scheduled."""
    if not median_refresh_scheduled():
        refresh_pending_medians.using(run_after=_next_run()).enqueue()


@task()
def refresh_pending_medians(reschedule=True):
    """Recompute every make's median Pending → Enabled time, then come back after the refresh interval."""
    medians = waiting.refresh_medians()
    if reschedule:
        refresh_pending_medians.using(run_after=_next_run()).enqueue()
    return {"makes": len(medians)}
