from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fleet.access import get_workspace_for


@login_required
def vehicle_list(request, slug):
    workspace, membership = get_workspace_for(request.user, slug)
    vehicles = workspace.vehicles.select_related("make")[:50]
    return render(
        request, "vehicles/list.html", {"workspace": workspace, "membership": membership, "vehicles": vehicles}
    )
