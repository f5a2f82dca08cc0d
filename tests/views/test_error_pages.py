"""Error pages a person meets: a viewer asking for a manager's page gets the site's own 403 page, with its
navigation and what to do, not an unstyled "403 Forbidden"; a filter mistake names the filter and the value."""

from django.urls import reverse


def test_a_viewer_opening_upload_gets_the_site_s_403_page(client, workspace, viewer):
    client.force_login(viewer)
    response = client.get(reverse("vehicles:upload", args=[workspace.slug]))
    html = response.content.decode()
    assert response.status_code == 403
    assert '<nav aria-label="Main">' in html and "You cannot do this here" in html
    assert "Viewers may look but not change anything in this workspace." in html
    assert reverse("workspace-list") in html


def test_a_filter_mistake_names_the_filter_and_the_value(client, workspace, viewer):
    client.force_login(viewer)
    html = client.get(reverse("vehicles:list", args=[workspace.slug]), {"status": "bogus"}).content.decode()
    assert "Status “bogus”: Select a valid choice." in html
    assert "status: Select" not in html
