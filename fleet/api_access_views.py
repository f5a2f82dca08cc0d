"""The workspace's "API access" page: managers create, list and revoke the API's client credentials.

Viewers see the list but cannot act (403); outsiders get 404. A new secret is shown once: django-oauth-toolkit
keeps only its hash, so the form's POST puts it in the session and redirects (a reload never creates a second
pair), and the next GET takes it out of the session and shows it, with `Cache-Control: no-store`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from fleet.access import get_workspace_for
from fleet.models import ApiClient

NEW_SECRET_KEY = "api_access_new_secret"


class NewClientForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="Which system will use these credentials, e.g. “ERP” or “Telematics”."
    )


def _page(request, workspace, membership, form, new_client=None, new_secret=None, status=200):
    clients = workspace.api_clients.select_related("application", "created_by").order_by("-created_at")
    return render(
        request,
        "fleet/api_access.html",
        {
            "workspace": workspace,
            "membership": membership,
            "clients": clients,
            "form": form,
            "new_client": new_client,
            "new_secret": new_secret,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_access(request, slug):
    workspace, membership = get_workspace_for(request.user, slug, write=request.method == "POST")
    if request.method == "POST":
        form = NewClientForm(request.POST)
        if not form.is_valid():
            return _page(request, workspace, membership, form, status=400)
        client, secret = ApiClient.issue(workspace, form.cleaned_data["name"], created_by=request.user)
        request.session[NEW_SECRET_KEY] = {"client": client.pk, "secret": secret}
        return redirect("api_access:page", slug=workspace.slug)
    shown = request.session.pop(NEW_SECRET_KEY, None)
    new_client = workspace.api_clients.filter(pk=shown["client"]).first() if shown else None
    response = _page(
        request, workspace, membership, NewClientForm(), new_client, shown["secret"] if new_client else None
    )
    if shown:
        response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@login_required
@require_POST
def revoke(request, slug, client_id):
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    client = get_object_or_404(ApiClient, workspace=workspace, pk=client_id)
    if client.revoked_at is None:
        client.revoke("user", request.user.get_username())
        messages.success(request, f"Credentials “{client.name}” revoked: their tokens no longer work.")
    else:
        messages.info(request, f"Credentials “{client.name}” were already revoked.")
    return redirect("api_access:page", slug=workspace.slug)
