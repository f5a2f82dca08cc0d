"""Every CSV the product writes (SPEC.md "exports"): cells safe to open in a spreadsheet, streamed in bounded memory.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`, so that a
spreadsheet shows it as text instead of running it as a formula. Numbers stay numbers (a longitude of -122.4 is
not a formula). Used by the VIN table's export, the activity log's, the import's problem rows and API reports.
"""

import csv
import io

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file whose write gives the line back: csv.writer then yields lines instead of keeping them."""

    def write(self, value):
        return value


def csv_lines(header, rows):
    """The CSV lines of a header and rows (an iterator: one line in memory at a time)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_text(header, rows):
    out = io.StringIO()
    for line in csv_lines(header, rows):
        out.write(line)
    return out.getvalue()


def csv_response(header, rows, filename):
    """A streamed CSV download."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
