from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = "Vehicles"

    def ready(self):
        # The worker's tasks listen to the status machine's signals: the approval chain starts when vehicles
        # enter Pending, withdrawals when they leave Enabled, the first readings (and the makes' usual Pending
        # times) when they become Enabled.
        from vehicles.tasks import approvals, medians, readings  # noqa: F401
