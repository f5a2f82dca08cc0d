"""Operators' admin actions go through the status machine and refuse what it refuses, with a message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from vehicles.choices import Event, Status
from vehicles.models import StatusChange, Vehicle
from vehicles.status import machine
from vehicles.status.machine import By

SYSTEM = By.system("test")

CHANGELIST = reverse("admin:vehicles_vehicle_changelist")


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def act(admin_client, action, vehicles, **extra):
    data = {"action": action, "_selected_action": [v.pk for v in vehicles], **extra}
    return admin_client.post(CHANGELIST, data, follow=True)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_vehicle_list_shows_vins_without_an_exact_full_count(admin_client, make_vehicle):
    vehicle = make_vehicle("enabled")
    response = admin_client.get(CHANGELIST, {"q": vehicle.vin})
    assert response.status_code == 200
    assert vehicle.vin in response.content.decode()
    assert response.context["cl"].show_full_result_count is False


def test_the_vehicle_page_shows_its_history_read_only(admin_client, make_vehicle):
    vehicle = make_vehicle("disabled")
    response = admin_client.get(reverse("admin:vehicles_vehicle_change", args=[vehicle.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Disabled" in page and "approve" in page


def test_approving_as_both_parties_enables_a_pending_vin(admin_client, make_vehicle):
    vehicle = make_vehicle("pending")
    act(admin_client, "approve_as_platform", [vehicle])
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING and vehicle.platform_approved_at
    response = act(admin_client, "approve_as_provider", [vehicle])
    vehicle.refresh_from_db()
    assert vehicle.status == Status.ENABLED
    assert any("1 now Enabled" in t for t in texts(response))
    assert vehicle.history.first().actor == "operator"


def test_approving_a_vin_that_is_not_pending_is_refused_with_a_message(admin_client, make_vehicle):
    vehicle = make_vehicle("disabled")
    before = Vehicle.objects.filter(pk=vehicle.pk).values().get()
    response = act(admin_client, "approve_as_platform", [vehicle])
    assert Vehicle.objects.filter(pk=vehicle.pk).values().get() == before
    [message] = texts(response)
    assert f"VIN {vehicle.vin} is Disabled" in message and "only from Pending" in message


def test_refusing_asks_for_a_reason_then_records_it(admin_client, make_vehicle):
    vehicle = make_vehicle("pending")
    form = act(admin_client, "refuse_as_provider", [vehicle])
    assert "Reason" in form.content.decode()
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING  # nothing changes before the reason is given
    act(admin_client, "refuse_as_provider", [vehicle], reason="unknown to the maker", confirm="yes")
    vehicle.refresh_from_db()
    assert vehicle.status == Status.ERROR
    assert vehicle.error_reason == "Refused by the provider: unknown to the maker"


def test_disable_changes_the_enabled_and_names_the_refused(admin_client, make_vehicle):
    enabled, pending = make_vehicle("enabled"), make_vehicle("pending")
    response = act(admin_client, "disable", [enabled, pending])
    enabled.refresh_from_db(), pending.refresh_from_db()
    assert (enabled.status, pending.status) == (Status.DISABLED, Status.PENDING)
    messages = texts(response)
    assert "1 VIN(s) disabled." in messages
    assert any(f"VIN {pending.vin} is Pending" in m for m in messages)


def test_an_admin_edit_cannot_set_a_status(admin_client, make_vehicle):
    vehicle = make_vehicle("pending")
    url = reverse("admin:vehicles_vehicle_change", args=[vehicle.pk])
    admin_client.post(
        url,
        {
            "model_year": "2020",
            "odometer": "10",
            "odometer_unit": "km",
            "status": "enabled",
            "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0",
        },
    )
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING
    assert vehicle.model_year == 2020


def test_admin_cannot_add_or_hard_delete_vehicles(admin_client, make_vehicle):
    vehicle = make_vehicle("enabled")
    assert admin_client.get(reverse("admin:vehicles_vehicle_add")).status_code == 403
    assert admin_client.get(reverse("admin:vehicles_vehicle_delete", args=[vehicle.pk])).status_code == 403


def test_completing_a_make_activation_moves_its_incomplete_vins(admin_client, workspace, make_vehicle):
    from fleet.models import MakeActivation

    vehicle = make_vehicle("incomplete")
    activation = MakeActivation.objects.create(workspace=workspace, make=vehicle.make)
    response = admin_client.post(
        reverse("admin:fleet_makeactivation_changelist"),
        {"action": "complete_activation", "_selected_action": [activation.pk]},
        follow=True,
    )
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING
    assert any("1 Incomplete VIN(s) moved to Pending" in t for t in texts(response))
    assert StatusChange.objects.filter(vehicle=vehicle, event="activate_make").count() == 1


def test_turning_automatic_platform_approval_on_approves_the_vins_already_pending(
    admin_client, workspace, make_vehicle
):
    waiting, provider_approved, enabled = make_vehicle("pending"), make_vehicle("pending"), make_vehicle("enabled")
    machine.approve_one(provider_approved, "provider", SYSTEM)
    response = admin_client.post(
        reverse("admin:fleet_workspace_change", args=[workspace.pk]),
        {
            "name": workspace.name,
            "slug": workspace.slug,
            "auto_platform_approval": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert any("given to 2 Pending VIN(s); 1 now Enabled" in t for t in texts(response)), texts(response)
    waiting.refresh_from_db(), provider_approved.refresh_from_db(), enabled.refresh_from_db()
    assert waiting.status == Status.PENDING and waiting.platform_approved_at is not None
    assert provider_approved.status == Status.ENABLED
    assert provider_approved.history.first().actor_name == "automatic platform approval"


def test_saving_the_vehicle_form_writes_only_the_edited_details(admin_client, make_vehicle):
    """A full save would write back the status read when the request began, undoing a transition made by another
    process in the meantime: the UPDATE must name only the edited columns."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    vehicle = make_vehicle("enabled")
    url = reverse("admin:vehicles_vehicle_change", args=[vehicle.pk])
    data = {"odometer": "123", "odometer_unit": "mi", "history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}
    with CaptureQueriesContext(connection) as queries:
        admin_client.post(url, data)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "vehicles_vehicle"')]
    assert len(updates) == 1
    assert '"odometer"' in updates[0] and '"status"' not in updates[0] and '"deleted_at"' not in updates[0]
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.odometer, vehicle.odometer_unit) == (Status.ENABLED, 123, "mi")


