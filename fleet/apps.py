from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "fleet"
    verbose_name = "Fleet workspaces"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import lookups  # noqa: F401  (registers `field__among`)
        from .headers import touch_session_on_login

        user_logged_in.connect(touch_session_on_login, dispatch_uid="fleet-touch-session-on-login")
