"""The Makes page: which makes a workspace's vehicles have, how many wait for their make (Incomplete), and
whether each make is activated. A manager asks for activation with a note; an operator completes it in the admin
or with `activate_make` (which moves the make's Incomplete VINs to Pending and starts their approval chain).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from events import log
from events.models import EventType
from fleet.access import get_workspace_for
from fleet.models import Make, MakeActivation
from vehicles.choices import Status
from vehicles.status.counts import make_counts

NOTE_MAX = 1000


class ActivationRequestForm(forms.Form):
    note = forms.CharField(
        label="Note for the operator",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write a note for the operator: why this make should be activated",
            "max_length": f"The note is too long: at most {NOTE_MAX} characters",
        },
    )


class ActivationRefused(Exception):
    """The request cannot be made (the make is already activated or already requested). Nothing changed."""


def request_make_activation(workspace, make, user, note):
    """Record a manager's request for a make's activation in a workspace; returns the MakeActivation."""
    existing = MakeActivation.objects.filter(workspace=workspace, make=make).first()
    if existing is not None:
        if existing.is_active:
            raise ActivationRefused(f"{make.name} is already activated for this workspace")
        raise ActivationRefused(
            f"Activation of {make.name} was already requested on {existing.requested_at:%d %b %Y}: "
            "the operator has been asked"
        )
    try:
        with transaction.atomic():
            activation = MakeActivation.objects.create(workspace=workspace, make=make, note=note, requested_by=user)
            data = {"make": make.name, "note": note}
            log.record(workspace.pk, EventType.MAKE_ACTIVATION_REQUESTED, data, "user", user.get_username())
            return activation
    except IntegrityError:  # someone asked at the same moment
        raise ActivationRefused(f"Activation of {make.name} was already requested") from None


def make_rows(workspace):
    """One row per make of the workspace's live vehicles, by name; VINs without a make last."""
    counts = make_counts(workspace)
    makes = {make.pk: make for make in Make.objects.filter(pk__in=[key for key in counts if key])}
    activations = {
        a.make_id: a for a in MakeActivation.objects.filter(workspace=workspace).select_related("requested_by")
    }
    rows = [
        {
            "make": makes[key],
            "total": sum(by_status.values()),
            "incomplete": by_status[Status.INCOMPLETE],
            "activation": activations.get(key),
        }
        for key, by_status in counts.items()
        if key in makes
    ]
    rows.sort(key=lambda row: row["make"].name.lower())
    unknown = counts.get(0)
    return rows, sum(unknown.values()) if unknown else 0


def _preselected(request, rows):
    """The make named by `?make=` (without regard to case; linked from an Incomplete VIN), if it is on the page."""
    name = request.GET.get("make", "").strip().lower()
    return next((row["make"].pk for row in rows if name and row["make"].name.lower() == name), None)


def _page(request, workspace, membership, form=None, form_make_id=None, status=200, message_make_id=None):
    rows, without_make = make_rows(workspace)
    context = {
        "preselected_make_id": _preselected(request, rows),
        "workspace": workspace,
        "membership": membership,
        "can_manage": membership.can_manage,
        "rows": rows,
        "without_make": without_make,
        "form": form,
        "form_make_id": form_make_id,
        "message_make_id": message_make_id,
    }
    template = "vehicles/makes.html#makes-table" if request.htmx else "vehicles/makes.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def make_list(request, slug):
    workspace, membership = get_workspace_for(request.user, slug)
    return _page(request, workspace, membership)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def request_activation(request, slug, make_id):
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    if not make_id or not make_counts(workspace).get(make_id):  # 0 is the key of "make not found"
        raise Http404("No vehicle of this make in this workspace")
    make = get_object_or_404(Make, pk=make_id)
    form = ActivationRequestForm(request.POST, auto_id=f"%s-{make.pk}")  # the row's textarea is note-<make id>
    if not form.is_valid():
        # HTMX swaps only 2xx answers: the fragment with the error comes back as 200, a plain page as 400.
        return _page(request, workspace, membership, form, make.pk, status=200 if request.htmx else 400)
    try:
        request_make_activation(workspace, make, request.user, form.cleaned_data["note"].strip())
    except ActivationRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Activation of {make.name} requested: an operator will complete it.")
    if request.htmx:
        return _page(request, workspace, membership, message_make_id=make.pk)
    return redirect("vehicles:makes", workspace.slug)
