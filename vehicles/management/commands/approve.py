from django.core.management.base import CommandError

from vehicles.choices import Event, Party
from vehicles.management.commands._helpers import WorkspaceCommand
from vehicles.models import Vehicle
from vehicles.status import machine
from vehicles.status.machine import By, refused_reason
from vehicles.vins import InvalidVin, validate_vin


class Command(WorkspaceCommand):
    help = "Record the platform's or the provider's decision for VINs of a workspace, as the admin actions do."

    def add_workspace_arguments(self, parser):
        parser.add_argument("vins", nargs="+", metavar="VIN")
        parser.add_argument("--by", required=True, choices=Party.values, help="whose decision this is")
        parser.add_argument("--refuse", metavar="REASON", help="refuse instead of approving, with this reason")

    def handle_workspace(self, workspace, vins, by, refuse, **options):
        try:
            vins = [validate_vin(v) for v in vins]
        except InvalidVin as error:
            raise CommandError(str(error)) from None
        if refuse is not None and not refuse.strip():
            raise CommandError("--refuse needs a reason")
        vehicles = Vehicle.objects.filter(workspace=workspace, vin__in=vins)
        found = set(vehicles.values_list("vin", flat=True))
        missing = [v for v in vins if v not in found]
        who = By.operator() if by == Party.PLATFORM else By.provider("provider (command line)")
        if refuse is not None:
            changed = machine.refuse(vehicles, by, who, refuse.strip())
            enabled = []
            event, verb = Event.REFUSE, "refused (now Error)"
        else:
            changed, enabled = machine.approve(vehicles, by, who)
            event, verb = Event.APPROVE, f"approved by the {by}"
        self.stdout.write(f"{len(changed)} VIN(s) {verb}; {len(enabled)} now Enabled.")
        for vehicle in vehicles.exclude(pk__in=changed):
            self.stderr.write(refused_reason(vehicle, event))
        for vin in missing:
            self.stderr.write(f"VIN {vin} is not in workspace {workspace.slug}.")
        if missing or len(changed) < len(found):
            raise CommandError(f"{len(found) - len(changed) + len(missing)} VIN(s) were not changed")
