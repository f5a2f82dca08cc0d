"""Statuses, events and actors: each with its label (and colour) in one place."""

from django.db import models


class Status(models.TextChoices):
    ENABLED = "enabled", "Enabled"
    PENDING = "pending", "Pending"
    INCOMPLETE = "incomplete", "Incomplete"
    DISABLED = "disabled", "Disabled"
    ERROR = "error", "Error"


# The colour of each status's badge; the label is always shown with it.
STATUS_COLOURS = {
    Status.ENABLED: "green",
    Status.PENDING: "blue",
    Status.INCOMPLETE: "yellow",
    Status.DISABLED: "grey",
    Status.ERROR: "red",
}

# What a status history row may say a vehicle became: a status, or deleted.
DELETED = "deleted"
HISTORY_STATUS_CHOICES = [*Status.choices, (DELETED, "Deleted")]

# How API v1 (frozen for old clients) says each status; v2 and the events use the statuses themselves.
V1_STATUS = {
    Status.ENABLED: "Consented",
    Status.PENDING: "Pending",
    Status.INCOMPLETE: "Pending",
    Status.DISABLED: "Revoked",
    Status.ERROR: "Revoked",
    DELETED: "Deleted",
}


class Event(models.TextChoices):
    UPLOAD = "upload", "Upload"
    ACTIVATE_MAKE = "activate_make", "Activate make"
    APPROVE = "approve", "Approve"
    REFUSE = "refuse", "Refuse"
    DISABLE = "disable", "Disable"
    ENABLE = "enable", "Enable"
    DELETE = "delete", "Delete"


class Actor(models.TextChoices):
    USER = "user", "Fleet manager"
    API = "api", "API client"
    OPERATOR = "operator", "Platform operator"
    PROVIDER = "provider", "Data provider"
    SYSTEM = "system", "System"


class Party(models.TextChoices):
    """The two parties whose approval a VIN needs."""

    PLATFORM = "platform", "Platform"
    PROVIDER = "provider", "Provider"


class OdometerUnit(models.TextChoices):
    KM = "km", "km"
    MI = "mi", "mi"
