"""Background work of the API: building asynchronous vehicle-status reports (run by `manage.py db_worker`)."""

import csv
import io

from django.utils import timezone
from django_tasks import task

from vehicles.models import StatusReport
from vehicles.readings import gate

COLUMNS = ["vin", "available", "reason", *gate.READING_COLUMNS]


def status_csv(workspace, vins):
    """One row per VIN asked for: its latest reading when the gate allows it, else the gate's reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for vin, reading, refusal in gate.latest_readings(workspace, vins):
        if refusal is not None:
            writer.writerow([vin, "no", str(refusal)] + [""] * (len(COLUMNS) - 3))
        elif reading is None:
            writer.writerow([vin, "no", "No reading yet"] + [""] * (len(COLUMNS) - 3))
        else:
            values = [getattr(reading, column) for column in COLUMNS[3:]]
            writer.writerow([vin, "yes", "", *("" if v is None else v for v in values)])
    return out.getvalue()


@task()
def build_status_report(report_id):
    started = StatusReport.objects.filter(pk=report_id, state=StatusReport.State.PENDING).update(
        state=StatusReport.State.RUNNING
    )
    if not started:
        return  # already taken by another worker, or gone
    report = StatusReport.objects.select_related("workspace").get(pk=report_id)
    try:
        content = status_csv(report.workspace, report.vins)
    except Exception as exc:
        StatusReport.objects.filter(pk=report_id).update(
            state=StatusReport.State.FAILED, error=f"The report could not be built: {exc}", completed_at=timezone.now()
        )
        raise
    StatusReport.objects.filter(pk=report_id).update(
        state=StatusReport.State.COMPLETED, csv=content, completed_at=timezone.now()
    )
    forget_expired_reports.call()  # no scheduler needed: each new report clears the expired ones


@task()
def forget_expired_reports():
    """Drop the CSV of reports past their expiry (their state reads `expired` from then on)."""
    return StatusReport.objects.filter(expires_at__lte=timezone.now()).exclude(csv="").update(csv="")
