from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = "Vehicles"

    def ready(self):
        # The approval chain starts when vehicles enter Pending (vehicles/chain.py).
        from . import chain, transitions

        transitions.entered_pending.connect(chain.start_chain, dispatch_uid="vehicles.chain.start_chain")
