"""Editing a vehicle's details — `name`, `license_plate`, `labels`, `odometer`, `odometer_unit` — the one road
of the vehicle page's form and the API's PATCH (SPEC.md "Vehicle details and labels").

`check(values)` judges what was sent with the same rules as an upload (vehicles/details.py, vins.parse_odometer)
and answers the clean values and a message per bad field. `edit(vehicle, clean, by)` writes the fields that
change in one transaction with their `vehicle.updated` event (`{"vin", "changed": [field names]}`); an edit never
touches the status, and a call that changes nothing writes nothing.
"""

from django.db import transaction
from django.utils import timezone

from events import log
from events.models import EventType
from vehicles.details import clean_details, label_key, search_key
from vehicles.models import Vehicle, VehicleLabel, set_labels
from vehicles.status.machine import By
from vehicles.vins import parse_odometer

FIELDS = ("name", "license_plate", "labels", "odometer", "odometer_unit")


class VehicleGone(Exception):
    """The vehicle was deleted meanwhile: nothing was changed."""


def check(values: dict) -> tuple[dict, dict]:
    """(clean values, {field: message}) for the editable fields present in `values` (other keys are ignored).

    The odometer and its unit are judged together: a unit alone keeps the odometer, an odometer alone is in km
    unless its unit is given (as in an upload)."""
    clean, problems = clean_details(values)
    if "odometer" in values or "odometer_unit" in values:
        odometer = values.get("odometer")
        if isinstance(odometer, bool) or not isinstance(odometer, int | str | type(None)):
            problems["odometer"] = "odometer must be a whole number or null"
        else:
            unit = values.get("odometer_unit")
            if unit is not None and not isinstance(unit, str):
                problems["odometer_unit"] = "odometer unit must be km or mi"
            else:
                try:
                    number, unit = parse_odometer(odometer, unit)
                except ValueError as error:
                    field = "odometer_unit" if "unit" in str(error) else "odometer"
                    problems[field] = str(error)
                else:
                    if "odometer" in values:
                        clean["odometer"] = number
                    if "odometer_unit" in values:
                        clean["odometer_unit"] = unit
    return clean, problems


def current_labels(vehicle):
    return [label.name for label in vehicle.labels.all()]


def edit(vehicle: Vehicle, clean: dict, by: By) -> list[str]:
    """Write the clean values that differ from the vehicle's; returns the changed field names (in FIELDS order).

    The row is locked first, so that two edits of one vehicle are applied one after the other and each event says
    what its own edit changed."""
    with transaction.atomic():
        locked = Vehicle.objects.select_for_update().filter(pk=vehicle.pk).first()
        if locked is None:
            raise VehicleGone(f"VIN {vehicle.vin} was deleted meanwhile: nothing was changed.")
        changed, columns = [], {}
        for field in ("name", "license_plate", "odometer", "odometer_unit"):
            if field in clean and clean[field] != getattr(locked, field):
                changed.append(field)
                columns[field] = clean[field]
        labels_now = current_labels(locked)
        new_labels = clean.get("labels")
        # Labels are a set compared without regard to case: "Depot" for "depot" is the same label (the workspace
        # keeps it as first given), so only a different set of labels is a change.
        if new_labels is not None and {label_key(n) for n in new_labels} != {label_key(n) for n in labels_now}:
            changed.append("labels")
        if not changed:
            return []
        now = timezone.now()
        if "name" in columns:
            columns["name_key"] = search_key(columns["name"])
        Vehicle.objects.filter(pk=locked.pk).update(**columns, details_changed_at=now)
        if "labels" in changed:
            if new_labels:
                set_labels(locked.workspace_id, {locked.pk: new_labels}, replace=True)
            else:
                VehicleLabel.objects.filter(vehicle_id=locked.pk).delete()
        changed.sort(key=FIELDS.index)
        log.record(
            locked.workspace_id,
            EventType.VEHICLE_UPDATED,
            {"vin": locked.vin, "changed": changed},
            actor=str(by.actor),
            actor_name=by.name,
            at=now,
        )
    for field, value in columns.items():
        setattr(vehicle, field, value)
    vehicle.details_changed_at = now
    return changed
