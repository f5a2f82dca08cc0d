from django.core.management.base import BaseCommand

from vehicles.management.commands._helpers import add_schedule_option, schedule_periodic
from vehicles.readings import fetch
from vehicles.tasks import readings


class Command(BaseCommand):
    help = (
        "Fetch fresh status data for every Enabled VIN whose newest reading is older than READING_MAX_AGE_SECONDS "
        "(now, in the foreground), or with --schedule make sure the worker's periodic fetch is scheduled."
    )

    def add_arguments(self, parser):
        add_schedule_option(parser, "poll")

    def handle(self, schedule, **options):
        if schedule:
            return schedule_periodic("fetch", readings.poll_task_scheduled, readings.ensure_polling)
        pairs = fetch.stale_vins()
        received = revoked = failed = 0
        for start in range(0, len(pairs), 500):
            r, v, f = fetch.refresh_many(pairs[start : start + 500])
            received, revoked, failed = received + r, revoked + v, failed + f
        self.stdout.write(
            f"{len(pairs)} stale Enabled VIN(s): {received} reading(s) received; "
            f"{revoked} revoked by the provider (now Disabled); {failed} not reachable (see the log)."
        )
