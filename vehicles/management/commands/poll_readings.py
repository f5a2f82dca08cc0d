from django.core.management.base import BaseCommand

from vehicles import chain
from vehicles.providers import ProviderUnavailable, VehicleRevoked


class Command(BaseCommand):
    help = (
        "Fetch fresh status data for every Enabled VIN whose newest reading is older than READING_MAX_AGE_SECONDS "
        "(now, in the foreground), or with --schedule make sure the worker's periodic fetch is scheduled."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="only enqueue the periodic poll task for the worker (if it is not scheduled already)",
        )

    def handle(self, schedule, **options):
        if schedule:
            already = chain.poll_task_scheduled()
            chain.ensure_polling()
            self.stdout.write(
                "The periodic fetch was already scheduled." if already else "The periodic fetch is scheduled."
            )
            return
        pairs = chain.stale_vins()
        stored = revoked = failed = 0
        for vin, make_name in pairs:
            try:
                stored += chain.refresh_readings(vin, make_name)
            except VehicleRevoked as error:
                revoked += 1
                self.stderr.write(f"VIN {vin} was revoked by its provider ({error.reason}): now Disabled.")
            except ProviderUnavailable as error:
                failed += 1
                self.stderr.write(f"VIN {vin}: no data fetched ({error}).")
        self.stdout.write(
            f"{len(pairs)} stale Enabled VIN(s): {stored} new reading(s) stored; "
            f"{revoked} revoked by the provider; {failed} not reachable."
        )
