"""The upload page's two forms. The VIN and odometer rules are `vins.py`'s; the import engine applies them."""

from django import forms

from vehicles.choices import OdometerUnit
from vehicles.vins import InvalidVin, parse_odometer, validate_vin


class OneVinForm(forms.Form):
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

    def clean(self):
        data = super().clean()
        if "odometer" in data:
            try:
                data["odometer"], data["odometer_unit"] = parse_odometer(data["odometer"], data.get("odometer_unit"))
            except ValueError as error:
                self.add_error("odometer", str(error)[:1].upper() + str(error)[1:])
        return data


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A header row with a vin column; optionally odometer, odometer_unit (km or mi) and make.",
        error_messages={"required": "Choose a CSV file to upload", "empty": "The file is empty"},
    )
