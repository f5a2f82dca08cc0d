"""Fast pieces of the VIN table's rows: the three-dots menu, what the row waits for and the time of the last change.

A page shows 50 rows; written as template code (or with format_html), the menu and Django's `date` filter cost
about half of the page's time, so these two are built here with plain string formatting. Every value is
escaped (`html.escape`). The menu's markup is described in docs/vin-table.md; its actions come from the status
machine (`machine.manager_actions_for`).
"""

from html import escape
from urllib.parse import quote

from django import template
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from vehicles.status.machine import TRANSITIONS, manager_actions_for

register = template.Library()

ITEM = (
    '<li role="none"><a role="menuitem" class="menu-item menu-item-{action}" data-invoker="actions-{pk}" '
    'href="{url}" hx-get="{url}" hx-target="#dialog-slot" hx-swap="innerHTML">{label}</a></li>'
)
MENU = (
    '<div class="row-menu">'
    '<button type="button" class="menu-button" id="actions-{pk}" popovertarget="menu-{pk}" aria-haspopup="menu"'
    ' aria-expanded="false" aria-label="Actions for {vin}"><span aria-hidden="true">⋮</span></button>'
    '<ul class="menu" id="menu-{pk}" role="menu" popover aria-label="Actions for {vin}">{items}</ul></div>'
)
NONE = '<span class="no-actions">—<span class="visually-hidden">No actions while {status}</span></span>'


@register.simple_tag(takes_context=True)
def row_menu(context, vehicle):
    """The row's `Actions for <VIN>` button and its menu; a dash when the status allows no action; nothing for
    viewers. Each item links to the confirmation page (the road without JavaScript), which HTMX fetches into
    the dialog slot instead. The URL is the table's URL + VIN + action (vehicles/urls.py), not reversed per row.
    """
    if not context.get("can_manage"):
        return ""
    actions = manager_actions_for(vehicle.status)
    if not actions:
        return mark_safe(NONE.format(status=escape(vehicle.get_status_display())))
    pk, vin = int(vehicle.pk), escape(vehicle.vin)
    base = escape(f"{context['list_url']}{vehicle.vin}/")
    next_query = escape(context["next_query"])
    items = "".join(
        ITEM.format(
            action=event.value, pk=pk, url=f"{base}{event.value}/confirm/?{next_query}", label=escape(event.label)
        )
        for event in actions
    )
    return mark_safe(MENU.format(pk=pk, vin=vin, items=items))


PAGE_ACTION = (
    '<form method="get" action="{url}" hx-get="{url}" hx-target="#dialog-slot" hx-swap="innerHTML">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="button {style}" id="page-action-{action}" data-invoker="page-action-{action}">'
    "{label}</button></form>"
)


@register.simple_tag(takes_context=True)
def page_actions(context, vehicle):
    """The vehicle page's actions as visible buttons (`Disable`, `Enable`, `Delete`: those the status machine
    allows), in a group named `Actions for <VIN>`; nothing for viewers or when the status allows none. Each is a
    GET form to the confirmation page (the road without JavaScript), which HTMX fetches into the dialog slot."""
    if not context.get("can_manage"):
        return ""
    actions = manager_actions_for(vehicle.status)
    if not actions:
        return ""
    base = f"{context['list_url']}{vehicle.vin}/"
    buttons = "".join(
        PAGE_ACTION.format(
            url=escape(f"{base}{event.value}/confirm/"),
            next=escape(context["here"]),
            style="button-danger" if TRANSITIONS[event].destructive else "button-secondary",
            action=event.value,
            label=escape(event.label),
        )
        for event in actions
    )
    return mark_safe(
        f'<div class="page-actions" role="group" aria-label="Actions for {escape(vehicle.vin)}">{buttons}</div>'
    )


@register.filter(is_safe=True)
def when(value):
    """A moment as `<time>`, shown as "27 Nov 2026, 13:22" in the current time zone."""
    if value is None:
        return "—"
    local = localtime(value)
    return mark_safe(f'<time datetime="{value.isoformat()}">{local.day} {local:%b %Y, %H:%M}</time>')


WAITING = '<span class="waiting{stuck}">{text}</span>'
WAITING_LINK = '<span class="waiting"><a href="{url}">{text}</a></span>'


@register.simple_tag(takes_context=True)
def waiting_phrase(context, vehicle):
    """The short phrase under the row's badge (vehicles/status/waiting.py, set on the row by its view as
    `vehicle.waiting`); an Incomplete row's links to the Makes page with its make preselected (`?make=`)."""
    waiting = getattr(vehicle, "waiting", None)
    text = waiting.phrase if waiting is not None else ""
    if not text:
        return ""
    if waiting.waiting_for == "make_activation" and vehicle.make_id and context.get("makes_url"):
        url = f"{context['makes_url']}?make={quote(vehicle.make.name)}"
        return mark_safe(WAITING_LINK.format(url=escape(url), text=escape(text)))
    return mark_safe(WAITING.format(stuck=" waiting-stuck" if waiting.stuck else "", text=escape(text)))
