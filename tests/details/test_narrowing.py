"""How the VIN table reads a search or a label filter (vehicles.filters.narrowed): a few matches are read by id
(`pk__among`), many by the plain condition, the ids of a search and a label are intersected once, and the total is
the number of candidates when they say it exactly. The caps are lowered to 3 so each road is taken with a handful
of vehicles; the rows shown and the totals are checked against what the filters mean."""

import pytest
from django.urls import reverse

from tests.factories import add_vehicle, new_vin
from vehicles import filters
from vehicles.choices import Event
from vehicles.models import Vehicle
from vehicles.status import machine
from vehicles.status.machine import By
from vehicles.views import table as table_view

CAP = 3


@pytest.fixture(autouse=True)
def small_caps(monkeypatch):
    monkeypatch.setattr(filters, "CANDIDATES_CAP", CAP)
    monkeypatch.setattr(filters, "LABEL_CANDIDATES_CAP_POSTGRESQL", CAP)
    monkeypatch.setattr(table_view, "CANDIDATES_CAP", CAP)


@pytest.fixture
def fleet(workspace, other_workspace):
    """Two `AB-` plates and five `CD-` plates; `rare` on two vehicles, `common` on five; one `AB-` plate carries
    `common`; an `AB-` vehicle of another workspace and a deleted `AB-` vehicle with `rare`."""
    made = {
        "ab1": add_vehicle(workspace, license_plate="AB-1", labels=["rare", "common"]),
        "ab2": add_vehicle(workspace, license_plate="AB-2"),
        **{f"cd{n}": add_vehicle(workspace, license_plate=f"CD-{n}", labels=["common"]) for n in range(1, 5)},
        "rare2": add_vehicle(workspace, labels=["rare"]),
        "plain": add_vehicle(workspace),
    }
    add_vehicle(other_workspace, license_plate="AB-3", labels=["rare", "common"])
    gone = add_vehicle(workspace, license_plate="AB-9", labels=["rare"])
    machine.fire(gone, Event.DELETE, By.system("test"))
    return made


def page(client, manager, workspace, **params):
    client.force_login(manager)
    response = client.get(reverse("vehicles:list", args=[workspace.slug]), params)
    assert response.status_code == 200
    return response


def shown(response, fleet):
    body = response.content.decode()
    return {key for key, vehicle in fleet.items() if vehicle.vin in body}


@pytest.mark.parametrize(
    "params, expected, total",
    [
        ({"q": "ab-"}, {"ab1", "ab2"}, 2),  # a few: by id, counted from the candidates
        ({"q": "cd-"}, {"cd1", "cd2", "cd3", "cd4"}, 4),  # more than the cap: the plain condition, not counted
        ({"label": "rare"}, {"ab1", "rare2"}, 2),  # the deleted AB-9 is a candidate, never shown nor counted
        ({"label": "common"}, {"ab1", "cd1", "cd2", "cd3", "cd4"}, 5),
        ({"label": "common", "q": "ab-"}, {"ab1"}, 1),  # a common label and a rare search: intersected
        ({"label": "rare", "q": "ab-"}, {"ab1"}, 1),
        ({"label": ["rare", "common"]}, {"ab1"}, 1),  # a rare and a common label: ids and the condition
        ({"label": "rare", "q": "cd-"}, set(), 0),
        ({"label": "nosuch", "q": "ab-"}, set(), 0),  # a label the workspace does not have: known to be none
        ({"label": ["rare", "nosuch"]}, set(), 0),
        ({"q": "ab-", "status": "incomplete"}, {"ab1", "ab2"}, 2),  # the filters before the search narrow it
        ({"q": "ab-", "status": "enabled"}, set(), 0),
    ],
)
def test_each_road_shows_exactly_the_matching_rows_of_the_workspace(
    client, manager, workspace, fleet, params, expected, total
):
    response = page(client, manager, workspace, **params)
    paginator = response.context["paginator"]
    if total > CAP:  # not counted: the pages reach as far as the cap (with the real cap, 40 pages of 50)
        assert paginator.capped and f"More than {CAP}" in response.content.decode()
        assert shown(response, fleet) <= expected and len(shown(response, fleet)) == CAP + 1
    else:
        assert not paginator.capped and paginator.count == total
        assert shown(response, fleet) == expected


