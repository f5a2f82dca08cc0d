"""The Makes page: makes of the workspace's vehicles, their Incomplete counts and activation; a manager's request."""

import pytest
from django.urls import reverse

from fleet.models import MakeActivation
from tests.factories import make_named
from vehicles.choices import Status

pytestmark = pytest.mark.django_db


def makes_url(workspace):
    return reverse("vehicles:makes", args=[workspace.slug])


def request_url(workspace, make):
    return reverse("vehicles:make-request", args=[workspace.slug, make.pk])


@pytest.fixture
def ferrari(workspace, make_vehicle):
    make_vehicle(Status.INCOMPLETE)
    make_vehicle(Status.INCOMPLETE)
    return make_named("Ferrari")


def test_it_lists_the_makes_with_their_incomplete_counts_and_activation(client, manager, workspace, make_vehicle):
    make_vehicle(Status.ENABLED)
    make_vehicle(Status.INCOMPLETE)
    make_vehicle(Status.ERROR)  # no make
    client.force_login(manager)

    response = client.get(makes_url(workspace))

    assert response.status_code == 200
    rows = {row["make"].name: row for row in response.context["rows"]}
    assert rows["BMW"]["total"] == 1 and rows["BMW"]["incomplete"] == 0
    assert rows["BMW"]["activation"].is_active
    assert rows["Ferrari"]["incomplete"] == 1 and rows["Ferrari"]["activation"] is None
    assert response.context["without_make"] == 1
    assert "Request activation" in response.text


def test_it_does_not_show_makes_of_another_workspace(client, manager, workspace, other_workspace, make_vehicle):
    make_vehicle(Status.INCOMPLETE, target_workspace=other_workspace)
    client.force_login(manager)

    response = client.get(makes_url(workspace))

    assert response.context["rows"] == []
    assert "Ferrari" not in response.text


def test_a_viewer_sees_the_page_without_request_forms(client, viewer, workspace, ferrari):
    client.force_login(viewer)

    response = client.get(makes_url(workspace))

    assert response.status_code == 200
    assert "Ferrari" in response.text
    assert "Send request" not in response.text


def test_an_outsider_gets_404(client, outsider, workspace, ferrari):
    client.force_login(outsider)

    assert client.get(makes_url(workspace)).status_code == 404
    assert client.post(request_url(workspace, ferrari), {"note": "please"}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, workspace):
    response = client.get(makes_url(workspace))

    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_manager_requests_activation_with_a_note(client, manager, workspace, ferrari):
    client.force_login(manager)

    response = client.post(request_url(workspace, ferrari), {"note": "  New sports cars for the board  "})

    assert response.status_code == 302 and response.url == makes_url(workspace)
    activation = MakeActivation.objects.get(workspace=workspace, make=ferrari)
    assert activation.state == MakeActivation.State.REQUESTED
    assert activation.note == "New sports cars for the board"
    assert activation.requested_by == manager
    page = client.get(response.url)
    assert "Activation of Ferrari requested" in page.text
    assert "Requested" in page.text


def test_the_htmx_request_answers_the_table_fragment(client, manager, workspace, ferrari):
    client.force_login(manager)

    response = client.post(request_url(workspace, ferrari), {"note": "please"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="makes-table"')
    assert "<html" not in response.text
    assert "Activation of Ferrari requested" in response.text
    assert "HX-Request" in response["Vary"]
    assert MakeActivation.objects.filter(workspace=workspace, make=ferrari).exists()


def test_the_htmx_page_answers_the_table_fragment(client, manager, workspace, ferrari):
    client.force_login(manager)

    response = client.get(makes_url(workspace), headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<div id="makes-table"')
    assert "HX-Request" in response["Vary"]


def test_a_request_without_a_note_is_refused_and_changes_nothing(client, manager, workspace, ferrari):
    client.force_login(manager)

    response = client.post(request_url(workspace, ferrari), {"note": "   "})

    assert response.status_code == 400
    assert "Write a note for the operator" in response.text
    assert not MakeActivation.objects.filter(workspace=workspace, make=ferrari).exists()


def test_a_second_request_is_refused_and_keeps_the_first(client, manager, workspace, ferrari):
    client.force_login(manager)
    client.post(request_url(workspace, ferrari), {"note": "first"})

    response = client.post(request_url(workspace, ferrari), {"note": "second"}, follow=True)

    assert "already requested" in response.text
    assert MakeActivation.objects.get(workspace=workspace, make=ferrari).note == "first"


def test_an_activated_make_cannot_be_requested(client, manager, workspace, make_vehicle):
    make_vehicle(Status.ENABLED)
    bmw = make_named("BMW")
    client.force_login(manager)

    response = client.post(request_url(workspace, bmw), {"note": "again"}, follow=True)

    assert "already activated" in response.text
    assert MakeActivation.objects.get(workspace=workspace, make=bmw).is_active


def test_a_viewer_cannot_request_activation(client, viewer, workspace, ferrari):
    client.force_login(viewer)

    response = client.post(request_url(workspace, ferrari), {"note": "please"})

    assert response.status_code == 403
    assert not MakeActivation.objects.exists()


def test_a_make_without_vehicles_here_cannot_be_requested(client, manager, workspace, other_workspace, make_vehicle):
    make_vehicle(Status.INCOMPLETE, target_workspace=other_workspace)
    client.force_login(manager)

    response = client.post(request_url(workspace, make_named("Ferrari")), {"note": "please"})

    assert response.status_code == 404
    assert not MakeActivation.objects.exists()


def test_the_request_needs_post(client, manager, workspace, ferrari):
    client.force_login(manager)

    assert client.get(request_url(workspace, ferrari)).status_code == 405
    assert client.post(makes_url(workspace)).status_code == 405


def test_asking_to_activate_the_make_not_found_is_a_404(client, manager, workspace, make_vehicle):
    make_vehicle("error")  # a VIN whose make was not found: counted under key 0
    client.force_login(manager)
    response = client.post(reverse("vehicles:make-request", args=[workspace.slug, 0]), {"note": "please"})
    assert response.status_code == 404
