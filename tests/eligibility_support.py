"""What the eligibility tests share: VINs with a known answer, and a snapshot of everything a check must not change."""

from events.models import Event, WebhookMessage
from fleet.models import Make, MakeActivation
from tests.factories import new_vin
from vehicles.models import ImportJob, ImportProblem, Reading, StatusChange, Vehicle, VehicleCount
from vehicles.providers.simulated import REFUSAL_REASON

UNKNOWN_WMI = "9ZZ"  # no maker has it


def eligible_vin(wmi="WBA"):
    return new_vin(wmi)[:-1] + "1"


def refused_vin(wmi="WBA"):
    """A VIN the simulated provider refuses (its last character is REFUSE_LAST_CHARACTERS' "7")."""
    return new_vin(wmi)[:-1] + "7"


def snapshot():
    """Every row a check could touch, as comparable values."""
    return {
        "vehicles": sorted(
            Vehicle.all_objects.values_list(
                "pk", "workspace_id", "vin", "make_id", "status", "odometer", "status_changed_at", "deleted_at"
            )
        ),
        "history": StatusChange.objects.count(),
        "events": sorted(Event.objects.values_list("pk", "seq")),
        "counts": sorted(VehicleCount.objects.values_list()),
        "makes": sorted(Make.objects.values_list("pk", "name")),
        "activations": sorted(MakeActivation.objects.values_list("pk", "state")),
        "imports": ImportJob.objects.count() + ImportProblem.objects.count(),
        "readings": Reading.objects.count(),
        "webhook_messages": WebhookMessage.objects.count(),
    }


__all__ = ["REFUSAL_REASON", "UNKNOWN_WMI", "eligible_vin", "refused_vin", "snapshot"]
