"""Reading a VIN CSV file as a stream: header row; columns `vin` and optionally `odometer`, `odometer_unit`,
`make`, `name`, `license_plate`, `labels` (several labels in one cell separated by `|`) (names without regard to
case, in any order, other columns ignored); comma or semicolon; UTF-8 with or without BOM.

`check_file` looks at the first bytes only (size, binary content, encoding, header) and raises ImportRefused
with a message saying what is wrong; `read_entries` then yields one import `Entry` per data row, with its line
number, and raises ImportRefused if the file turns out to be broken further down (bytes that are not UTF-8,
a malformed line) or has no data rows. The rows themselves are judged by the import engine.
"""

import codecs
import csv
import re

from django.conf import settings

from vehicles.importing.engine import Entry, ImportRefused

HEAD_BYTES = 64 * 1024
COLUMNS = ("vin", "odometer", "odometer_unit", "make", "name", "license_plate", "labels")
ALIASES = {
    "unit": "odometer_unit",
    "odometer_units": "odometer_unit",
    "make_name": "make",
    "plate": "license_plate",
    "licence_plate": "license_plate",
    "label": "labels",
}
FIELD_MAX = 10_000  # a cell longer than this is not a VIN file's cell

SAVE_AS = "Save it as “CSV UTF-8 (comma delimited)” and upload it again."

# File signatures of what people most often upload by mistake.
SIGNATURES = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word document (.xls, .doc)"),
    (b"\x1f\x8b", "a gzip archive"),
]


def human_size(n):
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024


def check_size(size):
    """Refuse a file over UPLOAD_MAX_BYTES — from its announced size, before a byte of it is read."""
    limit = settings.UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        raise ImportRefused(f"The file is {human_size(size)}; files of at most {human_size(limit)} are accepted.")


def _head_problem(head):
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        return "The file is empty: it needs a header row with a vin column and one VIN per row."
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            return f"This is not a CSV file: it looks like {what}. {SAVE_AS}"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        head[:200].count(b"\x00") > len(head[:200]) // 4
    ):
        return f"The file is encoded as UTF-16 (“Unicode text”); only UTF-8 is accepted. {SAVE_AS}"
    if b"\x00" in head:
        return f"This is not a CSV file: it contains binary data. {SAVE_AS}"
    return None


def check_file(binary):
    """Look at the start of a seekable binary file and refuse it if it cannot be a VIN CSV file.

    Returns the delimiter. The file is left at its start.
    """
    size = getattr(binary, "size", None)
    check_size(size)
    binary.seek(0)
    head = binary.read(HEAD_BYTES)
    binary.seek(0)
    problem = _head_problem(head)
    if problem:
        raise ImportRefused(problem)
    text = head.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if "\ufffd" in first_line:
        raise ImportRefused(f"The file is not UTF-8 text: its header row has bytes UTF-8 does not allow. {SAVE_AS}")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    _header_columns(next(csv.reader([first_line], delimiter=delimiter), []))
    return delimiter


def _normalise_name(name):
    name = re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff").strip().lower())
    return ALIASES.get(name, name)


def _header_columns(header):
    """{column: index} from the header row, or ImportRefused."""
    names = [_normalise_name(h) for h in header]
    if "vin" not in names:
        shown = ", ".join(repr(h) for h in header[:8] if h.strip()) or "nothing"
        raise ImportRefused(
            f"The file has no vin column: its first row must name the columns (vin, and optionally odometer, "
            f"odometer_unit, make, name, license_plate, labels); it has {shown}."
        )
    positions = {}
    for index, name in enumerate(names):
        if name in COLUMNS:
            if name in positions:
                raise ImportRefused(f"The header row names the column {name} twice.")
            positions[name] = index
    return positions


def count_rows(binary):
    """Data rows, estimated from the line breaks (for progress and to choose the background path)."""
    binary.seek(0)
    lines = 0
    last = b"\n"
    while chunk := binary.read(1024 * 1024):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    binary.seek(0)
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


class _NotUtf8(Exception):
    def __init__(self, line, byte):
        self.line, self.byte = line, byte


def _decoded_lines(binary):
    """The file's lines as text, decoded one by one (so that a bad byte is found with its line number)."""
    for number, raw in enumerate(binary, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise _NotUtf8(number, raw[error.start : error.start + 1].hex().upper()) from None


def read_entries(binary, delimiter=None, on_header=None):
    """Yield an Entry per data row (blank lines skipped); ImportRefused if the file is broken or has no rows.

    Each Entry keeps its row's cells as given (`row`); on_header(cells) receives the header row first."""
    if delimiter is None:
        delimiter = check_file(binary)
    binary.seek(0)
    reader = csv.reader(_decoded_lines(binary), delimiter=delimiter)
    line = 1
    try:
        header = next(reader)
        columns = _header_columns(header)
        if on_header:
            on_header([cell.strip().strip("\ufeff") for cell in header])
        vin_at = columns["vin"]
        odo_at, unit_at, make_at = columns.get("odometer"), columns.get("odometer_unit"), columns.get("make")
        name_at, plate_at, labels_at = columns.get("name"), columns.get("license_plate"), columns.get("labels")
        rows = 0
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            joined = "".join(row)
            if not joined.strip():
                continue
            if "\x00" in joined:
                raise ImportRefused(f"Line {start} contains a NUL character: this is not a text CSV file. {SAVE_AS}")
            if len(joined) > FIELD_MAX and any(len(cell) > FIELD_MAX for cell in row):
                raise ImportRefused(
                    f"Line {start} has a cell longer than {FIELD_MAX:,} characters: is this a CSV file?"
                )
            n = len(row)
            rows += 1
            yield Entry(
                vin=row[vin_at] if vin_at < n else "",
                odometer=row[odo_at] if odo_at is not None and odo_at < n else "",
                odometer_unit=row[unit_at] if unit_at is not None and unit_at < n else "",
                make_name=(row[make_at].strip() if make_at is not None and make_at < n else ""),
                line=start,
                row=row,
                name=row[name_at] if name_at is not None and name_at < n else None,
                license_plate=row[plate_at] if plate_at is not None and plate_at < n else None,
                labels=row[labels_at] if labels_at is not None and labels_at < n else None,
            )
    except _NotUtf8 as error:
        raise ImportRefused(
            f"The file is not UTF-8 text: line {error.line} has a byte (0x{error.byte}) that UTF-8 does not allow "
            f"(Latin-1 or Windows-1252?). {SAVE_AS}"
        ) from None
    except csv.Error as error:
        raise ImportRefused(f"Line {line} cannot be read as CSV: {error}.") from None
    except StopIteration:
        raise ImportRefused("The file is empty: it needs a header row with a vin column.") from None
    if rows == 0:
        raise ImportRefused("The file has a header row but no data rows: there is no VIN to add.")
