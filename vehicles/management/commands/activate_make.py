from django.core.management.base import BaseCommand

from vehicles.management.commands._helpers import make_by_name, workspace_by_slug
from vehicles.status.machine import By, activate_make


class Command(BaseCommand):
    help = "Complete a make's activation for a workspace: its Incomplete VINs move to Pending."

    def add_arguments(self, parser):
        parser.add_argument("workspace_slug")
        parser.add_argument("make", help="maker name, e.g. BMW (case-insensitive)")
        parser.add_argument("--note", default="", help="why, recorded in each VIN's history")

    def handle(self, workspace_slug, make, note, **options):
        workspace = workspace_by_slug(workspace_slug)
        make = make_by_name(make)
        moved = activate_make(workspace, make, By.operator(), note=note)
        self.stdout.write(
            f"{make.name} is activated for {workspace.slug}: {len(moved)} Incomplete VIN(s) moved to Pending."
        )
