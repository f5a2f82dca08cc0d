"""The workspace side: workspaces, their members, vehicle makes and their activation, API credentials."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer"


class Workspace(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    auto_platform_approval = models.BooleanField(
        default=False,
        help_text="Give the platform's approval automatically to every VIN that enters Pending.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="workspaces")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def role_of(self, user):
        """The user's role here, or None for an outsider."""
        if not user.is_authenticated:
            return None
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def can_manage(self):
        return self.role == Role.MANAGER


class MakeQuerySet(models.QuerySet):
    def named(self, name):
        """The make of that name, matched without regard to case."""
        return self.get(name__iexact=name.strip())


class Make(models.Model):
    """A vehicle make, named as vininfo names the maker behind a VIN's first three characters."""

    name = models.CharField(max_length=100, unique=True)

    objects = MakeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="make_name_unique_ci")]

    def __str__(self):
        return self.name


class MakeActivation(models.Model):
    """A make's activation for one workspace: requested by a manager, completed by an operator."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACTIVE = "active", "Active"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="make_activations")
    make = models.ForeignKey(Make, on_delete=models.CASCADE, related_name="activations")
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "make"], name="one_activation_per_make")]

    def __str__(self):
        return f"{self.make} for {self.workspace}: {self.get_state_display()}"

    @property
    def is_active(self):
        return self.state == self.State.ACTIVE
