"""VIN normalisation, validation and the make behind a VIN's first three characters."""

import re

from vininfo.dicts import WMI

VIN_PATTERN = r"^[A-HJ-NPR-Z0-9]{16,17}$"
_VIN_RE = re.compile(VIN_PATTERN)
_FORBIDDEN = set("IOQ")
_DIGITS = re.compile(r"\d+")

ODOMETER_MAX = 2_000_000


class InvalidVin(ValueError):
    pass


# Only ASCII letters are upper-cased: str.upper() folds `ſ` into `S` and `ﬀ` into `FF`, which would turn text that
# is not a VIN into a valid one (or into another vehicle's VIN). Anything else is kept, so validation refuses it.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normalise_vin(value) -> str:
    """Trimmed and upper-cased (ASCII letters only), as every surface stores and compares VINs."""
    text = str(value or "").strip()
    # For ASCII text, str.upper() is the same mapping and several times faster (an import calls this per row).
    return text.upper() if text.isascii() else text.translate(_ASCII_UPPER)


def validate_vin(value) -> str:
    """The normalised VIN, or InvalidVin saying what is wrong with it."""
    vin = normalise_vin(value)
    if _VIN_RE.match(vin):  # the usual case first: the pattern checks the length too
        return vin
    if not vin:
        raise InvalidVin("VIN is empty")
    if len(vin) not in (16, 17):
        raise InvalidVin(f"VIN must be 16 or 17 characters, not {len(vin)}")
    if not _VIN_RE.match(vin):
        bad = sorted({c for c in vin if c in _FORBIDDEN or not c.isascii() or not c.isalnum()})
        if bad and set(bad) <= _FORBIDDEN:
            raise InvalidVin(f"VIN must not contain the letters I, O or Q (found {', '.join(bad)})")
        raise InvalidVin("VIN may contain only the letters A-Z (without I, O, Q) and the digits 0-9")
    return vin


def make_name_for_vin(vin: str) -> str | None:
    """The maker's name from vininfo's WMI table (first three characters, then two), or None.

    vininfo's Vin class refuses 16-character VINs, so its table is read directly.
    """
    wmi = vin[:3].upper()
    maker = WMI.get(wmi) or WMI.get(wmi[:2])
    if maker is None:
        return None
    return maker if isinstance(maker, str) else maker.manufacturer


def parse_odometer(value, unit) -> tuple[int | None, str]:
    """(odometer, unit) from text cells; ValueError saying what is wrong."""
    value = str(value if value is not None else "").strip()
    unit = str(unit if unit is not None else "").strip().lower() or "km"
    if unit not in ("km", "mi"):
        raise ValueError(f"odometer unit must be km or mi, not {unit!r}")
    if value == "":
        return None, unit
    if not _DIGITS.fullmatch(value):
        raise ValueError(f"odometer must be a whole number from 0 to {ODOMETER_MAX:,}, not {value!r}")
    number = int(value)
    if number > ODOMETER_MAX:
        raise ValueError(f"odometer must be at most {ODOMETER_MAX:,}, not {number:,}")
    return number, unit
