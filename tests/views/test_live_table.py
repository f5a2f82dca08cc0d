"""The live VIN table's request (SPEC.md "The live table"): 204 when nothing changed; the changed rows on screen
and the counts as out-of-band swaps with an announcement; deleted rows removed; the next cursor in a header."""

from django.urls import reverse

from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import Event as Change
from vehicles.choices import Party, Status
from vehicles.status import machine
from vehicles.status.machine import By


def cursor_of(page):
    html = page.content.decode()
    return int(html.split('data-after="')[1].split('"')[0])


def poll(client, workspace, after, rows, **params):
    ids = ",".join(str(v.pk) for v in rows)
    return client.get(
        reverse("vehicles:live", args=[workspace.slug]), {"live_after": after, "live_rows": ids, **params}
    )


def test_nothing_changed_is_an_empty_204(client, workspace, viewer):
    vehicle = add_vehicle(workspace, new_vin("WBA"))
    client.force_login(viewer)
    after = cursor_of(client.get(reverse("vehicles:list", args=[workspace.slug])))
    answer = poll(client, workspace, after, [vehicle])
    assert answer.status_code == 204 and answer.content == b"" and answer["X-Live-After"] == str(after)


def test_a_row_on_screen_that_changed_is_swapped_with_the_counts_and_announced(client, workspace, manager):
    activate(workspace, "BMW")
    shown, elsewhere = add_vehicle(workspace, new_vin("WBA")), add_vehicle(workspace, new_vin("WBA"))
    client.force_login(manager)
    after = cursor_of(client.get(reverse("vehicles:list", args=[workspace.slug])))
    for vehicle in (shown, elsewhere):
        machine.approve_one(vehicle, Party.PLATFORM, By.operator())
        machine.approve_one(vehicle, Party.PROVIDER, By.provider("simulated"))

    answer = poll(client, workspace, after, [shown], status="enabled")
    html = answer.content.decode()
    assert answer.status_code == 200
    assert f'<tr id="vehicle-{shown.pk}" hx-swap-oob="true">' in html and f"vehicle-{elsewhere.pk}" not in html
    assert 'id="status-counts"' in html and 'hx-swap-oob="true"' in html
    assert f"{shown.vin} is now Enabled" in html
    assert "?status=enabled" not in html.split('id="status-counts"')[0]  # the row's links are the table's own
    assert f"Actions for {shown.vin}" in html  # the manager's menu, as the table renders it
    assert int(answer["X-Live-After"]) > after
    assert poll(client, workspace, answer["X-Live-After"], [shown]).status_code == 204


def test_a_deleted_row_is_removed(client, workspace, manager):
    vehicle = add_vehicle(workspace, new_vin("WBA"))  # Incomplete: may be deleted
    client.force_login(manager)
    after = cursor_of(client.get(reverse("vehicles:list", args=[workspace.slug])))
    machine.fire(vehicle, Change.DELETE, By.manager(manager))
    html = poll(client, workspace, after, [vehicle]).content.decode()
    assert f'<tr id="vehicle-{vehicle.pk}" hx-swap-oob="delete"></tr>' in html
    assert f"{vehicle.vin} is now deleted" in html


def test_many_changes_ask_the_table_to_fetch_itself_again(client, workspace, manager):
    client.force_login(manager)
    after = cursor_of(client.get(reverse("vehicles:list", args=[workspace.slug])))
    for _ in range(51):
        add_vehicle(workspace, new_vin("WBA"))
    answer = poll(client, workspace, after, [])
    assert answer.status_code == 200 and answer["HX-Trigger"] == "vehicles-changed"


def test_bad_parameters_and_outsiders(client, workspace, outsider, viewer):
    client.force_login(viewer)
    assert client.get(reverse("vehicles:live", args=[workspace.slug]), {"live_after": "x"}).status_code == 400
    client.force_login(outsider)
    assert client.get(reverse("vehicles:live", args=[workspace.slug]), {"live_after": "0"}).status_code == 404
    assert Status.ENABLED  # the statuses the answers speak


def test_the_vehicle_page_is_asked_to_fetch_itself_again_only_when_its_vin_changed(client, workspace, manager):
    activate(workspace, "BMW")
    mine, other = add_vehicle(workspace, new_vin("WBA")), add_vehicle(workspace, new_vin("WBA"))
    client.force_login(manager)
    page = client.get(reverse("vehicles:detail", args=[workspace.slug, mine.vin]))
    after = cursor_of(page)
    url = reverse("vehicles:vehicle-live", args=[workspace.slug, mine.vin])
    assert client.get(url, {"live_after": after}).status_code == 204

    machine.approve_one(other, Party.PLATFORM, By.operator())
    machine.approve_one(other, Party.PROVIDER, By.provider("simulated"))
    answer = client.get(url, {"live_after": after})
    assert answer.status_code == 204 and int(answer["X-Live-After"]) > after  # another VIN: nothing to do

    machine.approve_one(mine, Party.PLATFORM, By.operator())
    machine.approve_one(mine, Party.PROVIDER, By.provider("simulated"))
    answer = client.get(url, {"live_after": answer["X-Live-After"]})
    assert answer.status_code == 200 and answer["X-Live-Refresh"] == "vehicle-page-changed"
