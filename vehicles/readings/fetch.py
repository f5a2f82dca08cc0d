"""Readings from the providers: fetch what was recorded since the newest stored reading, and store it.

Used by the gate (a reading older than READING_MAX_AGE_SECONDS is refreshed before it is answered), by the
worker's `fetch_readings` task and by `manage.py poll_readings`. A provider that says the owner revoked the
vehicle disables its Enabled vehicles through the status machine (`provider_revoked`).
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from vehicles.choices import Event, Status
from vehicles.models import Reading, Vehicle
from vehicles.providers import ProviderUnavailable, VehicleRevoked, provider_for
from vehicles.status.machine import By, apply

logger = logging.getLogger(__name__)

READING_FIELDS = ("odometer_km", "latitude", "longitude", "fuel_level", "battery_level", "ignition", "speed_kmh")

_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="provider-fetch")


def provider_revoked(vin, provider_name, reason):
    """The provider revoked a VIN: every Enabled vehicle with it becomes Disabled, by the provider."""
    return apply(
        Event.DISABLE,
        Vehicle.objects.anywhere(Status.ENABLED, [vin]),
        By.provider(provider_name),
        reason=reason,
    )


def _newest_instants(vins):
    """{vin: instant of its newest stored reading} (one GROUP BY)."""
    rows = Reading.objects.filter(vin__in=vins).values("vin").annotate(newest=Max("recorded_at")).order_by()
    return {row["vin"]: row["newest"] for row in rows}


def _fetch(provider, vin, since, timeout):
    """The provider's readings of a VIN since an instant; a revocation disables the VIN before it is re-raised."""
    try:
        if timeout is None:
            return provider.fetch_status(vin, since)
        future = _executor.submit(provider.fetch_status, vin, since)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            raise ProviderUnavailable(f"provider {provider.name} did not answer within {timeout} s") from None
    except VehicleRevoked as revoked:
        provider_revoked(vin, provider.name, revoked.reason)
        raise


def refresh_readings(vin, make_name, timeout=None):
    """Fetch and store the readings recorded since the newest stored one; returns how many were received.

    Raises ProviderUnavailable (also when `timeout` seconds pass without an answer) or VehicleRevoked (after
    disabling the VIN's Enabled vehicles, by the provider).
    """
    provider = provider_for(make_name)
    data = _fetch(provider, vin, _newest_instants([vin]).get(vin), timeout)
    return store_readings(vin, provider.name, data)


def _rows(vin, provider_name, data):
    return [
        Reading(
            vin=vin, recorded_at=d.recorded_at, provider=provider_name, **{f: getattr(d, f) for f in READING_FIELDS}
        )
        for d in data
    ]


def store_readings(vin, provider_name, data):
    """Store a provider's readings (ReadingData) of a VIN; instants already stored are skipped. Returns how
    many were received."""
    rows = _rows(vin, provider_name, data)
    Reading.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def refresh_many(pairs):
    """Fetch fresh readings for [vin, make name] pairs in a constant number of queries (plus one transition per
    revoked VIN); a failure of one VIN never stops the others. Returns (received, revoked, failed)."""
    since = _newest_instants([vin for vin, _ in pairs])
    providers = {}
    rows, revoked, failed = [], 0, 0
    for vin, make_name in pairs:
        provider = providers.get(make_name) or providers.setdefault(make_name, provider_for(make_name))
        try:
            rows += _rows(vin, provider.name, _fetch(provider, vin, since.get(vin), None))
        except VehicleRevoked:
            revoked += 1
        except ProviderUnavailable as error:
            failed += 1
            logger.warning("Readings of VIN %s not fetched: %s", vin, error)
        except Exception:  # one integration's bug never stops the other VINs' fetches
            failed += 1
            logger.exception("Provider %s failed on the readings of VIN %s", provider.name, vin)
    Reading.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows), revoked, failed


def stale_vins():
    """[vin, make name] of every Enabled VIN whose newest reading is older than READING_MAX_AGE_SECONDS."""
    fresh_after = timezone.now() - timedelta(seconds=settings.READING_MAX_AGE_SECONDS)
    newest = Reading.objects.filter(vin=OuterRef("vin")).order_by("-recorded_at").values("recorded_at")[:1]
    rows = (
        Vehicle.objects.filter(status=Status.ENABLED)
        .annotate(newest=Subquery(newest))
        .filter(Q(newest__isnull=True) | Q(newest__lt=fresh_after))
        .values_list("vin", "make__name")
        .distinct()
        .order_by("vin")
    )
    return [list(row) for row in rows]
