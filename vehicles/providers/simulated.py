"""The built-in simulated provider: everything works on one machine, deterministically.

Settings (`SIMULATED_PROVIDER`, a dict; every key optional, defaults below):

- DECISION_DELAY_SECONDS (5): an enablement request is decided this long after it was made (0: at once).
- REFUSE_LAST_CHARACTERS ("7"): VINs whose last character is one of these are refused ("VIN not recognised by
  the maker"). REFUSE_VINS: a list of VINs refused in addition. `check_eligibility` answers not eligible, with the
  same reason, for exactly the VINs `_decide` refuses (it asks `_decide`: one rule for both).
- UNREACHABLE_LAST_CHARACTERS (""), UNREACHABLE_VINS ([]): requests about these VINs fail as transient errors,
  every time (so the chain's retries run out and the VIN goes to Error).
- REVOKE_LAST_CHARACTERS (""), REVOKE_VINS ([]): these VINs are approved, then revoked by the provider at their
  next data fetch (→ Disabled, by the provider).
- OUTAGE (False): the whole provider is unreachable (every call raises ProviderUnavailable).
- Withdrawals: `withdraw` fails (ProviderUnavailable) when a VIN of the batch is unreachable (above); otherwise the
  VINs are appended to the module's WITHDRAWN list, the simulated maker's record of what it was told, kept in the
  memory of the process that called it (the worker's; tests read it).
- HISTORY_HOURS (24), SAMPLE_MINUTES (60): a VIN's first data fetch returns a reading every SAMPLE_MINUTES over
  the last HISTORY_HOURS, then the current one; later fetches return what was recorded since the last one.

Readings are a pure function of (VIN, instant): the same VIN at the same instant always gives the same reading.
The odometer only grows (while the ignition is on), the position moves along a loop as the vehicle drives,
fuel (or battery, for Tesla VINs) drains with the distance driven and is refilled.
"""

import hashlib
import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from vehicles.providers import Answer, Decision, Eligibility, Provider, ProviderUnavailable, ReadingData, VehicleRevoked

DEFAULTS = {
    "DECISION_DELAY_SECONDS": 5,
    "REFUSE_LAST_CHARACTERS": "7",
    "REFUSE_VINS": [],
    "UNREACHABLE_LAST_CHARACTERS": "",
    "UNREACHABLE_VINS": [],
    "REVOKE_LAST_CHARACTERS": "",
    "REVOKE_VINS": [],
    "OUTAGE": False,
    "HISTORY_HOURS": 24,
    "SAMPLE_MINUTES": 60,
}

REFUSAL_REASON = "VIN not recognised by the maker"
ELECTRIC_WMIS = {"5YJ", "7SA", "LRW", "XP7", "SFZ"}  # Tesla's world manufacturer identifiers
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
CYCLE_SECONDS = 6 * 3600  # each vehicle drives once in every six hours
MAX_POINTS = 500


# The VINs the simulated maker was told to withdraw, in call order (this process only).
WITHDRAWN = []


def options():
    return {**DEFAULTS, **settings.SIMULATED_PROVIDER}


def _matches(vin, last_characters, vins):
    return (bool(last_characters) and vin[-1:] in last_characters) or vin in vins


