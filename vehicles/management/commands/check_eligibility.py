from vehicles import eligibility
from vehicles.management.commands._helpers import WorkspaceCommand


class Command(WorkspaceCommand):
    help = (
        "Check whether VINs could be enabled, before adding them: one line per VIN, `VIN eligible` or "
        "`VIN not eligible: REASON`. Adds nothing and changes nothing."
    )

    def add_workspace_arguments(self, parser):
        parser.add_argument("vins", nargs="+", metavar="VIN")

    def handle_workspace(self, workspace, vins, **options):
        for verdict in eligibility.check_vins(vins):
            answer = "eligible" if verdict.eligible else f"not eligible: {verdict.reason}"
            self.stdout.write(f"{verdict.vin} {answer}")
