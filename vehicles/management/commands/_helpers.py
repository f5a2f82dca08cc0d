from django.core.management.base import CommandError

from fleet.models import Make, Workspace


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
