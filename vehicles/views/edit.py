"""The vehicle page's details form (managers): name, license plate, labels, odometer — through vehicles.editing,
which never changes the status and records the edit as a `vehicle.updated` event.

GET is the vehicle page itself (vehicles/views/table.py shows the form to managers); this view answers the POST:
a redirect to the vehicle page with a message, or the page again with the form's errors (400). Viewers get 403,
outsiders 404 (fleet.access.get_workspace_for).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from fleet.access import get_workspace_for
from vehicles import editing
from vehicles.models import Vehicle
from vehicles.status.machine import By
from vehicles.views.forms import VehicleDetailsForm
from vehicles.views.table import vehicle_page

FIELD_NAMES = {
    "name": "name",
    "license_plate": "license plate",
    "labels": "labels",
    "odometer": "odometer",
    "odometer_unit": "odometer unit",
}


@login_required
@require_POST
def vehicle_edit(request, slug, vin):
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    vehicle = get_object_or_404(Vehicle.objects.select_related("make"), workspace=workspace, vin=vin)
    form = VehicleDetailsForm(request.POST)
    if not form.is_valid():
        return vehicle_page(request, workspace, membership, vehicle, details_form=form, status=400)
    clean, problems = editing.check(
        {name: form.cleaned_data[name] for name in editing.FIELDS if name in form.cleaned_data}
    )
    for field, message in problems.items():  # the form applied the same rules: only a stale unit can land here
        form.add_error(field if field in form.fields else None, message)
    if problems:
        return vehicle_page(request, workspace, membership, vehicle, details_form=form, status=400)
    try:
        changed = editing.edit(vehicle, clean, By.manager(request.user))
    except editing.VehicleGone as gone:
        messages.error(request, str(gone))
        return HttpResponseRedirect(reverse("vehicles:list", args=[workspace.slug]))
    if changed:
        names = ", ".join(FIELD_NAMES[field] for field in changed)
        messages.success(request, f"VIN {vehicle.vin}: {names} saved. Its status is unchanged.")
    else:
        messages.info(request, f"VIN {vehicle.vin}: nothing to save, the details are as they were.")
    return HttpResponseRedirect(reverse("vehicles:detail", args=[workspace.slug, vehicle.vin]) + "#details")
