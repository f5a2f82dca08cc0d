"""A vehicle's details — `name`, `license_plate`, `labels` — and their rules, in one place (SPEC.md "Vehicle
details and labels"). The import engine (CSV, the one-VIN form, the API upload), the edit form and the API's
PATCH all call these; each raises ValueError saying what is wrong, in words a person reads in a report.

- name: at most 100 characters, trimmed; stored as given. Searched without regard to case (`search_key`).
- license_plate: at most 20 characters, trimmed, stored upper-case (plates are compared without regard to case).
- labels: at most 20, each 1–40 characters of letters, digits, space, `_`, `.`, `-`; trimmed; compared without
  regard to case (`label_key`) and kept as first given (a repeat in another case is dropped).
Neither name nor plate may hold a control character (NUL, tab, line break …).
"""

import unicodedata

NAME_MAX = 100
PLATE_MAX = 20
LABELS_MAX = 20
LABEL_MAX = 40
LABEL_SEPARATOR = "|"
LABEL_PUNCTUATION = frozenset(" _.-")

FIELDS = ("name", "license_plate", "labels")


def _text(value, what):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    return value.strip()


def _no_control(text, what):
    if text.isprintable():  # no control character (Cc) nor lone surrogate (Cs) in it: the common case, in C
        return
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        raise ValueError(f"{what} must not contain control characters (tab, line break, NUL …)")


def clean_name(value) -> str:
    name = _text(value, "name")
    if len(name) > NAME_MAX:
        raise ValueError(f"name must be at most {NAME_MAX} characters, not {len(name)}")
    _no_control(name, "name")
    return name


def clean_license_plate(value) -> str:
    plate = _text(value, "license plate")
    if len(plate) > PLATE_MAX:
        raise ValueError(f"license plate must be at most {PLATE_MAX} characters, not {len(plate)}")
    _no_control(plate, "license plate")
    return plate.upper()


def label_key(label: str) -> str:
    """What two labels are compared by: "Depot-North" and "depot-north" are one label."""
    return label.casefold()


def search_key(text: str) -> str:
    """How `q` and the stored name are folded for a search without regard to case (VINs and plates are stored
    upper-case already)."""
    return text.upper()


def clean_label(value) -> str:
    label = _text(value, "label")
    if not label:
        raise ValueError("a label must not be empty")
    if len(label) > LABEL_MAX:
        raise ValueError(f"label {label[:LABEL_MAX]!r}… must be at most {LABEL_MAX} characters, not {len(label)}")
    bad = sorted({c for c in label if not (c.isalnum() or c in LABEL_PUNCTUATION)})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise ValueError(f"label {label!r} may contain only letters, digits, space, _, . and - (found {shown})")
    return label


def clean_labels(value) -> list[str]:
    """Labels from a list of strings or one text of labels separated by `|` (a CSV cell); an empty text or None is
    no label. Repeats (in any case) are dropped, the first spelling kept."""
    if value is None:
        return []
    if isinstance(value, str):
        if not value.strip():
            return []
        value = value.split(LABEL_SEPARATOR)
    elif not isinstance(value, list | tuple):
        raise ValueError(f"labels must be a list of texts, not {type(value).__name__}")
    labels, seen = [], set()
    for item in value:
        label = clean_label(item)
        key = label_key(label)
        if key not in seen:
            seen.add(key)
            labels.append(label)
    if len(labels) > LABELS_MAX:
        raise ValueError(f"a vehicle may carry at most {LABELS_MAX} labels, not {len(labels)}")
    return labels


CLEANERS = {"name": clean_name, "license_plate": clean_license_plate, "labels": clean_labels}


def clean_details(values: dict) -> tuple[dict, dict]:
    """(clean values, problems) for the detail fields present in `values`: problems maps a field to its message.
    A field given as nothing (None or an empty text, as in most rows of an import) is what its cleaner makes of
    nothing, without calling it: a tenth of a 100k-row import's Python time (bench/import_costs.py)."""
    clean, problems = {}, {}
    for field in FIELDS:
        if field in values:
            if values[field] is None or values[field] == "":
                clean[field] = [] if field == "labels" else ""
                continue
            try:
                clean[field] = CLEANERS[field](values[field])
            except ValueError as error:
                problems[field] = str(error)
    return clean, problems