class SimulatedProvider(Provider):
    name = "simulated"

    def __init__(self):
        self.options = options()

    def _check_reachable(self):
        if self.options["OUTAGE"]:
            raise ProviderUnavailable("simulated provider outage")

    def _unreachable(self, vin):
        return _matches(vin, self.options["UNREACHABLE_LAST_CHARACTERS"], self.options["UNREACHABLE_VINS"])

    def _decide(self, vin):
        if self._unreachable(vin):
            return Answer(vin, Decision.FAILED, "the maker's system did not answer (simulated)")
        if _matches(vin, self.options["REFUSE_LAST_CHARACTERS"], self.options["REFUSE_VINS"]):
            return Answer(vin, Decision.REFUSED, REFUSAL_REASON)
        return Answer(vin, Decision.APPROVED)

    def request_enablement(self, vins):
        self._check_reachable()
        delay = float(self.options["DECISION_DELAY_SECONDS"])
        if delay > 0:
            return [
                self._decide(vin) if self._unreachable(vin) else Answer(vin, Decision.UNDECIDED, check_after=delay)
                for vin in vins
            ]
        return [self._decide(vin) for vin in vins]

    def check_eligibility(self, vins):
        """Not eligible exactly where the decision would be a refusal, with the refusal's reason."""
        self._check_reachable()
        answers = (self._decide(vin) for vin in vins)
        return [
            Eligibility(a.vin, False, a.reason) if a.decision == Decision.REFUSED else Eligibility(a.vin, True)
            for a in answers
        ]

    def enablement_status(self, vins):
        self._check_reachable()
        return [self._decide(vin) for vin in vins]

    def withdraw(self, vins):
        self._check_reachable()
        unreachable = [vin for vin in vins if self._unreachable(vin)]
        if unreachable:
            raise ProviderUnavailable(f"VIN {unreachable[0]}: the maker's system did not answer (simulated)")
        WITHDRAWN.extend(vins)

    def fetch_status(self, vin, since=None):
        self._check_reachable()
        if self._unreachable(vin):
            raise ProviderUnavailable(f"VIN {vin}: the maker's system did not answer (simulated)")
        if _matches(vin, self.options["REVOKE_LAST_CHARACTERS"], self.options["REVOKE_VINS"]):
            raise VehicleRevoked(vin, "the maker revoked access to this vehicle's data (simulated)")
        now = timezone.now().replace(microsecond=0)
        step = timedelta(minutes=int(self.options["SAMPLE_MINUTES"]))
        start = since or now - timedelta(hours=int(self.options["HISTORY_HOURS"]))
        start = max(start, now - step * MAX_POINTS, EPOCH)
        instants = []
        at = EPOCH + step * (math.floor((start - EPOCH) / step) + 1)
        while at < now:
            instants.append(at)
            at += step
        instants.append(timezone.now())  # the latest reading is of this very moment (after an enablement)
        return [reading_at(vin, at) for at in instants if since is None or at > since]


def _numbers(vin):
    digest = hashlib.sha256(vin.encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)]


def reading_at(vin, at):
    """The simulated reading of a VIN at an instant (a pure function)."""
    n = _numbers(vin)
    base_km = 2000 + n[0] % 60000
    duty = 0.08 + (n[1] % 120) / 1000  # share of each cycle spent driving: 29 to 72 minutes in six hours
    average_kmh = 30 + n[2] % 45
    phase = n[3] % CYCLE_SECONDS
    seconds = max((at - EPOCH).total_seconds(), 0) + phase
    cycles, into = divmod(seconds, CYCLE_SECONDS)
    driving = duty * CYCLE_SECONDS
    driven_seconds = cycles * driving + min(into, driving)
    ignition = into < driving
    distance = average_kmh * driven_seconds / 3600
    odometer = base_km + distance

    loop_km = 10 + n[4] % 30  # the vehicle drives round a loop of this radius
    centre_lat = 45 + (n[5] % 9000) / 1000
    centre_lon = 0 + (n[6] % 14000) / 1000
    angle = distance / loop_km
    latitude = centre_lat + loop_km / 111.0 * math.sin(angle)
    longitude = centre_lon + loop_km / (111.0 * math.cos(math.radians(centre_lat))) * math.cos(angle)

    electric = vin[:3] in ELECTRIC_WMIS
    range_km = 420 if electric else 650
    level = round(95 - 85 * ((distance + n[7] % range_km) % range_km) / range_km, 1)
    speed = round(average_kmh * (0.7 + 0.6 * abs(math.sin(seconds / 113))), 1) if ignition else 0.0
    return ReadingData(
        recorded_at=at,
        odometer_km=round(odometer, 1),
        latitude=round(latitude, 5),
        longitude=round(longitude, 5),
        fuel_level=None if electric else level,
        battery_level=level if electric else None,
        ignition=ignition,
        speed_kmh=speed,
    )
