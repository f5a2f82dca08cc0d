from django.conf import settings
from django.core.management.base import BaseCommand

from fleet.models import Make
from vehicles.management.commands._helpers import add_schedule_option, schedule_periodic
from vehicles.status import waiting
from vehicles.tasks import medians


class Command(BaseCommand):
    help = (
        "Recompute each make's usual Pending time (the median Pending → Enabled over the last PENDING_MEDIAN_DAYS) "
        "now, or with --schedule make sure the worker's periodic refresh is scheduled."
    )

    def add_arguments(self, parser):
        add_schedule_option(parser, "refresh")

    def handle(self, schedule, **options):
        if schedule:
            return schedule_periodic("refresh", medians.median_refresh_scheduled, medians.ensure_median_refresh)
        computed = waiting.refresh_medians()
        names = dict(Make.objects.filter(pk__in=list(computed)).values_list("pk", "name"))
        least = settings.PENDING_MEDIAN_MIN_CASES
        lines = [
            f"  {names[make_id]}: usually {waiting.human_duration(median)} ({cases} case{'s' if cases != 1 else ''})"
            + ("" if cases >= least else f", not used below {least} cases")
            for make_id, (median, cases) in sorted(computed.items(), key=lambda item: names[item[0]].lower())
        ]
        self.stdout.write("\n".join([f"Usual Pending times computed for {len(computed)} make(s).", *lines]))