def test_an_existing_make_activation_keeps_its_workspace_and_make(admin_client, workspace, other_workspace):
    from fleet.models import MakeActivation
    from tests.factories import make_named

    activation = MakeActivation.objects.create(workspace=workspace, make=make_named("Ferrari"))
    admin_client.post(
        reverse("admin:fleet_makeactivation_change", args=[activation.pk]),
        {"workspace": other_workspace.pk, "make": make_named("BMW").pk, "note": "moved"},
    )
    activation.refresh_from_db()
    assert (activation.workspace, activation.make.name) == (workspace, "Ferrari")


def test_the_vin_search_finds_a_prefix_and_a_capped_count_says_more_than(admin_client, make_vehicle, monkeypatch):
    from fleet.paginators import CappedCountPaginator

    first, second = make_vehicle("enabled"), make_vehicle("pending")
    page = admin_client.get(CHANGELIST, {"q": first.vin[:10].lower()}).content.decode()
    assert first.vin in page and second.vin not in page
    monkeypatch.setattr(CappedCountPaginator, "cap", 1)  # two vehicles: more than the cap
    page = admin_client.get(CHANGELIST).content.decode()
    assert "More than 1 vehicles" in page and "2 vehicles" not in page


def test_the_history_search_finds_a_vin_live_or_deleted_in_any_workspace_and_any_case(
    admin_client, make_vehicle, workspace
):
    from tests.factories import WorkspaceFactory

    gone = make_vehicle("incomplete")
    machine.fire(gone, Event.DELETE, By.system("test"))
    elsewhere = make_vehicle("incomplete", target_workspace=WorkspaceFactory(slug="beta"), vin=gone.vin)
    other = make_vehicle("pending")

    page = admin_client.get(reverse("admin:vehicles_statuschange_changelist"), {"q": gone.vin.lower()})

    shown = {change.vehicle_id for change in page.context["cl"].result_list}
    assert shown == {gone.pk, elsewhere.pk} and other.pk not in shown
    assert StatusChange.objects.filter(vehicle=gone).count() == 2  # upload and delete: both found
    assert len(page.context["cl"].result_list) == StatusChange.objects.filter(vehicle__vin=gone.vin).count()


def test_with_vin_gives_the_live_and_the_deleted_rows_of_a_vin(make_vehicle, workspace):
    from tests.factories import WorkspaceFactory

    gone = make_vehicle("incomplete")
    machine.fire(gone, Event.DELETE, By.system("test"))
    beta = WorkspaceFactory(slug="beta")
    live = make_vehicle("incomplete", target_workspace=beta, vin=gone.vin)
    make_vehicle("pending")

    assert list(Vehicle.all_objects.with_vin(gone.vin, workspace)) == [gone]
    assert list(Vehicle.all_objects.with_vin(gone.vin, beta)) == [live]
    assert set(Vehicle.all_objects.with_vin(gone.vin)) == {gone, live}
