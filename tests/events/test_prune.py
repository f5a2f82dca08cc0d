import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from events import log
from events.models import Event, EventType


def test_prune_deletes_only_events_older_than_the_retention(workspace, settings, capsys):
    settings.EVENTS_RETENTION_DAYS = 30
    old = log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": "old"})
    kept = log.record(workspace.pk, EventType.REPORT_FINISHED, {"report": "kept"})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    Event.objects.filter(pk=kept.pk).update(created_at=timezone.now() - dt.timedelta(days=29))

    call_command("prune_events")

    assert list(Event.objects.values_list("data__report", flat=True)) == ["kept"]
    assert capsys.readouterr().out.startswith("1 event(s) older than 30 days deleted")
