"""Readings in the background: the first readings of newly Enabled VINs, and the periodic poll.

entered_enabled (after commit) ──> fetch_first_readings: fetch_readings tasks, in batches of PROVIDER_BATCH_SIZE
entered_pending (after commit) ──> ensure_polling: the poll is scheduled once anything is in the chain
poll_readings (re-enqueues itself every READING_POLL_INTERVAL_SECONDS): fetches fresh readings of every
    Enabled VIN whose newest reading is older than READING_MAX_AGE_SECONDS, and restarts the approval chain
    of VINs left Pending without any queued chain task (a lost task) for PROVIDER_RESUME_AFTER_SECONDS.
"""

from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task

from vehicles.choices import Status
from vehicles.models import Vehicle
from vehicles.readings.fetch import refresh_many, stale_vins
from vehicles.status.machine import entered_enabled, entered_pending
from vehicles.tasks import chunks, scheduled
from vehicles.tasks.approvals import resume_stalled


@receiver(entered_enabled, dispatch_uid="vehicles.tasks.readings.fetch_first_readings")
def fetch_first_readings(sender, vehicle_ids, **kwargs):
    """Newly Enabled vehicles: fetch their first readings."""
    if vehicle_ids:
        vins = list(Vehicle.objects.filter(pk__in=vehicle_ids).values_list("vin", "make__name").distinct())
        for batch in chunks([list(pair) for pair in vins], settings.PROVIDER_BATCH_SIZE):
            fetch_readings.enqueue(batch)


@receiver(entered_pending, dispatch_uid="vehicles.tasks.readings.poll_once_pending")
def poll_once_pending(sender, vehicle_ids, **kwargs):
    """The poll also restarts stalled chains: make sure it runs once vehicles are in the chain."""
    if vehicle_ids:
        ensure_polling()


@task()
def fetch_readings(pairs):
    """Fetch fresh readings for [vin, make name] pairs (a batch of the periodic poll, or newly Enabled VINs);
    a VIN no longer Enabled anywhere by the time the task runs is not asked for."""
    enabled = set(Vehicle.objects.anywhere(Status.ENABLED, [vin for vin, _ in pairs]).values_list("vin", flat=True))
    received, revoked, failed = refresh_many([pair for pair in pairs if pair[0] in enabled])
    return {"received": received, "revoked": revoked, "failed": failed}


def poll_task_scheduled():
    return scheduled(poll_readings)


def ensure_polling():
    """Schedule the periodic poll (its first run one interval from now) unless it is already scheduled."""
    if not poll_task_scheduled():
        interval = settings.READING_POLL_INTERVAL_SECONDS
        poll_readings.using(run_after=timezone.now() + timedelta(seconds=max(interval, 1))).enqueue()


@task()
def poll_readings(reschedule=True):
    """Fetch fresh readings for the stale Enabled VINs (in batches), restart stalled approval chains, then come
    back after the poll interval."""
    pairs = stale_vins()
    for batch in chunks(pairs, settings.PROVIDER_BATCH_SIZE):
        fetch_readings.enqueue(batch)
    resumed = resume_stalled()
    if reschedule:
        interval = settings.READING_POLL_INTERVAL_SECONDS
        poll_readings.using(run_after=timezone.now() + timedelta(seconds=max(interval, 1))).enqueue()
    return {"stale": len(pairs), "resumed": resumed}
