"""The upload page's two forms and the vehicle page's details form. The VIN, odometer and details rules are
`vins.py`'s and `details.py`'s; the import engine and `editing` apply them."""

import re

from django import forms

from vehicles.choices import OdometerUnit
from vehicles.details import LABEL_SEPARATOR, clean_details
from vehicles.vins import InvalidVin, parse_odometer, validate_vin

LABELS_HELP = "Up to 20, separated by commas or |; each 1–40 letters, digits, spaces, _ . or -."


def _sentence(message):
    return message[:1].upper() + message[1:]


def labels_from_text(text):
    """A person's labels: separated by commas or `|` (no label may hold either); blanks between them dropped."""
    return [piece for piece in re.split(r"[,|]", text or "") if piece.strip()]


class DetailsForm(forms.Form):
    """name, license_plate and labels, judged by vehicles/details.py; errors shown beside each field."""

    name = forms.CharField(label="Name (optional)", required=False, max_length=200, strip=False)
    license_plate = forms.CharField(label="License plate (optional)", required=False, max_length=200)
    labels = forms.CharField(label="Labels (optional)", required=False, max_length=2000, help_text=LABELS_HELP)

    def clean_details(self, data):
        given = {name: data.get(name, "") for name in ("name", "license_plate")}
        given["labels"] = labels_from_text(data.get("labels", ""))
        clean, problems = clean_details(given)
        for field, message in problems.items():
            self.add_error(field, _sentence(message))
        data.update(clean)
        return data

    def clean(self):
        """The odometer (where the form has one) by `vins.parse_odometer`, then the details."""
        data = super().clean()
        if "odometer" in self.fields and "odometer" in data:
            try:
                data["odometer"], data["odometer_unit"] = parse_odometer(data["odometer"], data.get("odometer_unit"))
            except ValueError as error:
                self.add_error("odometer", _sentence(str(error)))
        return self.clean_details(data)


class OneVinForm(DetailsForm):
    field_order = ["vin", "odometer", "odometer_unit", "name", "license_plate", "labels"]

    vin = forms.CharField(label="VIN", max_length=64, help_text="16 or 17 letters and digits (no I, O or Q).")
    odometer = forms.CharField(label="Odometer (optional)", required=False, max_length=20)
    odometer_unit = forms.ChoiceField(
        label="Unit", choices=OdometerUnit.choices, initial=OdometerUnit.KM, required=False
    )

    def clean_vin(self):
        try:
            return validate_vin(self.cleaned_data["vin"])
        except InvalidVin as error:
            raise forms.ValidationError(str(error)) from None


class VehicleDetailsForm(DetailsForm):
    """The vehicle page's edit form (managers): the same rules as an upload, through vehicles.editing."""

    odometer = forms.CharField(label="Odometer", required=False, max_length=20)
    odometer_unit = forms.ChoiceField(label="Unit", choices=OdometerUnit.choices, required=False)

    @classmethod
    def for_vehicle(cls, vehicle):
        return cls(
            initial={
                "name": vehicle.name,
                "license_plate": vehicle.license_plate,
                "labels": ", ".join(vehicle.label_names),
                "odometer": "" if vehicle.odometer is None else vehicle.odometer,
                "odometer_unit": vehicle.odometer_unit,
            }
        )


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A header row with a vin column; optionally odometer, odometer_unit (km or mi), make, name, "
        f"license_plate and labels (separated by {LABEL_SEPARATOR}).",
        error_messages={"required": "Choose a CSV file to upload", "empty": "The file is empty"},
    )
