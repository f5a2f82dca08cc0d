"""Shared by the approval-chain tests: a deterministic simulated provider and the real worker in --batch mode."""

import signal

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tests.factories import add_vehicle
from vehicles.tasks import approvals, readings


@pytest.fixture
def simulated(settings):
    """The simulated provider with no delay, no rule-based refusals and no waiting between retries.

    Tests name the VINs it refuses, fails on or revokes: simulated["REFUSE_VINS"].append(vin).
    """
    settings.SIMULATED_PROVIDER = {
        "DECISION_DELAY_SECONDS": 0,
        "REFUSE_LAST_CHARACTERS": "",
        "UNREACHABLE_LAST_CHARACTERS": "",
        "REVOKE_LAST_CHARACTERS": "",
        "REFUSE_VINS": [],
        "UNREACHABLE_VINS": [],
        "REVOKE_VINS": [],
        "HISTORY_HOURS": 6,
        "SAMPLE_MINUTES": 60,
    }
    settings.VEHICLE_PROVIDERS = {"default": "vehicles.providers.simulated.SimulatedProvider"}
    settings.PROVIDER_RETRY_BACKOFF_SECONDS = 0
    settings.PROVIDER_MAX_ATTEMPTS = 3
    settings.READING_MAX_AGE_SECONDS = 300
    return settings.SIMULATED_PROVIDER


def run_worker():
    """Run the real task worker until no task is ready (tasks scheduled for later stay queued)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def task_results(name):
    """The task rows of one of the worker's chain or readings tasks, by the task's name."""
    task = getattr(approvals, name, None) or getattr(readings, name)
    return DBTaskResult.objects.filter(task_path=task.module_path)


def uploaded_with_automatic_approval(workspace):
    """Turn on the workspace's automatic platform approval, upload one VIN and run the worker (the chain: the
    provider's approval, then the platform's); returns the vehicle as it is then."""
    workspace.auto_platform_approval = True
    workspace.save()
    vehicle = add_vehicle(workspace)
    run_worker()
    vehicle.refresh_from_db()
    return vehicle


def revoked_and_polled(vehicle, simulated, settings):
    """The maker revokes the VIN (`simulated`: the fixture's settings), then the periodic poll, which finds every
    reading stale, asks the provider; returns the vehicle as it is then."""
    simulated["REVOKE_VINS"].append(vehicle.vin)
    settings.READING_MAX_AGE_SECONDS = 0
    readings.poll_readings.enqueue(reschedule=False)
    run_worker()
    vehicle.refresh_from_db()
    return vehicle
