"""The VIN table: who sees it, what it shows, filters, sort, pages, counts, and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import log
from tests.factories import add_vehicle, new_vin
from vehicles.choices import Status
from vehicles.filters import VehicleFilterSet
from vehicles.models import Vehicle
from vehicles.views.tables import VehiclePaginator

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "vehicle-table"}


def table_url(workspace, **params):
    from urllib.parse import urlencode

    url = reverse("vehicles:list", args=[workspace.slug])
    return f"{url}?{urlencode(params)}" if params else url


@pytest.fixture
def fleet(make_vehicle):
    return {status: make_vehicle(status) for status in Status.values}


def test_outsider_gets_404(client, outsider, workspace):
    client.force_login(outsider)
    assert client.get(table_url(workspace)).status_code == 404


def test_the_table_answers_a_post_with_405_and_changes_nothing(client, manager, workspace, fleet):
    client.force_login(manager)
    before = list(Vehicle.all_objects.values())
    assert client.post(table_url(workspace)).status_code == 405
    assert list(Vehicle.all_objects.values()) == before


def test_anonymous_is_sent_to_the_login_page(client, workspace):
    response = client.get(table_url(workspace))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_every_vehicle_with_its_status_label(client, manager, workspace, fleet):
    client.force_login(manager)
    response = client.get(table_url(workspace))
    assert response.status_code == 200
    body = response.content.decode()
    for status, vehicle in fleet.items():
        assert vehicle.vin in body
        assert f'data-status="{status}">{Status(status).label}</span>' in body


def test_it_does_not_show_another_workspaces_vehicles(client, manager, workspace, other_workspace, make_vehicle):
    theirs = make_vehicle("enabled", target_workspace=other_workspace)
    mine = make_vehicle("enabled")
    client.force_login(manager)
    body = client.get(table_url(workspace)).content.decode()
    assert mine.vin in body
    assert theirs.vin not in body


def test_manager_sees_only_the_actions_each_status_allows(client, manager, workspace, fleet):
    client.force_login(manager)
    body = client.get(table_url(workspace)).content.decode()
    assert f'aria-label="Actions for {fleet["pending"].vin}"' not in body
    for status in ("enabled", "disabled", "error", "incomplete"):
        assert f'aria-label="Actions for {fleet[status].vin}"' in body
    enabled_menu = body.split(f'id="menu-{fleet["enabled"].pk}"')[1].split("</ul>")[0]
    assert ">Disable</a>" in enabled_menu and ">Delete</a>" in enabled_menu and ">Enable</a>" not in enabled_menu
    incomplete_menu = body.split(f'id="menu-{fleet["incomplete"].pk}"')[1].split("</ul>")[0]
    assert ">Delete</a>" in incomplete_menu and ">Disable</a>" not in incomplete_menu


def test_viewer_sees_the_table_without_any_action(client, viewer, workspace, fleet):
    client.force_login(viewer)
    body = client.get(table_url(workspace)).content.decode()
    assert fleet["enabled"].vin in body
    assert "Actions for" not in body
    assert 'name="vin" value=' not in body  # no row checkboxes either


def test_it_filters_by_status(client, manager, workspace, fleet):
    client.force_login(manager)
    body = client.get(table_url(workspace, status="disabled")).content.decode()
    assert fleet["disabled"].vin in body
    assert fleet["enabled"].vin not in body


def test_it_filters_by_make_name_without_regard_to_case(client, manager, workspace, fleet):
    client.force_login(manager)
    body = client.get(table_url(workspace, make="ferrari")).content.decode()
    assert fleet["incomplete"].vin in body  # a Ferrari
    assert fleet["enabled"].vin not in body  # a BMW


def test_it_searches_by_vin_prefix_in_any_case(client, manager, workspace, fleet):
    client.force_login(manager)
    wanted = fleet["enabled"].vin
    body = client.get(table_url(workspace, vin=wanted[:12].lower())).content.decode()
    assert wanted in body
    assert fleet["disabled"].vin not in body


def test_it_sorts_by_vin_both_ways(client, manager, workspace, fleet):
    client.force_login(manager)
    vins = sorted(v.vin for v in fleet.values())
    body = client.get(table_url(workspace, sort="vin")).content.decode()
    assert [body.index(v) for v in vins] == sorted(body.index(v) for v in vins)
    assert 'aria-sort="ascending"' in body
    body = client.get(table_url(workspace, sort="-vin")).content.decode()
    assert [body.index(v) for v in reversed(vins)] == sorted(body.index(v) for v in vins)


def test_it_shows_the_count_of_each_status_as_a_filter_link(client, manager, workspace, fleet, make_vehicle):
    make_vehicle("enabled")
    client.force_login(manager)
    response = client.get(table_url(workspace))
    links = {link["label"]: link for link in response.context["status_links"]}
    assert links["Enabled"]["count"] == 2
    assert links["Pending"]["count"] == 1
    assert links["All"]["count"] == 6
    assert "status=enabled" in links["Enabled"]["query"]


def test_it_paginates_with_the_kept_counts(client, manager, workspace, bmw_active):
    for _ in range(55):
        add_vehicle(workspace)
    client.force_login(manager)
    first = client.get(table_url(workspace))
    assert first.context["paginator"].num_pages == 2
    assert len(first.context["vehicles"]) == 50
    second = client.get(table_url(workspace, page=2))
    assert len(second.context["vehicles"]) == 5
    shown = {v.pk for v in first.context["vehicles"]} | {v.pk for v in second.context["vehicles"]}
    assert len(shown) == 55


def test_a_page_past_the_end_shows_the_last_page(client, manager, workspace, fleet):
    client.force_login(manager)
    response = client.get(table_url(workspace, page=999))
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_the_paginator_reads_the_far_half_from_the_other_end_in_the_same_order(workspace, bmw_active):
    for _ in range(23):
        add_vehicle(workspace)
    ordered = Vehicle.objects.filter(workspace=workspace).order_by("-status_changed_at", "-id")
    expected = list(ordered.values_list("pk", flat=True))
    paginator = VehiclePaginator(ordered, per_page=5, count=23)
    pages = [[v.pk for v in paginator.page(n).object_list] for n in paginator.page_range]
    assert sum(pages, []) == expected


def test_the_paginator_counts_only_up_to_its_cap_without_a_kept_count(workspace, bmw_active):
    for _ in range(7):
        add_vehicle(workspace)
    paginator = VehiclePaginator(Vehicle.objects.order_by("vin"), per_page=2, cap=5)
    assert paginator.capped
    assert len(paginator.page(2).object_list) == 2


def test_htmx_asks_get_only_the_table_fragment(client, manager, workspace, fleet):
    client.force_login(manager)
    response = client.get(table_url(workspace, status="enabled"), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="vehicle-table"')
    assert "<html" not in body
    assert fleet["enabled"].vin in body
    assert "HX-Request" in response["Vary"]


def test_htmx_asks_get_only_the_counts(client, manager, workspace, fleet):
    client.force_login(manager)
    response = client.get(table_url(workspace), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="status-counts")
    body = response.content.decode()
    assert body.lstrip().startswith('<nav id="status-counts"')
    assert "<table" not in body
    filtered = client.get(
        table_url(workspace, status="enabled", make="BMW"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="status-counts"
    )
    counts = filtered.content.decode()
    assert 'aria-current="true"' in counts.split("Enabled</span>")[0].rsplit("<a ", 1)[1]  # still the current one
    assert "?make=BMW&amp;status=pending" in counts  # the other filters are kept


def test_the_upload_link_appears_only_once_the_upload_page_exists(client, manager, workspace):
    from django.urls import NoReverseMatch

    client.force_login(manager)
    body = client.get(table_url(workspace)).content.decode()
    try:
        reverse("vehicles:upload", args=[workspace.slug])
    except NoReverseMatch:
        assert "Upload VINs" not in body
    else:
        assert "Upload VINs" in body


def test_the_number_of_queries_does_not_grow_with_the_rows_shown(client, manager, workspace, bmw_active):
    client.force_login(manager)
    add_vehicle(workspace)
    add_vehicle(workspace, new_vin("ZFF"))
    client.get(table_url(workspace))  # once first (it sequences the events so far): one-off queries are not counted
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(table_url(workspace)).context["vehicles"]) == 2
    for wmi in ["WBA", "ZFF", "1FA", "9ZZ"] * 10:
        add_vehicle(workspace, new_vin(wmi))
    log.sequence()  # as the first request did: the events of the rows added are not the page's queries
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(table_url(workspace)).context["vehicles"]) == 42
    assert len(many) == len(few)
    assert not any("COUNT(" in q["sql"].upper() for q in many.captured_queries)


def test_the_filterset_needs_no_request(workspace, fleet):
    filterset = VehicleFilterSet(
        {"status": "enabled", "vin": fleet["enabled"].vin[:10]}, queryset=Vehicle.objects.all()
    )
    assert list(filterset.qs) == [fleet["enabled"]]
    since = VehicleFilterSet({"updated_since": "2999-01-01T00:00:00Z"}, queryset=Vehicle.objects.all())
    assert list(since.qs) == []


def test_workspace_list_shows_each_workspace_of_the_user(client, manager, workspace, other_workspace):
    from fleet.models import Membership, Role

    Membership.objects.create(workspace=other_workspace, user=manager, role=Role.VIEWER)
    client.force_login(manager)
    body = client.get(reverse("workspace-list")).content.decode()
    assert "Acme Fleet" in body and "Rival Fleet" in body
    assert "You are a viewer" in body


def test_login_page_has_labelled_fields(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">Username</label>' in body
    assert '<label for="id_password">Password</label>' in body


def test_a_bad_filter_or_sort_is_reported_or_ignored_never_an_error(client, manager, workspace, fleet):
    client.force_login(manager)
    response = client.get(table_url(workspace, status="shiny", vin=fleet["enabled"].vin[:14], sort="colour", page="x"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem with the filters" in body and "shiny" in body
    assert fleet["enabled"].vin in body and fleet["disabled"].vin not in body  # the valid filter still applies
    assert response.context["paginator"].count == 1
