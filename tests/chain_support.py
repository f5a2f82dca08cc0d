"""Shared by the approval-chain tests: a deterministic simulated provider and the real worker in --batch mode."""

import signal

import pytest
from django.core.management import call_command


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
