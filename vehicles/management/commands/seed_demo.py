from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import Event as LoggedEvent
from fleet.models import Make, MakeActivation, Membership, Role, Workspace
from vehicles.choices import Event, Party, Status
from vehicles.demo import DEMO_WMIS, UNKNOWN_WMI, make_vin
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import StatusChange, Vehicle
from vehicles.providers import provider_for
from vehicles.readings import fetch
from vehicles.status import machine, waiting
from vehicles.status.counts import status_counts
from vehicles.status.machine import By, activate_make, approve
from vehicles.tasks import approvals

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
            readings = self._fill(demo, users["admin"])
            self._fill_other(other)
            waiting.refresh_medians()  # the makes' usual Pending times, from the history just written
        counts = status_counts(demo)
        summary = ", ".join(f"{n} {Status(status).label}" for status, n in counts.items())
        self.stdout.write(
            "Demo data created: workspaces demo-fleet and other-fleet; users admin, manager, viewer, other "
            f"(each password is the user's name). demo-fleet: {summary}; {readings} readings; "
            "activation of Ferrari requested. The task worker (manage.py db_worker, which `make run` starts) runs "
            "the approval chain and the periodic data fetch."
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

    def _fill(self, workspace, operator):
        """Every status, through the real machinery: the import engine, the simulated provider's decisions as
        the worker records them, the operator's approvals, a manager's and the provider's revocations."""
        seed = By.system("seed_demo")
        for name in ACTIVE_MAKES:
            activate_make(workspace, Make.objects.get_or_create(name=name)[0], seed)
        entries = [
            Entry(
                vin=make_vin(wmi, serial),
                odometer=1000 * serial + 17,
                odometer_unit="mi" if make == "Ford" else "km",
                # Details and labels (docs/details.md): a name and a plate for most, a depot label for each.
                name=f"{make} {serial}" if serial < 6 else None,
                license_plate=f"B-FL {100 * index + serial}" if serial < 5 else None,
                labels=["Depot North" if serial % 2 else "Depot South", *(["EV"] if make == "Tesla" else [])],
            )
            for index, (make, wmi) in enumerate(DEMO_WMIS.items())
            for serial in range(1, 8)
        ]
        entries += [Entry(vin=make_vin(UNKNOWN_WMI, serial)) for serial in range(1, 3)]  # no maker: Error
        add_vehicles(workspace, entries, seed)  # Ferrari is not activated: its VINs are Incomplete

        vehicles = Vehicle.objects.filter(workspace=workspace)
        pending = list(vehicles.filter(status=Status.PENDING).select_related("make").order_by("vin"))
        serial = {v.pk: int(v.vin[-6:]) for v in pending}
        # The provider's answers, exactly as the worker records them. The simulated provider refuses VINs ending
        # in 7 (→ Error); serial 5 is left for the worker to ask (it stays Pending until the platform approves).
        asked = defaultdict(list)
        for vehicle in pending:
            if serial[vehicle.pk] != 5:
                asked[vehicle.make.name].append([vehicle.pk, vehicle.approval_round])
        for make_name, pairs in asked.items():
            approvals.request_enablement.call(make_name, pairs, check=True)
        # The operator's approval for serials 1–4 and 6 (→ Enabled); serial 6 then disabled by the manager.
        approve(
            vehicles.filter(pk__in=[pk for pk, n in serial.items() if n in (1, 2, 3, 4, 6)]),
            Party.PLATFORM,
            By.operator(operator),
        )
        manager = Membership.objects.filter(workspace=workspace, role=Role.MANAGER).first().user
        machine.apply(
            Event.DISABLE,
            vehicles.filter(pk__in=[pk for pk, n in serial.items() if n == 6]),
            By.manager(manager),
            reason="Vehicle sold",
        )
        # The story so far happened 8 days ago: the VINs were uploaded and approved then, so that the week of
        # readings below falls inside their consent periods (SPEC.md's gate reads nothing from before).
        ago = timedelta(days=8)
        StatusChange.objects.filter(vehicle__workspace=workspace).update(at=F("at") - ago)
        Vehicle.all_objects.filter(workspace=workspace).update(
            status_changed_at=F("status_changed_at") - ago, created_at=F("created_at") - ago
        )
        LoggedEvent.objects.filter(workspace=workspace).update(created_at=F("created_at") - ago)
        # Data: a week of readings from the provider for every vehicle that has been Enabled.
        since = timezone.now() - timedelta(days=7)
        readings = 0
        for vin, make_name in vehicles.filter(status__in=[Status.ENABLED, Status.DISABLED]).values_list(
            "vin", "make__name"
        ):
            provider = provider_for(make_name)
            readings += fetch.store_readings(vin, provider.name, provider.fetch_status(vin, since=since))
        # The provider revokes one Volvo (→ Disabled, by the provider): its data stays stored but refused.
        fetch.provider_revoked(make_vin(DEMO_WMIS["Volvo Cars"], 4), "simulated", "the owner withdrew consent")
        MakeActivation.objects.get_or_create(
            workspace=workspace,
            make=Make.objects.get_or_create(name="Ferrari")[0],
            defaults={"note": "Please activate Ferrari for our new sports cars.", "requested_by": manager},
        )
        return readings

    def _fill_other(self, workspace):
        add_vehicles(
            workspace, [Entry(vin=make_vin("WBA", serial, seed=1)) for serial in range(1, 4)], By.system("seed_demo")
        )
