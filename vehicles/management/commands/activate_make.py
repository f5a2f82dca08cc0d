from vehicles.management.commands._helpers import WorkspaceCommand, make_by_name
from vehicles.status.machine import By, activate_make


class Command(WorkspaceCommand):
    help = "Complete a make's activation for a workspace: its Incomplete VINs move to Pending."

    def add_workspace_arguments(self, parser):
        parser.add_argument("make", help="maker name, e.g. BMW (case-insensitive)")
        parser.add_argument("--note", default="", help="why, recorded in each VIN's history")

    def handle_workspace(self, workspace, make, note, **options):
        make = make_by_name(make)
        moved = activate_make(workspace, make, By.operator(), note=note)
        self.stdout.write(
            f"{make.name} is activated for {workspace.slug}: {len(moved)} Incomplete VIN(s) moved to Pending."
        )
