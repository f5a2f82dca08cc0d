"""`manage.py prune_events`: delete the events older than EVENTS_RETENTION_DAYS (default 400), in batches.

Run it daily (cron or a systemd timer, docs/deploy.md). The status history stays: it is the vehicles' own record;
its rows keep the id of the pruned event they were carried by.
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from events.models import Event

BATCH = 10_000


class Command(BaseCommand):
    help = "Delete the events older than EVENTS_RETENTION_DAYS (default 400)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days instead of the setting.")

    def handle(self, *args, days=None, **options):
        days = settings.EVENTS_RETENTION_DAYS if days is None else days
        if days < 1:
            self.stderr.write("--days must be at least 1")
            raise SystemExit(2)
        cutoff = timezone.now() - dt.timedelta(days=days)
        deleted = 0
        while True:
            ids = list(
                Event.objects.filter(created_at__lt=cutoff).order_by("created_at").values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            Event.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
        self.stdout.write(f"{deleted} event(s) older than {days} days deleted (before {cutoff:%Y-%m-%d %H:%M} UTC).")
