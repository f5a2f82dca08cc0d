"""Eligibility before adding: would these VINs be enabled? One service for the API, the upload page and the command.

    entries (VIN, and from a file its odometer, unit and make) ──> the import engine's rules, read-only:
        `vins.validate_vin` and `vins.parse_odometer` (invalid → not eligible, with the reason),
        `engine.make_of` (no make can be found → not eligible, with the reason)
    ──> the make's provider (`Provider.check_eligibility`), per make in batches of PROVIDER_BATCH_SIZE, as the
        approval chain asks for enablement; a VIN asked twice is asked once
    ──> one Verdict per entry, in the order given.

It adds nothing and changes nothing: no vehicle, no history row, no event, no count, not even a Make row (the
engine's `make_of` only reads). A provider that cannot be reached answers every VIN of its batch not eligible,
with the reason ("could not be checked …"): the check says so rather than guessing.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from vehicles.importing.engine import Entry, known_make_names, make_of
from vehicles.providers import ProviderUnavailable, provider_for
from vehicles.vins import InvalidVin, parse_odometer, validate_vin

SHOWN_MAX = 100  # longest text of an invalid VIN answered back


@dataclass(frozen=True)
class Verdict:
    """The answer for one entry: its VIN (normalised when valid, else as given), `eligible`, the make's name (None
    when there is none), and why not when not eligible. `entry` is the entry as checked (normalised when valid)."""

    vin: str
    eligible: bool
    make: str | None
    reason: str
    entry: Entry


def _shown(value):
    text = str(value if value is not None else "")[:SHOWN_MAX]
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def check_vins(vins):
    """Verdicts for bare VINs (the API, the command), in order."""
    return check([Entry(vin=vin) for vin in vins])


def check(entries):
    """One Verdict per entry, in order. Invalid entries and VINs of no known make are answered without asking
    any provider."""
    verdicts = [None] * len(entries)
    makes = {}  # (named make, lower case) or VIN prefix → (make name, reason)
    names = None  # the names a make cell is matched against, read once when a cell names one
    asked = defaultdict(dict)  # make name → {vin: [indexes]}
    for index, entry in enumerate(entries):
        try:
            vin = validate_vin(entry.vin)
        except InvalidVin as error:
            verdicts[index] = Verdict(_shown(entry.vin), False, None, str(error), entry)
            continue
        named = entry.make_name or ""
        key = named.strip().lower() if named else vin[:3]
        if key not in makes:
            if named and names is None:
                names = known_make_names()
            makes[key] = make_of(vin, named, names)
        make, reason = makes[key]
        try:
            odometer, unit = parse_odometer(entry.odometer, entry.odometer_unit)
        except ValueError as error:
            verdicts[index] = Verdict(vin, False, make, str(error), entry)
            continue
        checked = Entry(vin=vin, odometer=odometer, odometer_unit=unit, make_name=named, line=entry.line)
        if make is None:
            verdicts[index] = Verdict(vin, False, None, reason, checked)
            continue
        verdicts[index] = checked  # answered below
        asked[make].setdefault(vin, []).append(index)

    batch_size = settings.PROVIDER_BATCH_SIZE
    for make, by_vin in asked.items():
        provider = provider_for(make)
        vins = sorted(by_vin)
        for start in range(0, len(vins), batch_size):
            batch = vins[start : start + batch_size]
            try:
                answers = {answer.vin: answer for answer in provider.check_eligibility(batch)}
                failure = ""
            except ProviderUnavailable as error:
                answers, failure = {}, f"could not be checked: the maker's system did not answer ({error})"
            for vin in batch:
                answer = answers.get(vin)
                for index in by_vin[vin]:
                    checked = verdicts[index]
                    if answer is None:
                        reason = failure or "could not be checked: the maker's system gave no answer for this VIN"
                        verdicts[index] = Verdict(vin, False, make, reason, checked)
                    elif answer.eligible:
                        verdicts[index] = Verdict(vin, True, make, "", checked)
                    else:
                        verdicts[index] = Verdict(vin, False, make, answer.reason or "not eligible", checked)
    return verdicts


def summary(verdicts):
    eligible = sum(1 for verdict in verdicts if verdict.eligible)
    return {"eligible": eligible, "ineligible": len(verdicts) - eligible}
