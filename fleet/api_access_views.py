"""The workspace's "API access" page: managers create, list and revoke the API's client credentials.

Viewers see the list but cannot act (403); outsiders get 404. A new secret is shown once: django-oauth-toolkit
keeps only its hash, so the form's POST puts it in the session and redirects (a reload never creates a second
pair), and the next GET takes it out of the session and shows it, with `Cache-Control: no-store`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from events import webhooks
from events.models import PUBLIC_TYPES, DeliveryAttempt, EventType, Webhook
from fleet.access import get_workspace_for
from fleet.models import ApiClient

NEW_SECRET_KEY = "api_access_new_secret"


class NewClientForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="Which system will use these credentials, e.g. “ERP” or “Telematics”."
    )


def _page(request, workspace, membership, form, new_client=None, new_secret=None, status=200, webhook_form=None):
    new_webhook = request.session.pop(NEW_WEBHOOK_KEY, None) if request.method == "GET" else None
    hooks = _webhooks_of(workspace)
    if new_webhook:
        new_webhook["webhook"] = next((w for w in hooks if str(w.pk) == new_webhook["webhook"]), None)
    clients = workspace.api_clients.select_related("application", "created_by").order_by("-created_at")
    response = render(
        request,
        "fleet/api_access.html",
        {
            "workspace": workspace,
            "membership": membership,
            "clients": clients,
            "form": form,
            "new_client": new_client,
            "new_secret": new_secret,
            "webhooks": hooks,
            "webhook_form": webhook_form or WebhookForm(prefix="webhook"),
            "replay_form": ReplayForm(),
            "new_webhook": new_webhook if new_webhook and new_webhook["webhook"] else None,
        },
        status=status,
    )
    if new_webhook:
        response["Cache-Control"] = "no-store"  # the webhook's secret is on it, once
    return response


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
@require_http_methods(["GET", "POST"])
def revoke(request, slug, client_id):
    """GET: the confirmation (what revoking does, and that it cannot be undone); POST: revoke."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    client = get_object_or_404(ApiClient, workspace=workspace, pk=client_id)
    if request.method == "GET":
        if client.revoked_at is not None:
            messages.info(request, f"Credentials “{client.name}” were already revoked.")
            return redirect("api_access:page", slug=workspace.slug)
        return render(request, "fleet/revoke_confirm.html", {"workspace": workspace, "client": client})
    if client.revoked_at is None:
        client.revoke("user", request.user.get_username())
        messages.success(request, f"Credentials “{client.name}” revoked: their tokens no longer work.")
    else:
        messages.info(request, f"Credentials “{client.name}” were already revoked.")
    return redirect("api_access:page", slug=workspace.slug)


# --- Webhooks (SPEC.md "Webhooks"; docs/webhooks.md): managers add, edit, switch off and on, delete, test and
# replay; everyone sees the endpoints and their delivery logs. What a webhook does is events.webhooks'. ---

NEW_WEBHOOK_KEY = "api_access_new_webhook"
DELIVERY_LOG = 20


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where the events are POSTed: an https URL whose host has public addresses only.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(t, f"{t} — {EventType(t).label}") for t in PUBLIC_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="The event types this endpoint receives.",
    )
    description = forms.CharField(label="Description", max_length=200, required=False)


class ReplayForm(forms.Form):
    since = forms.DateTimeField(
        label="Send again every event since",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


def _webhooks_of(workspace):
    webhooks = list(Webhook.objects.filter(workspace=workspace).order_by("created_at", "id"))
    for webhook in webhooks:
        webhook.log = list(
            DeliveryAttempt.objects.filter(webhook=webhook)
            .select_related("message__event")
            .order_by("-at", "-id")[:DELIVERY_LOG]
        )
    return webhooks


def _who(request):
    return {"actor": "user", "actor_name": request.user.get_username()}


def _webhook(request, slug, webhook_id):
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    return workspace, get_object_or_404(Webhook, workspace=workspace, pk=webhook_id)


def _back(workspace):
    return redirect(f"{reverse('api_access:page', args=[workspace.slug])}#webhooks")


def _apply(form, call):
    """Run the service; its refusal (a URL, an event type) becomes the form's error. True if it went through."""
    try:
        call()
    except webhooks.InvalidWebhook as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc).removeprefix(f"{exc.field}: "))
        return False
    return True


@login_required
@require_POST
def webhook_add(request, slug):
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    form = WebhookForm(request.POST, prefix="webhook")
    created = {}

    def create():
        created["webhook"], created["secret"] = webhooks.create(
            workspace.pk,
            form.cleaned_data["url"],
            form.cleaned_data["events"],
            form.cleaned_data["description"],
            **_who(request),
        )

    if not form.is_valid() or not _apply(form, create):
        return _page(request, workspace, membership, NewClientForm(), webhook_form=form, status=400)
    request.session[NEW_WEBHOOK_KEY] = {"webhook": str(created["webhook"].pk), "secret": created["secret"]}
    return _back(workspace)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request, slug, webhook_id):
    workspace, webhook = _webhook(request, slug, webhook_id)
    initial = {"url": webhook.url, "events": webhook.events, "description": webhook.description}
    form = WebhookForm(request.POST if request.method == "POST" else None, initial=initial, prefix="webhook")
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda: webhooks.update(webhook, **_who(request), **form.cleaned_data)):
            messages.success(request, f"Webhook {webhook.url} saved.")
            return _back(workspace)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "fleet/webhook_edit.html", {"workspace": workspace, "webhook": webhook, "form": form}, status=status
    )


@login_required
@require_POST
def webhook_switch(request, slug, webhook_id):
    workspace, webhook = _webhook(request, slug, webhook_id)
    on = request.POST.get("enabled") == "on"
    webhooks.update(webhook, enabled=on, **_who(request))
    messages.success(request, f"Webhook {webhook.url} switched {'on' if on else 'off'}.")
    return _back(workspace)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request, slug, webhook_id):
    workspace, webhook = _webhook(request, slug, webhook_id)
    if request.method == "POST":
        webhooks.delete(webhook, **_who(request))
        messages.success(request, f"Webhook {webhook.url} deleted.")
        return _back(workspace)
    return render(request, "fleet/webhook_delete.html", {"workspace": workspace, "webhook": webhook})


@login_required
@require_POST
def webhook_test(request, slug, webhook_id):
    workspace, webhook = _webhook(request, slug, webhook_id)
    if not webhook.enabled:
        messages.error(request, f"Webhook {webhook.url} is switched off: switch it on before testing it.")
    else:
        webhooks.send_test(webhook, **_who(request))
        messages.success(request, f"A test event is on its way to {webhook.url}: see the delivery log.")
    return _back(workspace)


@login_required
@require_POST
def webhook_replay(request, slug, webhook_id):
    workspace, webhook = _webhook(request, slug, webhook_id)
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Replay: {' '.join(form.errors.get('since', ['give a date and time']))}")
    elif not webhook.enabled:
        messages.error(request, f"Webhook {webhook.url} is switched off: switch it on before a replay.")
    else:
        queued = webhooks.replay(webhook, form.cleaned_data["since"])
        messages.success(request, f"{queued} event{'s' if queued != 1 else ''} queued again for {webhook.url}.")
    return _back(workspace)
