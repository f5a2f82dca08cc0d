"""Error pages a person meets: a viewer asking for a manager's page gets the site's own 403 page, with its
navigation and what to do, not an unstyled "403 Forbidden"; a filter mistake names the filter and the value."""

from django.urls import reverse


def site_page(client, user, url, status):
    """What `user` gets at `url`: checked to answer `status` with the site's own page (its navigation); the HTML."""
    client.force_login(user)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == status
    assert '<nav aria-label="Main">' in html
    return html


def test_a_viewer_opening_upload_gets_the_site_s_403_page(client, workspace, viewer):
    html = site_page(client, viewer, reverse("vehicles:upload", args=[workspace.slug]), 403)
    assert "You cannot do this here" in html
    assert "Viewers may look but not change anything in this workspace." in html
    assert reverse("workspace-list") in html


def test_a_filter_mistake_names_the_filter_and_the_value(client, workspace, viewer):
    client.force_login(viewer)
    html = client.get(reverse("vehicles:list", args=[workspace.slug]), {"status": "bogus"}).content.decode()
    assert "Status “bogus”: Select a valid choice." in html
    assert "status: Select" not in html


def test_not_found_is_the_site_s_page_with_its_navigation(client, workspace, viewer, outsider):
    html = site_page(client, outsider, reverse("vehicles:list", args=[workspace.slug]), 404)
    assert "<h1>Not found</h1>" in html
    assert "Back to your workspaces" in html


def test_a_server_error_is_the_site_s_page_and_asks_nothing_of_the_database(rf):
    """No database fixture: any query would fail the test."""
    from fleet.outage import server_error

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and "Something went wrong" in html and "Traceback" not in html
    assert 'rel="icon"' in html


def test_the_navigation_marks_the_current_page_and_the_site_has_a_favicon(client, workspace, viewer):
    from django.contrib.staticfiles import finders

    client.force_login(viewer)
    html = client.get(reverse("vehicles:activity", args=[workspace.slug])).content.decode()
    assert f'<a href="{reverse("vehicles:activity", args=[workspace.slug])}" aria-current="page">Activity</a>' in html
    assert 'aria-current="page">Vehicles' not in html
    assert 'rel="icon"' in html and finders.find("fleet/favicon.svg")


def test_the_read_only_views_refuse_other_methods(client, workspace, manager, make_vehicle):
    vehicle = make_vehicle("pending")
    client.force_login(manager)
    for name, args in [
        ("vehicles:activity", [workspace.slug]),
        ("vehicles:activity-export", [workspace.slug]),
        ("vehicles:export", [workspace.slug]),
        ("vehicles:live", [workspace.slug]),
        ("vehicles:vehicle-live", [workspace.slug, vehicle.vin]),
    ]:
        assert client.post(reverse(name, args=args)).status_code == 405, name
