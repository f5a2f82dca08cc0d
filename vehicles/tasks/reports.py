"""Background work of the API: building asynchronous vehicle-status reports (run by `manage.py db_worker`)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from events import log
from events.models import EventType
from vehicles import spreadsheet
from vehicles.models import StatusReport
from vehicles.readings import gate

COLUMNS = ["vin", "available", "reason", *gate.READING_COLUMNS]


def status_csv(workspace, vins):
    """One row per VIN asked for: its latest reading when the gate allows it, else the gate's reason."""
    blank = [""] * (len(COLUMNS) - 3)

    def rows():
        for vin, reading, refusal in gate.latest_readings(workspace, vins):
            if refusal is not None:
                yield [vin, "no", str(refusal), *blank]
            elif reading is None:
                yield [vin, "no", "No reading yet", *blank]
            else:
                yield [vin, "yes", "", *(getattr(reading, column) for column in COLUMNS[3:])]

    return spreadsheet.csv_text(COLUMNS, rows())


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
        _finish(report, StatusReport.State.FAILED, error=f"The report could not be built: {exc}")
        raise
    _finish(report, StatusReport.State.COMPLETED, csv=content)
    forget_expired_reports.call()  # no scheduler needed: each new report clears the expired ones


def _finish(report, state, **values):
    """The report's end and its `report.finished` event, in one transaction."""
    with transaction.atomic():
        StatusReport.objects.filter(pk=report.pk).update(state=state, completed_at=timezone.now(), **values)
        data = {"report": str(report.pk), "state": str(state), "vins": len(report.vins)}
        if values.get("error"):
            data["error"] = values["error"]
        log.record(report.workspace_id, EventType.REPORT_FINISHED, data, actor="api", actor_name=report.requested_by)


@task()
def forget_expired_reports():
    """Drop the CSV of reports past their expiry (their state reads `expired` from then on)."""
    return StatusReport.objects.filter(expires_at__lte=timezone.now()).exclude(csv="").update(csv="")
