"""The one CSV writer (vehicles/spreadsheet.py): text cells a spreadsheet would run are written as text, numbers
stay numbers; API reports go through it too."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from tests.states import LONG_AGO
from vehicles import spreadsheet
from vehicles.models import Reading
from vehicles.tasks.reports import status_csv


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_like_a_formula_gets_a_quote(cell):
    assert spreadsheet.safe_cell(cell) == "'" + cell


def test_numbers_none_and_plain_text_are_left_alone():
    assert [spreadsheet.safe_cell(v) for v in (-122.4, 0, None, "WBA", "a=b")] == [-122.4, 0, "", "WBA", "a=b"]
    assert spreadsheet.csv_text(["a", "b"], [["=x", -1.5]]) == "a,b\r\n'=x,-1.5\r\n"


def test_a_report_keeps_a_negative_longitude_a_number(workspace, make_vehicle):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    Reading.objects.create(
        vin=vehicle.vin, recorded_at=timezone.now() - dt.timedelta(minutes=1), latitude=37.7, longitude=-122.4
    )
    rows = list(csv.DictReader(io.StringIO(status_csv(workspace, [vehicle.vin, "=HYPERLINK(1)"]))))
    assert rows[0]["longitude"] == "-122.4" and rows[0]["available"] == "yes"
    assert rows[1]["vin"].startswith("'=")  # a VIN asked for as a formula is written as text
