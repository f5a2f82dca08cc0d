"""What a VIN waits for, on the VIN table (the phrase under the badge, the `stuck=1` filter, the "N stuck" count),
the vehicle page (what it waits for, since when, the approval chain) and the Makes page (`?make=` preselected)."""

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse

from events import log
from tests.factories import activate, add_vehicle, new_vin
from tests.states import backdate
from vehicles.choices import Party, Status
from vehicles.models import Vehicle
from vehicles.status import machine, waiting
from vehicles.status.machine import By

SYSTEM = By.system("test")
HOUR = dt.timedelta(hours=1)
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "vehicle-table"}


def table_url(workspace, **params):
    url = reverse("vehicles:list", args=[workspace.slug])
    return f"{url}?{urlencode(params)}" if params else url


def page_url(vehicle):
    return reverse("vehicles:detail", args=[vehicle.workspace.slug, vehicle.vin])


def pending_since(workspace, ago, wmi="WBA"):
    return backdate(add_vehicle(workspace, new_vin(wmi)), ago)


def enabled_after(workspace, pending_for):
    vehicle = pending_since(workspace, pending_for)
    machine.approve_one(vehicle, Party.PLATFORM, SYSTEM)
    return machine.approve_one(vehicle, Party.PROVIDER, SYSTEM)


def row_of(body, vehicle):
    start = body.index(f'id="vehicle-{vehicle.pk}"')
    return body[start : body.index("</tr>", start)]


# --- the VIN table


def test_each_row_says_what_it_waits_for_under_its_badge(client, manager, workspace, make_vehicle):
    fresh = make_vehicle(Status.PENDING)
    halfway = machine.approve_one(make_vehicle(Status.PENDING), Party.PLATFORM, SYSTEM)
    old = pending_since(workspace, 50 * HOUR)
    incomplete, enabled = make_vehicle(Status.INCOMPLETE), make_vehicle(Status.ENABLED)
    client.force_login(manager)
    body = client.get(table_url(workspace)).content.decode()
    assert "Waiting for both approvals" in row_of(body, fresh)
    assert "Waiting for the carmaker" in row_of(body, halfway)
    assert 'class="waiting waiting-stuck">Stuck: pending 2 days' in row_of(body, old)
    assert "Waiting for make activation" in row_of(body, incomplete)
    assert 'class="waiting' not in row_of(body, enabled)


def test_a_row_says_how_long_its_make_usually_takes(client, manager, workspace, bmw_active):
    for _ in range(5):
        enabled_after(workspace, 48 * HOUR)
    waiting.refresh_medians()
    vehicle = pending_since(workspace, HOUR)
    client.force_login(manager)
    body = client.get(table_url(workspace)).content.decode()
    assert "Waiting for both approvals · usually 2 days" in row_of(body, vehicle)


def test_an_incomplete_row_links_to_the_makes_page_with_its_make(client, manager, workspace, make_vehicle):
    vehicle = make_vehicle(Status.INCOMPLETE)
    client.force_login(manager)
    body = client.get(table_url(workspace)).content.decode()
    link = f'href="{reverse("vehicles:makes", args=[workspace.slug])}?make=Ferrari"'
    assert link in row_of(body, vehicle)


def test_an_error_row_shows_the_reason_and_still_offers_enable(client, manager, workspace, make_vehicle):
    vehicle = make_vehicle(Status.ERROR, vin=new_vin("WBA"))
    client.force_login(manager)
    row = row_of(client.get(table_url(workspace)).content.decode(), vehicle)
    assert "Refused by the provider: not recognised" in row
    assert ">Enable</a>" in row


def test_the_stuck_filter_lists_only_stuck_vins(client, manager, workspace, bmw_active, make_vehicle):
    stuck = [pending_since(workspace, h * HOUR) for h in (49, 100)]
    pending_since(workspace, HOUR)
    make_vehicle(Status.ENABLED, ago=dt.timedelta(days=10))
    client.force_login(manager)
    response = client.get(table_url(workspace, stuck="1"))
    assert [v.vin for v in response.context["vehicles"]] == [stuck[0].vin, stuck[1].vin]  # newest change first
    assert "2\n      vehicles match the filters" in response.content.decode()
    assert len(client.get(table_url(workspace, stuck="0")).context["vehicles"]) == 4


def test_the_stuck_filter_keeps_to_the_workspace(client, manager, workspace, other_workspace, bmw_active):
    activate(other_workspace, "BMW")
    pending_since(other_workspace, 100 * HOUR)
    client.force_login(manager)
    response = client.get(table_url(workspace, stuck="1"))
    assert list(response.context["vehicles"]) == []
    # The link of the filter in use, with no count of another workspace's stuck VINs.
    assert '<span class="count-number">0</span> <span class="count-label">stuck' in response.content.decode()


def test_a_bad_stuck_value_is_reported_and_ignored(client, manager, workspace, bmw_active):
    pending_since(workspace, HOUR)
    client.force_login(manager)
    response = client.get(table_url(workspace, stuck="yes"))
    assert response.status_code == 200
    assert len(response.context["vehicles"]) == 1
    assert "Stuck “yes”" in response.content.decode()


def test_the_counts_show_how_many_are_stuck_as_a_link_to_the_filter(client, manager, workspace, bmw_active):
    for hours in (49, 60, 1):
        pending_since(workspace, hours * HOUR)
    client.force_login(manager)
    body = client.get(table_url(workspace, make="BMW")).content.decode()
    stuck_url = table_url(workspace, make="BMW", stuck="1")
    assert f'<a href="{stuck_url.replace("&", "&amp;")}"' in body
    assert '<span class="count-number">2</span> <span class="count-label">stuck</span>' in body
    filtered = client.get(stuck_url).content.decode()
    assert 'class="count count-stuck" aria-current="true"' in filtered


