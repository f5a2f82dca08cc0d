from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from fleet.access import workspaces_of
from fleet.models import Membership


@login_required
def home(request):
    """A member of one workspace lands on its VIN table; a member of several on the list of them."""
    workspaces = list(workspaces_of(request.user)[:2])
    if len(workspaces) == 1:
        return redirect("vehicles:list", slug=workspaces[0].slug)
    return redirect("workspace-list")


@login_required
def workspace_list(request):
    memberships = Membership.objects.filter(user=request.user).select_related("workspace").order_by("workspace__name")
    return render(request, "fleet/workspace_list.html", {"memberships": memberships})
