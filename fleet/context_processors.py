"""What base.html's navigation needs on every page of a workspace, so that no view has to pass it.

`workspace_nav` reads the workspace slug from the URL (every workspace page is under `/workspaces/<slug>/`) and
gives the current user's membership there: `nav_workspace` and `nav_can_manage`. Nothing for an outsider (no
membership: not even the workspace's name leaks) or on pages outside a workspace. The membership the view already
looked up with `fleet.access.get_workspace_for` is reused, so the navigation costs no query of its own.
"""

from fleet.access import membership_in


def workspace_nav(request):
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("slug") if match else None
    user = getattr(request, "user", None)
    if not slug or user is None or not user.is_authenticated:
        return {}
    membership = membership_in(user, slug)
    if membership is None:
        return {}
    return {"nav_workspace": membership.workspace, "nav_can_manage": membership.can_manage}
