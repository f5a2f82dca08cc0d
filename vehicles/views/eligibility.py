"""`Check eligibility` on the upload page (the typed VIN or the chosen CSV file), then `Add the eligible ones`.

Thin views over `vehicles.eligibility` (the check: adds nothing, changes nothing) and the import jobs (the add).
Managers only: an outsider gets 404, a viewer 403, as on the rest of the upload page.

How the checked rows travel to the second click: a file cannot be posted again, so the eligible rows (VIN,
odometer, unit, make, line — as the file gave them, normalised by the check) go into one signed, compressed
hidden field of the `Add the eligible ones` form (django.core.signing, salted with the workspace and the user,
valid for ELIGIBLE_ROWS_MAX_AGE seconds). Nothing is stored on the server between the two clicks, so an abandoned
check leaves nothing behind and no table or migration is needed; a tampered, expired or foreign field is refused.
The add goes through the import engine like any upload (an ImportJob and its usual report), so a VIN that became a
duplicate meanwhile is reported as one.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from fleet.access import get_workspace_for
from vehicles import eligibility
from vehicles.importing import jobs
from vehicles.importing.csvfile import check_file, check_size, read_entries
from vehicles.importing.engine import Entry, ImportRefused
from vehicles.models import ImportJob
from vehicles.status.machine import By
from vehicles.views.forms import CsvUploadForm
from vehicles.views.upload import _open_upload, _upload_page

ELIGIBLE_ROWS_MAX_AGE = 3600  # seconds between the check and the click on `Add the eligible ones`
SALT = "vehicles.eligibility.rows"


def rows_limit():
    """A checked file may have as many rows as one API call may have VINs (API_VIN_LIMIT, 10,000)."""
    return settings.API_VIN_LIMIT


def _salt(workspace, user):
    return f"{SALT}:{workspace.pk}:{user.pk}"


def sign_rows(workspace, user, source, filename, verdicts):
    rows = [
        [v.entry.line, v.entry.vin, v.entry.odometer, v.entry.odometer_unit, v.entry.make_name]
        for v in verdicts
        if v.eligible
    ]
    payload = {"source": source, "filename": filename, "rows": rows}
    return signing.dumps(payload, salt=_salt(workspace, user), compress=True)


def unsign_rows(workspace, user, token):
    """(source, filename, entries), or signing.BadSignature (also for an expired or another user's field)."""
    payload = signing.loads(token, salt=_salt(workspace, user), max_age=ELIGIBLE_ROWS_MAX_AGE)
    entries = [
        Entry(vin=vin, odometer=odometer, odometer_unit=unit or "km", make_name=make or "", line=line)
        for line, vin, odometer, unit, make in payload["rows"]
    ]
    return payload["source"], payload["filename"], entries


ELIGIBLE_TAG = mark_safe('<span class="tag tag-green">Eligible</span>')  # noqa: S308 (constant markup)
NOT_ELIGIBLE_TAG = mark_safe('<span class="tag tag-red">Not eligible</span>')  # noqa: S308


def answer_rows(verdicts, with_line):
    """The per-VIN table's rows as HTML (escaped by format_html). Built here rather than by a template loop: a
    checked file has up to 10,000 rows, which the template engine renders in seconds and this in milliseconds."""
    line = '<td class="num">{}</td>' if with_line else "{}"
    row = f'<tr data-eligible="{{}}">{line}<td><code>{{}}</code></td><td>{{}}</td><td>{{}}</td><td>{{}}</td></tr>\n'
    return format_html_join(
        "",
        row,
        (
            (
                "true" if v.eligible else "false",
                (v.entry.line or "") if with_line else "",
                v.vin,
                v.make or "—",
                ELIGIBLE_TAG if v.eligible else NOT_ELIGIBLE_TAG,
                v.reason,
            )
            for v in verdicts
        ),
    )


def _report(request, workspace, source, filename, verdicts):
    counts = eligibility.summary(verdicts)
    return {
        "source": source,
        "filename": filename,
        "verdicts": verdicts,
        "rows_html": answer_rows(verdicts, with_line=bool(filename)),
        "counts": counts,
        "count_rows": [
            ("Eligible", "eligible", counts["eligible"]),
            ("Not eligible", "ineligible", counts["ineligible"]),
        ],
        "token": sign_rows(workspace, request.user, source, filename, verdicts) if counts["eligible"] else "",
    }


def _answer(request, workspace, membership, report, status=200):
    return _upload_page(request, workspace, membership, eligibility=report, status=status)


@login_required
@require_POST
def check_vin(request, slug):
    """The typed VIN (and its odometer), as the one-VIN form would add it: answered, not added."""
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    entry = Entry(
        vin=request.POST.get("vin", "")[:100],
        odometer=request.POST.get("odometer", "")[:20],
        odometer_unit=request.POST.get("odometer_unit", ""),
    )
    verdicts = eligibility.check([entry])
    return _answer(request, workspace, membership, _report(request, workspace, ImportJob.Source.FORM, "", verdicts))


@login_required
@require_POST
def check_csv(request, slug):
    """The chosen CSV file's rows (at most rows_limit()): answered per row, nothing added."""
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, workspace, membership, {"problem": form.errors["file"][0]}, status=400)
    upload_file = form.cleaned_data["file"]
    binary = None
    try:
        check_size(upload_file.size)
        binary = _open_upload(upload_file)
        entries = []
        for entry in read_entries(binary, check_file(binary)):
            if len(entries) == rows_limit():
                raise ImportRefused(
                    f"The file has more than {rows_limit():,} rows: eligibility is checked for at most "
                    f"{rows_limit():,} rows at a time. Split the file, or upload it without checking."
                )
            entries.append(entry)
    except ImportRefused as refused:
        return _answer(request, workspace, membership, {"problem": str(refused)}, status=400)
    finally:
        if binary is not None and binary is not upload_file.file:
            binary.close()
    verdicts = eligibility.check(entries)
    report = _report(request, workspace, ImportJob.Source.CSV, upload_file.name[:255], verdicts)
    return _answer(request, workspace, membership, report)


@login_required
@require_POST
def add_eligible(request, slug):
    """`Add the eligible ones`: exactly the rows the check found eligible, through the import engine (an import job
    with its usual report)."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    try:
        source, filename, entries = unsign_rows(workspace, request.user, request.POST.get("rows", ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, "This check has expired or is not valid: check the eligibility again.")
        return redirect("vehicles:upload", slug=workspace.slug)
    if not entries:
        messages.error(request, "No VIN of this check is eligible: nothing was added.")
        return redirect("vehicles:upload", slug=workspace.slug)
    job = ImportJob.objects.create(
        workspace=workspace, created_by=request.user, source=source, filename=filename, total_rows=len(entries)
    )
    jobs.run_entries(job, entries, By.manager(request.user))
    return redirect("vehicles:import", slug=workspace.slug, job_id=job.pk)
