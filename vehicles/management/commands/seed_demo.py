from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fleet.models import Make, MakeActivation, Membership, Role, Workspace
from vehicles.choices import Party
from vehicles.demo import DEMO_WMIS, UNKNOWN_WMI, make_vin
from vehicles.imports import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.transitions import By, activate_make

ACTIVE_MAKES = ["BMW", "Ford", "Tesla", "Volvo Cars"]  # Ferrari stays inactive: its VINs are Incomplete


class Command(BaseCommand):
    help = "Create the demo workspaces, users and vehicles (DEBUG only; running it again changes nothing)."

    def handle(self, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with known passwords: it runs only with DEBUG on")
        with transaction.atomic():
            users = {
                name: self._user(name, superuser=name == "admin") for name in ("admin", "manager", "viewer", "other")
            }
            demo = self._workspace(
                "demo-fleet", "Demo Fleet", {users["manager"]: Role.MANAGER, users["viewer"]: Role.VIEWER}
            )
            other = self._workspace("other-fleet", "Other Fleet", {users["other"]: Role.MANAGER})
            if Vehicle.all_objects.filter(workspace=demo).exists():
                self.stdout.write("Demo data already present: nothing to do.")
                return
            self._fill(demo)
            self._fill_other(other)
        self.stdout.write(
            "Demo data created: workspaces demo-fleet and other-fleet; users admin, manager, viewer, other "
            "(each password is the user's name)."
        )

    def _user(self, name, superuser=False):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=name, defaults={"is_staff": superuser, "is_superuser": superuser, "email": f"{name}@example.com"}
        )
        if created:
            user.set_password(name)
            user.save()
        return user

    def _workspace(self, slug, name, members):
        workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": name})
        for user, role in members.items():
            Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": role})
        return workspace

    def _fill(self, workspace):
        seed = By.system("seed_demo")
        for name in ACTIVE_MAKES:
            activate_make(workspace, Make.objects.get_or_create(name=name)[0], seed)
        entries = [
            Entry(
                vin=make_vin(wmi, serial), odometer=1000 * serial + 17, odometer_unit="mi" if make == "Ford" else "km"
            )
            for make, wmi in DEMO_WMIS.items()
            for serial in range(1, 8)
        ]
        entries += [Entry(vin=make_vin(UNKNOWN_WMI, serial)) for serial in range(1, 3)]
        add_vehicles(workspace, entries, seed)

        vehicles = Vehicle.objects.filter(workspace=workspace)
        pending = list(vehicles.filter(status="pending").order_by("vin").values_list("pk", flat=True))
        # Of each 7 Pending VINs: most Enabled, one Disabled afterwards, one refused, one left Pending.
        enabled_ids = pending[: len(pending) * 4 // 7]
        refused_ids = pending[len(enabled_ids) : len(enabled_ids) + 2]
        for party in (Party.PLATFORM, Party.PROVIDER):
            vehicles.filter(pk__in=enabled_ids).approve(party, By.system("seed_demo"))
        vehicles.filter(pk__in=refused_ids).refuse(
            Party.PROVIDER, By.provider("simulated"), "VIN not recognised by the maker"
        )
        vehicles.filter(pk__in=enabled_ids[:3]).disable(seed)
        MakeActivation.objects.get_or_create(
            workspace=workspace,
            make=Make.objects.get_or_create(name="Ferrari")[0],
            defaults={"note": "Please activate Ferrari for our new sports cars."},
        )

    def _fill_other(self, workspace):
        add_vehicles(
            workspace, [Entry(vin=make_vin("WBA", serial, seed=1)) for serial in range(1, 4)], By.system("seed_demo")
        )
