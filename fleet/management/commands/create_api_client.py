from django.core.management.base import BaseCommand, CommandError

from fleet.models import ApiClient, Workspace


class Command(BaseCommand):
    help = "Create API client credentials for a workspace; prints the client id and the secret (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("workspace_slug")
        parser.add_argument("name", help="which system will use the credentials, e.g. ERP")

    def handle(self, workspace_slug, name, **options):
        workspace = Workspace.objects.filter(slug=workspace_slug).first()
        if workspace is None:
            known = ", ".join(Workspace.objects.values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f"No workspace with slug {workspace_slug!r} (known: {known})")
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("NAME must be 1 to 100 characters")
        client, secret = ApiClient.issue(workspace, name)
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"client_secret: {secret}")
