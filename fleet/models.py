"""The workspace side: workspaces, their members, vehicle makes and their activation, API credentials."""

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Lower

from events import log
from events.models import EventType


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


class ApiClient(models.Model):
    """OAuth2 client credentials that belong to one workspace (the API acts as a manager of it)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_clients")
    name = models.CharField(max_length=100)
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="api_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.workspace})"

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def client_id(self):
        return self.application.client_id

    @classmethod
    def issue(cls, workspace, name, created_by=None):
        """New client credentials for the workspace: (ApiClient, plaintext secret).

        django-oauth-toolkit stores only a hash of the secret, so this is the one moment it can be shown.
        """
        from oauth2_provider.generators import generate_client_secret
        from oauth2_provider.models import get_application_model

        Application = get_application_model()
        secret = generate_client_secret()
        application = Application(
            name=f"{workspace.slug}: {name}"[:255],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            skip_authorization=True,
        )
        application.full_clean(exclude=["user", "redirect_uris", "post_logout_redirect_uris"])
        with transaction.atomic():
            application.save()
            client = cls.objects.create(workspace=workspace, name=name, application=application, created_by=created_by)
            actor, actor_name = ("user", created_by.get_username()) if created_by else ("operator", "command line")
            client.record(EventType.API_CLIENT_CREATED, actor, actor_name)
        return client, secret

    def record(self, type, actor, actor_name):
        log.record(
            self.workspace_id,
            type,
            {"client_id": self.client_id, "name": self.name},
            actor=actor,
            actor_name=actor_name,
        )

    def revoke(self, actor="user", actor_name=""):
        """Revoke the credentials: their tokens stop working at once and no new token is issued."""
        from django.utils import timezone

        if self.revoked_at is None:
            with transaction.atomic():
                if ApiClient.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
                    self.record(EventType.API_CLIENT_REVOKED, actor, actor_name)
            self.refresh_from_db(fields=["revoked_at"])
        from oauth2_provider.models import get_access_token_model

        get_access_token_model().objects.filter(application=self.application).delete()
