"""The VIN table's `Export CSV` (SPEC.md "exports"): every vehicle the filters, search and sort select, all pages,
streamed, formula-safe, named after the workspace and the date; viewers may export, outsiders get 404."""

import csv
import io

from django.urls import reverse
from django.utils import timezone

from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import Status
from vehicles.views.export import COLUMNS


def export(client, workspace, **params):
    response = client.get(reverse("vehicles:export", args=[workspace.slug]), params)
    return response, list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_every_filtered_vehicle_of_every_page_in_the_table_s_order(client, workspace, viewer):
    activate(workspace, "BMW")
    bmw = [add_vehicle(workspace, new_vin("WBA")) for _ in range(60)]  # more than a page (50)
    ferrari = add_vehicle(workspace, new_vin("ZFF"))
    client.force_login(viewer)

    response, rows = export(client, workspace, make="BMW", sort="vin")
    assert response.status_code == 200 and response.streaming
    assert rows[0] == COLUMNS
    assert [row[0] for row in rows[1:]] == sorted(v.vin for v in bmw)
    assert ferrari.vin not in {row[0] for row in rows}
    assert {row[5] for row in rows[1:]} == {Status.PENDING} and rows[1][1] == "BMW"
    day = timezone.now().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="acme-vehicles-{day}.csv"'

    _, everything = export(client, workspace)
    assert len(everything) == 62


def test_the_table_links_its_export_with_its_filters(client, workspace, viewer):
    client.force_login(viewer)
    page = client.get(reverse("vehicles:list", args=[workspace.slug]), {"status": "pending", "sort": "vin"})
    assert b'/vehicles/export.csv?status=pending&amp;sort=vin" download>Export CSV</a>' in page.content


def test_cells_that_a_spreadsheet_would_run_are_written_as_text(client, workspace, viewer):
    add_vehicle(workspace, new_vin("9ZZ"))  # no known make: Error, with its reason
    client.force_login(viewer)
    from vehicles.models import Vehicle

    Vehicle.objects.filter(workspace=workspace).update(error_reason='=HYPERLINK("http://x")')
    _, rows = export(client, workspace)
    assert rows[1][7] == '\'=HYPERLINK("http://x")'


def test_a_bad_filter_is_a_400_that_names_it_and_an_outsider_gets_404(client, workspace, viewer, outsider):
    client.force_login(viewer)
    response = client.get(reverse("vehicles:export", args=[workspace.slug]), {"status": "bogus"})
    assert response.status_code == 400 and "Status “bogus”" in response.content.decode()
    client.force_login(outsider)
    assert client.get(reverse("vehicles:export", args=[workspace.slug])).status_code == 404


def test_the_export_respects_the_vin_prefix_and_changed_since_filters(client, workspace, viewer):
    import datetime as dt

    from vehicles.models import Vehicle

    first, second = add_vehicle(workspace, new_vin("WBA")), add_vehicle(workspace, new_vin("ZFF"))
    Vehicle.objects.filter(pk=first.pk).update(status_changed_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(viewer)
    _, by_prefix = export(client, workspace, vin=second.vin[:5].lower())
    assert [r[0] for r in by_prefix[1:]] == [second.vin]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    _, recent = export(client, workspace, updated_since=since)
    assert [r[0] for r in recent[1:]] == [second.vin]
