"""Tenancy: every page under /workspaces/<slug>/ answers an outsider exactly as it would a workspace that does
not exist (404, or 405 for a method the URL never accepts), and changes nothing — walked from the URLconf itself,
so a page added later is covered too."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from events import webhooks
from events.models import Webhook
from fleet.models import ApiClient, Make
from vehicles.models import ImportJob, StatusChange, Vehicle


def workspace_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from workspace_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("workspaces/<slug:slug>/"):
            yield route


def fill(route, values):
    for name, value in values.items():
        route = route.replace(name, str(value))
    assert "<" not in route, f"no value for a converter in {route}: add it to the test"
    return "/" + route


@pytest.fixture
def victim(workspace, make_vehicle, manager, webhook_settings):
    vehicle = make_vehicle("enabled")
    webhook, _secret = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["vehicle.status_changed"])
    job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.CSV, filename="x.csv")
    client, _secret = ApiClient.issue(workspace, "ERP", manager)
    return {
        "<slug:slug>": workspace.slug,
        "<vin:vin>": vehicle.vin,
        "<slug:action>": "disable",
        "<uuid:job_id>": job.pk,
        "<int:make_id>": Make.objects.get(name="BMW").pk,
        "<int:client_id>": client.pk,
        "<uuid:webhook_id>": webhook.pk,
    }


ROUTES = sorted(set(workspace_patterns()))


def test_the_walk_finds_every_feature():
    assert len(ROUTES) >= 15
    for feature in ("vehicles/", "upload/", "makes/", "api-access/"):
        assert any(r.startswith(f"workspaces/<slug:slug>/{feature}") for r in ROUTES), feature


@pytest.mark.parametrize("route", ROUTES)
def test_an_outsider_gets_404_on_every_workspace_page_and_changes_nothing(client, outsider, victim, route):
    client.force_login(outsider)
    url = fill(route, victim)
    vehicles_before = list(Vehicle.all_objects.values())
    history_before = StatusChange.objects.count()
    webhooks_before = list(Webhook.objects.values())

    get, post = client.get(url), client.post(url, {"vin": "WBA3A5C51CF256551", "note": "x", "name": "x"})

    assert get.status_code in (404, 405) and post.status_code in (404, 405), (get.status_code, post.status_code)
    assert 404 in (get.status_code, post.status_code)
    assert list(Vehicle.all_objects.values()) == vehicles_before
    assert StatusChange.objects.count() == history_before
    assert list(Webhook.objects.values()) == webhooks_before
    for response in (get, post):
        assert victim["<vin:vin>"] not in response.content.decode()


@pytest.mark.parametrize("route", ROUTES)
def test_an_unknown_workspace_answers_the_same_as_a_foreign_one(client, outsider, victim, route):
    client.force_login(outsider)
    url = fill(route, {**victim, "<slug:slug>": f"no-such-{uuid.uuid4().hex[:6]}"})
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)