def test_a_filter_after_the_candidates_is_counted_never_claimed_over_the_cap(client, manager, workspace):
    """Four candidates (two plates, two names: each branch under the cap, more than the cap together) that a later
    filter narrows to none: the total is counted (0), not "more than 3"."""
    made = {
        "p1": add_vehicle(workspace, license_plate="ZZ-1"),
        "p2": add_vehicle(workspace, license_plate="ZZ-2"),
        "n1": add_vehicle(workspace, name="zz north"),
        "n2": add_vehicle(workspace, name="zz south", labels=["common"]),
        **{f"c{n}": add_vehicle(workspace, labels=["common"]) for n in range(4)},
    }
    alone = page(client, manager, workspace, q="zz")
    assert shown(alone, made) == {"p1", "p2", "n1", "n2"} and alone.context["paginator"].count == 4
    for later in ({"updated_since": "2099-01-01T00:00:00Z"}, {"stuck": "1"}):
        response = page(client, manager, workspace, q="zz", **later)
        paginator = response.context["paginator"]
        assert shown(response, made) == set() and not paginator.capped and paginator.count == 0
    with_common = page(client, manager, workspace, q="zz", label="common")  # a common label's condition
    assert shown(with_common, made) == {"n2"}
    assert not with_common.context["paginator"].capped and with_common.context["paginator"].count == 1


def test_a_search_counted_from_its_candidates_costs_no_count_query(client, manager, workspace, fleet):
    response = page(client, manager, workspace, q="ab-")
    assert response.context["filter"].known_count == 2
    assert response.context["paginator"].count == 2
    # a label's candidates include deleted vehicles: they are counted by the database
    assert page(client, manager, workspace, label="rare").context["filter"].known_count is None


def test_among_matches_what_in_matches_for_long_lists(workspace):
    ids = [add_vehicle(workspace, new_vin()).pk for _ in range(3)]
    absent = range(10**12, 10**12 + 5_000)
    for given in (frozenset([*ids, *absent]), [*ids, *absent], set(ids[:1])):
        assert set(Vehicle.objects.filter(pk__among=given).values_list("pk", flat=True)) == set(ids) & set(given)
    assert not Vehicle.objects.filter(pk__among=frozenset()).exists()
    assert set(Vehicle.objects.exclude(pk__among=frozenset(ids[:2])).values_list("pk", flat=True)) == {ids[2]}


@pytest.mark.parametrize("prefix", ["van", "va", "v a", "ab-", "wba", "z"])
def test_an_index_range_holds_exactly_the_rows_its_prefix_search_finds(workspace, prefix):
    """The dense check (`search_ranges`) decides by the index alone only where the database compares text by code
    point; there each range must hold exactly the rows of its branch (`search_branches`)."""
    names = ["Van", "VAN-1", "Va n", "VAO", "Vanß", "VAN\u00ff", "V", "Va", "ab-1", "AB-", "Z\U0001f600", "zz"]
    for n, name in enumerate(names):
        add_vehicle(workspace, name=name, license_plate=f"{name[:3]}{n}".replace("ß", "S"))
    rows = Vehicle.objects.filter(workspace=workspace)
    if not filters.codepoint_order():
        pytest.skip("this database compares text by its collation's rules: the ranges are not used")
    for branch, (column, condition) in zip(filters.search_branches(prefix), filters.search_ranges(prefix), strict=True):
        assert set(rows.filter(condition).values_list("pk", flat=True)) == set(
            rows.filter(branch).values_list("pk", flat=True)
        ), column