def test_no_stuck_link_when_nothing_is_stuck(client, manager, workspace, bmw_active):
    pending_since(workspace, HOUR)
    client.force_login(manager)
    assert "count-stuck" not in client.get(table_url(workspace)).content.decode()


def test_the_htmx_table_fragment_carries_the_phrases_and_the_stuck_count(client, manager, workspace, bmw_active):
    vehicle = pending_since(workspace, 50 * HOUR)
    client.force_login(manager)
    response = client.get(table_url(workspace, stuck="1"), **HTMX)
    body = response.content.decode()
    assert "<html" not in body and "Stuck: pending 2 days" in row_of(body, vehicle)
    assert "count-stuck" in body


def test_the_viewer_sees_the_phrases_too(client, viewer, workspace, bmw_active):
    vehicle = pending_since(workspace, 50 * HOUR)
    client.force_login(viewer)
    body = client.get(table_url(workspace, stuck="1")).content.decode()
    assert "Stuck: pending 2 days" in row_of(body, vehicle)


def test_the_outsider_gets_404_for_the_stuck_filter(client, outsider, workspace):
    client.force_login(outsider)
    assert client.get(table_url(workspace, stuck="1")).status_code == 404


def test_the_stuck_mark_adds_a_constant_number_of_queries(client, manager, workspace, bmw_active):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    pending_since(workspace, 50 * HOUR)
    client.get(table_url(workspace))  # once first (it sequences the events so far): one-off queries are not counted
    with CaptureQueriesContext(connection) as few:
        client.get(table_url(workspace))
    for hours in range(1, 30):
        pending_since(workspace, hours * 5 * HOUR)
    log.sequence()  # as the first request did: the events of the rows added are not the page's queries
    with CaptureQueriesContext(connection) as many:
        client.get(table_url(workspace))
    assert len(many) == len(few)


# --- the vehicle page


def test_a_pending_vehicle_page_says_what_it_waits_for_and_since_when(client, manager, workspace, bmw_active):
    for _ in range(5):
        enabled_after(workspace, 24 * HOUR)
    waiting.refresh_medians()
    vehicle = machine.approve_one(pending_since(workspace, 3 * HOUR), Party.PLATFORM, SYSTEM)
    client.force_login(manager)
    body = client.get(page_url(vehicle)).content.decode()
    assert "<dt>Waiting for</dt>" in body and "The carmaker&#x27;s approval" in body
    assert "(3 hours); BMW usually takes 24 hours." in body
    assert "Nothing to do: the platform has approved" in body
    # The approval chain: uploaded, make activated, platform approved; the carmaker's step is the current one.
    assert '<h2 id="chain-heading">Approval chain</h2>' in body
    assert '<li class="current" aria-current="step">\n    Carmaker approved:\n    waiting' in body
    assert f'<time datetime="{vehicle.platform_approved_at.isoformat()}' in body


def test_a_stuck_vehicle_page_says_so(client, viewer, workspace, bmw_active):
    vehicle = pending_since(workspace, 50 * HOUR)
    client.force_login(viewer)
    body = client.get(page_url(vehicle)).content.decode()
    assert '<span class="tag tag-red">Stuck</span>' in body
    assert "not enough recent BMW approvals" in body
    assert "contact the platform&#x27;s support" in body


def test_an_incomplete_vehicle_page_links_to_its_make(client, manager, workspace, make_vehicle):
    vehicle = make_vehicle(Status.INCOMPLETE)
    client.force_login(manager)
    body = client.get(page_url(vehicle)).content.decode()
    assert "The activation of its make for this workspace" in body
    assert f'{reverse("vehicles:makes", args=[workspace.slug])}?make=Ferrari">Go to the Makes page for Ferrari' in body


def test_an_enabled_vehicle_page_waits_for_nothing(client, manager, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)
    client.force_login(manager)
    body = client.get(page_url(vehicle)).content.decode()
    assert "<dt>Waiting for</dt>" not in body
    assert body.count('<li class="done"') == 5


def test_the_outsider_gets_404_for_the_vehicle_page(client, outsider, make_vehicle):
    vehicle = make_vehicle(Status.PENDING)
    client.force_login(outsider)
    assert client.get(page_url(vehicle)).status_code == 404


# --- the Makes page


def test_the_makes_page_preselects_the_make_it_is_given(client, manager, workspace, make_vehicle):
    vehicle = make_vehicle(Status.INCOMPLETE)
    client.force_login(manager)
    body = client.get(reverse("vehicles:makes", args=[workspace.slug]) + "?make=ferrari").content.decode()
    assert f'<tr id="make-{vehicle.make_id}" class="selected" aria-current="true">' in body
    assert '<details class="activation-request" open>' in body


def test_the_makes_page_ignores_a_make_it_does_not_show(client, viewer, workspace, make_vehicle):
    make_vehicle(Status.INCOMPLETE)
    client.force_login(viewer)
    response = client.get(reverse("vehicles:makes", args=[workspace.slug]) + "?make=Nope")
    assert response.status_code == 200 and 'class="selected"' not in response.content.decode()
    assert Vehicle.objects.get().status == Status.INCOMPLETE


def test_the_row_an_action_answers_says_what_it_now_waits_for(client, manager, workspace, make_vehicle):
    vehicle = make_vehicle(Status.DISABLED)
    client.force_login(manager)
    response = client.post(
        reverse("vehicles:action", args=[workspace.slug, vehicle.vin, "enable"]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{table_url(workspace)}",
    )
    assert response.status_code == 200
    assert "Waiting for both approvals" in row_of(response.content.decode(), vehicle)
    assert Vehicle.objects.get(pk=vehicle.pk).status == Status.PENDING
