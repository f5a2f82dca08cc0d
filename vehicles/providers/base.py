"""The provider interface: what a carmaker integration implements, and what it answers.

A provider is chosen per make by the setting VEHICLE_PROVIDERS (see `vehicles.providers.provider_for`). The
approval chain (`vehicles.tasks.approvals`) is its only caller for enablement and withdrawal; the data gate
(`vehicles.readings.gate`) and the periodic poll call `fetch_status`; the eligibility check (`vehicles.eligibility`)
calls `check_eligibility`, batched per make as the chain batches its requests. Providers never touch the database:
they answer, the chain records.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ProviderUnavailable(Exception):
    """A transient failure (timeout, 5xx, maintenance): the chain retries with backoff, then gives up."""


class VehicleRevoked(Exception):
    """The provider no longer gives data for this VIN: it has revoked the vehicle (→ Disabled, by the provider)."""

    def __init__(self, vin, reason="revoked by the provider"):
        self.vin = vin
        self.reason = reason
        super().__init__(f"VIN {vin}: {reason}")


class Decision(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    UNDECIDED = "undecided"  # ask again (enablement_status) after `check_after` seconds
    FAILED = "failed"  # a transient failure for this VIN only: retried with backoff like ProviderUnavailable


@dataclass(frozen=True)
class Answer:
    """The provider's answer to one VIN's enablement request."""

    vin: str
    decision: Decision
    reason: str = ""
    check_after: float = 0


@dataclass(frozen=True)
class Eligibility:
    """The provider's answer to "would you approve this VIN?", asked before anything is added."""

    vin: str
    eligible: bool
    reason: str = ""  # why not, when not eligible


@dataclass(frozen=True)
class ReadingData:
    """One time-stamped status reading, as a provider supplies it (stored as `vehicles.models.Reading`)."""

    recorded_at: datetime
    odometer_km: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    fuel_level: float | None = None
    battery_level: float | None = None
    ignition: bool | None = None
    speed_kmh: float | None = None
    extra: dict = field(default_factory=dict)


class Provider:
    """The interface one carmaker integration implements. Subclasses override every method."""

    name = "provider"

    def request_enablement(self, vins: list[str]) -> list[Answer]:
        """Ask for these VINs' enablement; one Answer per VIN (any order). Raise ProviderUnavailable on a
        transient failure of the whole call."""
        raise NotImplementedError

    def check_eligibility(self, vins: list[str]) -> list[Eligibility]:
        """Whether these VINs could be enabled, asked before anything is added; one Eligibility per VIN (any order).
        Called with at most PROVIDER_BATCH_SIZE valid VINs of this provider's make; changes nothing anywhere. Raise
        ProviderUnavailable on a transient failure of the whole call."""
        raise NotImplementedError

    def enablement_status(self, vins: list[str]) -> list[Answer]:
        """The decision on earlier requests for these VINs (for UNDECIDED answers)."""
        raise NotImplementedError

    def withdraw(self, vins: list[str]) -> None:
        """Withdraw the enablement of these VINs (the fleet disabled or deleted them): the provider may stop
        serving their data. Called by the chain's worker (`chain.withdraw_vins`), once per batch of one make; raise
        ProviderUnavailable on a transient failure (retried with backoff, then given up and logged)."""
        raise NotImplementedError

    def fetch_status(self, vin: str, since: datetime | None = None) -> list[ReadingData]:
        """The vehicle's status data recorded after `since` (or its current status when None), newest last.

        Raises VehicleRevoked when the provider has revoked the vehicle, ProviderUnavailable on a transient failure.
        """
        raise NotImplementedError
