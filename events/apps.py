from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events and webhooks"

    def ready(self):
        from events.log import events_committed
        from events.tasks import on_events_committed

        events_committed.connect(on_events_committed, dispatch_uid="events.webhooks.dispatch")
