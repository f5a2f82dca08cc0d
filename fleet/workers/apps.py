from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "fleet.workers"
    label = "workers"
    verbose_name = "Task workers"
