"""Who may see and act in a workspace: the one check every web view and the API go through."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fleet.models import Membership, Role, Workspace

# Where a request's user keeps the memberships already looked up (the user object lives as long as the request).
_CACHE = "_fleet_memberships"


def membership_in(user, slug):
    """The user's membership of the workspace with this slug, or None; looked up once per request's user."""
    if not user.is_authenticated:
        return None
    cache = getattr(user, _CACHE, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE, cache)
    if slug not in cache:
        found = Membership.objects.select_related("workspace").filter(workspace__slug=slug, user_id=user.pk)
        cache[slug] = found.first()
    return cache[slug]


def get_workspace_for(user, slug, *, write=False):
    """(workspace, membership) for a member; 404 for anyone else (not even the workspace's existence
    leaks), 403 when `write` is asked of a viewer."""
    membership = membership_in(user, slug)
    if membership is None:
        raise Http404("No such workspace")
    if write and membership.role != Role.MANAGER:
        raise PermissionDenied("Viewers may look but not change anything in this workspace")
    return membership.workspace, membership


def workspaces_of(user):
    return Workspace.objects.filter(memberships__user=user).order_by("name")
