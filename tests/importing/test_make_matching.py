"""The `make` column's one matching rule (engine.MakeNames): exact without case, then the forgiving key, then
near matches proposed in the reason."""

import pytest

from fleet.models import Make
from tests.factories import new_vin
from vehicles.choices import Status
from vehicles.importing.engine import Entry, MakeNames, add_vehicles, make_key, maker_names
from vehicles.models import Vehicle
from vehicles.status.machine import By

SYSTEM = By.system("test")
KNOWN = MakeNames(maker_names().values())


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("Porsche car", "porsche"),
        ("PORSCHE", "porsche"),
        ("BMW AG", "bmw"),
        ("Mercedes-Benz", "mercedes benz"),
        ("Škoda", "skoda"),
        ("  Lotus   Cars ", "lotus"),
        ("Car", "car"),  # a name is never reduced to nothing
    ],
)
def test_the_key_ignores_case_accents_punctuation_and_trailing_words(given, key):
    assert make_key(given) == key


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("bmw", "BMW"),
        ("Porsche", "Porsche car"),
        ("porsche cars", "Porsche car"),
        ("Ferrari S.p.A.", None),  # "s p a" is three words, not the trailing word "spa"
        ("Ferrari SpA", "Ferrari"),
        ("Lotus", "Lotus Cars"),
        ("volvo cars", "Volvo Cars"),  # an exact name wins over its key
    ],
)
def test_a_name_is_matched_exactly_first_then_by_its_key(given, name):
    assert KNOWN.match(given)[0] == name


def test_a_key_shared_by_several_makers_is_ambiguous_and_says_which():
    name, reason = KNOWN.match("Volvo car")
    assert name is None
    assert reason == "Make not found: 'Volvo car' could be 'Volvo' or 'Volvo Cars'; write the maker's name as listed"


def test_an_ambiguous_key_takes_the_one_make_the_platform_already_has():
    names = MakeNames(["Volvo", "Volvo Cars"], existing=["Volvo Cars"])
    assert names.match("volvo car") == ("Volvo Cars", "")


def test_an_unknown_name_proposes_the_nearest_makers():
    name, reason = KNOWN.match("Porshe")
    assert name is None
    assert reason == "Make not found: 'Porshe' is not the name of a known maker; did you mean 'Porsche car'?"
    assert KNOWN.match("Zzyzx")[1] == "Make not found: 'Zzyzx' is not the name of a known maker"


def test_an_import_uses_the_rule_for_its_make_column(workspace):
    forgiving, typo = new_vin("WP0"), new_vin("WP0")

    results = add_vehicles(
        workspace, [Entry(vin=forgiving, make_name="Porsche"), Entry(vin=typo, make_name="Porshe")], SYSTEM
    )

    assert [r.status for r in results] == [Status.INCOMPLETE, Status.ERROR]
    assert Vehicle.objects.get(vin=forgiving).make.name == "Porsche car"
    errored = Vehicle.objects.get(vin=typo)
    assert errored.make is None and "did you mean 'Porsche car'?" in errored.error_reason
    assert list(Make.objects.filter(name__icontains="porsche").values_list("name", flat=True)) == ["Porsche car"]
