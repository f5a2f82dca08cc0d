import pytest
from hypothesis import given
from hypothesis import strategies as st

from vehicles.vins import InvalidVin, make_name_for_vin, parse_odometer, validate_vin

VALID_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("WBA3A5C51CF256551", "WBA3A5C51CF256551"),
        ("  wba3a5c51cf256551 \t", "WBA3A5C51CF256551"),
        ("WBA3A5C51CF25655", "WBA3A5C51CF25655"),  # 16 characters are allowed
    ],
)
def test_it_trims_and_upper_cases_valid_vins(raw, expected):
    assert validate_vin(raw) == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "empty"),
        ("WBA3A5C51CF2565", "16 or 17 characters, not 15"),
        ("WBA3A5C51CF2565510", "16 or 17 characters, not 18"),
        ("WBA3A5C51CF25655I", "I, O or Q (found I)"),
        ("WBAOA5C51CF25655Q", "I, O or Q (found O, Q)"),
        ("WBA3A5C51CF25655-", "only the letters"),
        ("WBA3A5C51CF25655é", "only the letters"),
    ],
)
def test_it_refuses_bad_vins_saying_why(raw, words):
    with pytest.raises(InvalidVin, match=words.replace("(", r"\(").replace(")", r"\)")):
        validate_vin(raw)


@given(st.text(alphabet=VALID_CHARS, min_size=16, max_size=17))
def test_any_16_or_17_valid_characters_are_a_vin(vin):
    assert validate_vin(vin.lower()) == vin


@given(st.text(min_size=0, max_size=30))
def test_validation_either_accepts_a_normalised_vin_or_says_why(text):
    try:
        vin = validate_vin(text)
    except InvalidVin as error:
        assert str(error)
    else:
        assert len(vin) in (16, 17) and set(vin) <= set(VALID_CHARS)


def test_the_make_comes_from_the_first_three_characters_also_for_16_character_vins():
    assert make_name_for_vin("WBA3A5C51CF256551") == "BMW"
    assert make_name_for_vin("WBA3A5C51CF25655") == "BMW"
    assert make_name_for_vin("YV1AAAAAAAAAAAAAA") == "Volvo Cars"
    assert make_name_for_vin("9ZZAAAAAAAAAAAAAA") is None


@pytest.mark.parametrize(
    "value, unit, expected",
    [("", "", (None, "km")), ("0", "", (0, "km")), ("2000000", "MI", (2_000_000, "mi")), (" 15 ", "km", (15, "km"))],
)
def test_it_reads_odometers(value, unit, expected):
    assert parse_odometer(value, unit) == expected


@pytest.mark.parametrize("value, unit", [("-1", ""), ("1.5", ""), ("2000001", ""), ("abc", ""), ("10", "miles")])
def test_it_refuses_bad_odometers(value, unit):
    with pytest.raises(ValueError):
        parse_odometer(value, unit)
