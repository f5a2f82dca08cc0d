from django.core.management.base import BaseCommand

from vehicles import eligibility
from vehicles.management.commands._helpers import workspace_by_slug


class Command(BaseCommand):
    help = (
        "Check whether VINs could be enabled, before adding them: one line per VIN, `VIN eligible` or "
        "`VIN not eligible: REASON`. Adds nothing and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("workspace_slug")
        parser.add_argument("vins", nargs="+", metavar="VIN")

    def handle(self, workspace_slug, vins, **options):
        workspace_by_slug(workspace_slug)  # an unknown workspace is refused before anything is asked
        for verdict in eligibility.check_vins(vins):
            answer = "eligible" if verdict.eligible else f"not eligible: {verdict.reason}"
            self.stdout.write(f"{verdict.vin} {answer}")
