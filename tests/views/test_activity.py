"""The activity log (SPEC.md "The activity log and exports"): newest first, a bulk change as one line with its
VINs, filters in the URL, keyset pages, the filtered log as CSV; viewers read it, outsiders get 404."""

import csv
import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone

from events import log
from events.models import Event, EventType
from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import Event as Change
from vehicles.choices import Party
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.status import machine
from vehicles.status.machine import By


def page(client, workspace, **params):
    response = client.get(reverse("vehicles:activity", args=[workspace.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def enabled_fleet(workspace, n):
    activate(workspace, "BMW")
    add_vehicles(workspace, [Entry(vin=new_vin("WBA")) for _ in range(n)], By.system("seed"))
    pending = Vehicle.objects.filter(workspace=workspace, status="pending")
    machine.approve(pending, Party.PLATFORM, By.operator())
    machine.approve(pending, Party.PROVIDER, By.provider("BMW CarData"))


def test_a_bulk_change_is_one_line_that_expands_to_its_vins(client, workspace, manager, viewer):
    enabled_fleet(workspace, 250)
    machine.apply(Change.DISABLE, Vehicle.objects.filter(workspace=workspace), By.manager(manager))
    client.force_login(viewer)

    html = page(client, workspace)
    assert (
        html.index("250 vehicles disabled") < html.index("250 vehicles approved") < html.index("250 vehicles uploaded")
    )
    assert html.count("250 vehicles disabled") == 1  # three events of ≤100 changes, one line
    assert "mia (fleet manager)" in html and "BMW CarData (data provider)" in html
    assert "and 150 more: filter by VIN to find one." in html
    assert '<nav aria-label="Main">' in html and ">Activity</a>" in html


def test_the_vin_filter_finds_every_line_of_one_vin_even_inside_bulk_events(client, workspace, manager, viewer):
    enabled_fleet(workspace, 150)
    machine.apply(Change.DISABLE, Vehicle.objects.filter(workspace=workspace), By.manager(manager))
    last = Vehicle.objects.filter(workspace=workspace).order_by("-id").first()  # in the second event of each
    client.force_login(viewer)
    html = page(client, workspace, vin=last.vin.lower())
    assert html.count('<tr id="evt_') == 3  # uploaded, approved, disabled
    assert f"{last.vin} disabled (Enabled → Disabled), one of 150 in one change" in html


def test_filters_by_type_actor_and_dates(client, workspace, manager, viewer):
    vehicle = add_vehicle(workspace, new_vin("WBA"))
    machine.fire(vehicle, Change.DELETE, By.manager(manager))
    old = log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": "r", "state": "completed", "vins": 3})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    client.force_login(viewer)

    assert "Status report of 3 VINs completed" in page(client, workspace, type="report.finished")
    assert "(Incomplete → Deleted)" not in page(client, workspace, type="report.finished")
    by_user = page(client, workspace, actor="user")
    assert f"{vehicle.vin} deleted (Incomplete → Deleted)" in by_user and "uploaded" not in by_user
    day = (timezone.now() - dt.timedelta(days=10)).date().isoformat()
    assert "Status report" in page(client, workspace, since=day, until=day)
    assert "Status report" not in page(client, workspace, since=timezone.now().date().isoformat())
    bad = page(client, workspace, type="bogus", since="2026-12-05", until="2026-12-01")
    assert "What “bogus”: Select a valid choice." in bad and "“Until” is before “From”" in bad


def test_pages_are_keyset_ranges_and_reach_the_first_event(client, workspace, viewer):
    for i in range(120):
        log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": f"r{i}", "state": "completed", "vins": i})
    client.force_login(viewer)
    seen, params = [], {}
    while True:
        response = client.get(reverse("vehicles:activity", args=[workspace.slug]), params)
        html = response.content.decode()
        seen += [int(part.split('"')[0]) for part in html.split('<tr id="evt_')[1:]]
        if 'rel="next"' not in html:
            break
        params = {"before": html.split("?before=")[1].split('"')[0]}
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 120


def test_another_workspace_s_events_never_show_and_outsiders_get_404(
    client, workspace, other_workspace, outsider, viewer
):
    log.record(other_workspace.pk, EventType.REPORT_FINISHED, {"report": "theirs", "state": "completed", "vins": 99})
    client.force_login(viewer)
    assert "99 VINs" not in page(client, workspace)
    export = client.get(reverse("vehicles:activity-export", args=[workspace.slug]))
    assert "theirs" not in b"".join(export.streaming_content).decode()
    client.force_login(outsider)
    assert client.get(reverse("vehicles:activity", args=[workspace.slug])).status_code == 404
    assert client.get(reverse("vehicles:activity-export", args=[workspace.slug])).status_code == 404


def test_the_export_has_one_row_per_vin_change_and_formula_cells_are_text(client, workspace, manager, viewer):
    enabled_fleet(workspace, 120)
    machine.apply(Change.DISABLE, Vehicle.objects.filter(workspace=workspace), By.manager(manager), reason="=cmd")
    client.force_login(viewer)
    response = client.get(
        reverse("vehicles:activity-export", args=[workspace.slug]), {"type": "vehicle.status_changed", "actor": "user"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["event_id", "created_at", "type", "actor", "actor_name", "vin"]
    assert len(rows) == 121 and {r[7] for r in rows[1:]} == {"disabled"}
    assert {r[8] for r in rows[1:]} == {"'=cmd"}
    assert response["Content-Disposition"].startswith('attachment; filename="acme-activity-')
