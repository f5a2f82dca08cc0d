from django.core.management.base import BaseCommand, CommandError

from fleet.models import Make, Workspace


def add_schedule_option(parser, task):
    """--schedule: instead of the work now, only make sure the worker's periodic `task` task is scheduled."""
    parser.add_argument(
        "--schedule",
        action="store_true",
        help=f"only enqueue the periodic {task} task for the worker (if it is not scheduled already)",
    )


def schedule_periodic(work, is_scheduled, ensure_scheduled):
    """Schedule a periodic task unless it is (`ensure_scheduled`); the answer, for `handle` to return, says which it
    was: "The periodic fetch was already scheduled." or "The periodic fetch is scheduled." (`work`: fetch)."""
    already = is_scheduled()
    ensure_scheduled()
    return f"The periodic {work} was already scheduled." if already else f"The periodic {work} is scheduled."


def workspace_by_slug(slug):
    try:
        return Workspace.objects.get(slug=slug)
    except Workspace.DoesNotExist:
        known = ", ".join(Workspace.objects.values_list("slug", flat=True)[:20]) or "none"
        raise CommandError(f"No workspace with slug {slug!r} (known: {known})") from None


def make_by_name(name):
    try:
        return Make.objects.named(name)
    except Make.DoesNotExist:
        raise CommandError(f"No make named {name!r} (names are matched without regard to case)") from None


class WorkspaceCommand(BaseCommand):
    """A command about one workspace: its first argument is the workspace's slug (an unknown one is refused, before
    anything else is done, naming the known ones). Subclasses add their own arguments in
    `add_workspace_arguments` and do their work in `handle_workspace`, given the workspace."""

    def add_arguments(self, parser):
        parser.add_argument("workspace_slug")
        self.add_workspace_arguments(parser)

    def add_workspace_arguments(self, parser):
        """The command's own arguments, after the workspace's slug."""

    def handle(self, workspace_slug, **options):
        return self.handle_workspace(workspace_by_slug(workspace_slug), **options)

    def handle_workspace(self, workspace, **options):
        raise NotImplementedError
