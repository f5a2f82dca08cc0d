"""The navigation shows only what the member's role may use, on every page of a workspace, and marks the current
page (fleet/context_processors.py gives base.html the membership of the URL's workspace)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

PAGES = ["vehicles:list", "vehicles:makes", "vehicles:imports", "vehicles:activity"]


def nav_of(response):
    body = response.content.decode()
    return re.search(r'<nav aria-label="Main">(.*?)</nav>', body, re.S).group(1)


def links(nav):
    return re.findall(r">([^<>]+)</a>", nav)


@pytest.mark.parametrize("page", PAGES)
def test_a_manager_sees_every_page_of_the_workspace_and_the_current_one_is_marked(client, manager, page):
    client.force_login(manager)
    nav = nav_of(client.get(reverse(page, args=["acme"])))
    assert links(nav) == ["Vehicles", "Makes", "Imports", "Activity", "API access", "Workspaces"]
    current = re.findall(r'href="([^"]+)" aria-current="page"', nav)
    assert current == [reverse(page, args=["acme"])]


@pytest.mark.parametrize("page", [*PAGES, "api_access:page"])
def test_a_viewer_sees_no_api_access_no_upload_and_no_bulk_actions(client, viewer, make_vehicle, page):
    make_vehicle("enabled")
    client.force_login(viewer)
    response = client.get(reverse(page, args=["acme"]))
    assert response.status_code == 200
    nav = nav_of(response)
    assert links(nav) == ["Vehicles", "Makes", "Imports", "Activity", "Workspaces"]
    body = response.content.decode()
    assert "Upload VINs" not in body
    assert 'id="bulk-form"' not in body and "Select all" not in body


def test_a_viewer_refused_a_managers_page_still_gets_the_viewers_navigation(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("vehicles:upload", args=["acme"]))
    assert response.status_code == 403
    assert links(nav_of(response)) == ["Vehicles", "Makes", "Imports", "Activity", "Workspaces"]


def test_an_outsider_gets_no_navigation_of_the_workspace_not_even_its_name(client, outsider, workspace):
    client.force_login(outsider)
    response = client.get(reverse("vehicles:list", args=["acme"]))
    assert response.status_code == 404
    assert links(nav_of(response)) == ["Workspaces"]
    assert "Acme Fleet" not in response.content.decode()


def test_outside_a_workspace_the_navigation_has_only_the_workspaces(client, manager):
    client.force_login(manager)
    assert links(nav_of(client.get(reverse("workspace-list")))) == ["Workspaces"]


def test_the_navigation_costs_no_query_of_its_own(client, manager):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("vehicles:makes", args=["acme"]))
    memberships = [q for q in queries.captured_queries if 'FROM "fleet_membership"' in q["sql"]]
    assert len(memberships) == 1  # the view's own lookup, reused by the navigation
