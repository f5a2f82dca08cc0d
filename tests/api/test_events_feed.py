"""`GET /api/v2/events/` (SPEC.md "Feed"): the workspace's events oldest first after a cursor, 100 a page,
filtered by type, the last 7 days without a cursor, and nothing of another workspace."""

import datetime as dt

import pytest
from django.utils import timezone

from events import log
from events.models import Event, EventType
from tests.factories import activate, new_vin
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.status.machine import By

URL = "/api/v2/events/"


def upload(workspace, n):
    activate(workspace, "BMW")
    add_vehicles(workspace, [Entry(vin=new_vin("WBA")) for _ in range(n)], By.api("ERP"))


def read_all(api, **params):
    events, after = [], None
    while True:
        answer = api.get(URL, {**params, **({"after": after} if after else {})})
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        events += body["events"]
        if body["next"] is None:
            return events
        after = body["next"]


def test_the_feed_pages_through_every_event_once_in_order(api, workspace):
    upload(workspace, 250)  # 3 vehicle.status_changed events
    for i in range(150):
        log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": f"{i}"})

    first = api.get(URL).json()
    assert len(first["events"]) == 100 and first["next"] == first["events"][-1]["id"]
    events = read_all(api)
    ids = [int(e["id"].removeprefix("evt_")) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == Event.objects.filter(workspace=workspace).count()
    changes = [c for e in events if e["type"] == "vehicle.status_changed" for c in e["data"]["changes"]]
    assert len(changes) == 250 and {c["actor"] for c in changes} == {"api"}
    assert {tuple(e) for e in events} == {("id", "type", "created_at", "workspace", "data")}
    assert all(e["workspace"] == "acme" and e["created_at"].endswith("Z") for e in events)


def test_after_gives_what_came_since_and_type_filters(api, workspace):
    upload(workspace, 3)
    last = api.get(URL).json()["events"][-1]["id"]
    log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": "r"})
    upload(workspace, 1)

    since = api.get(URL, {"after": last}).json()
    assert [e["type"] for e in since["events"]] == ["report.finished", "vehicle.status_changed"]
    only = api.get(URL, {"after": last, "type": "report.finished"}).json()["events"]
    assert [e["data"] for e in only] == [{"report": "r"}]
    both = api.get(f"{URL}?after={last}&type=report.finished&type=vehicle.status_changed").json()["events"]
    assert len(both) == 2
    comma = api.get(URL, {"after": last, "type": "report.finished,vehicle.status_changed"}).json()["events"]
    assert comma == both
    assert api.get(URL, {"after": since["events"][-1]["id"]}).json() == {"events": [], "next": None}


def test_without_a_cursor_the_feed_starts_seven_days_ago(api, workspace):
    old = log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": "old"})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": "new"})
    reports = {"type": "report.finished"}
    assert [e["data"]["report"] for e in api.get(URL, reports).json()["events"]] == ["new"]
    assert [e["data"]["report"] for e in api.get(URL, {"after": "evt_0", **reports}).json()["events"]] == [
        "old",
        "new",
    ]


@pytest.mark.parametrize(
    "params, problem",
    [
        ({"after": "42"}, "after"),
        ({"after": "evt_"}, "after"),
        ({"after": "evt_1x"}, "after"),
        ({"type": "vehicle.exploded"}, "type"),
        ({"type": "webhook.test"}, "type"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(api, workspace, params, problem):
    answer = api.get(URL, params)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_parameter" and answer.json()["message"].startswith(f"{problem}:")


def test_another_workspace_s_events_are_invisible(api, rival_api, workspace, other_workspace):
    upload(other_workspace, 5)
    log.record(other_workspace.pk, EventType.REPORT_FINISHED, {"report": "theirs"})
    mine = api.get(URL, {"after": "evt_0"}).json()["events"]
    assert all(e["workspace"] == "acme" for e in mine)
    assert not any(e["type"] == "report.finished" for e in mine)
    assert len(rival_api.get(URL).json()["events"]) >= 2


def test_the_feed_without_its_trailing_slash_and_without_a_token(api, client):
    assert api.get(URL.rstrip("/")).status_code == 200
    assert client.get(URL).status_code == 401
