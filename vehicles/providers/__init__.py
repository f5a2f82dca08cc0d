"""Carmaker integrations behind one interface (`base.Provider`), chosen per make by settings.

VEHICLE_PROVIDERS maps make names (matched without regard to case) to the dotted path of a Provider class;
"default" serves every make not named. The built-in simulated provider is the default.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from vehicles.providers.base import (
    Answer,
    Decision,
    Eligibility,
    Provider,
    ProviderUnavailable,
    ReadingData,
    VehicleRevoked,
)

DEFAULT_PROVIDER = "vehicles.providers.simulated.SimulatedProvider"

__all__ = [
    "Answer",
    "Decision",
    "Eligibility",
    "Provider",
    "ProviderUnavailable",
    "ReadingData",
    "VehicleRevoked",
    "provider_for",
]


def provider_for(make_name):
    """The provider of a make (a name, a Make, or None for no make): a fresh instance of the configured class."""
    configured = {key.lower(): path for key, path in settings.VEHICLE_PROVIDERS.items()}
    name = str(make_name or "").lower()
    path = configured.get(name) or configured.get("default") or DEFAULT_PROVIDER
    return import_string(path)()
